package gradcheck

import (
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Net checks the gradient of a whole network's loss (data loss plus L2
// term) with respect to every parameter on the batch (x, t).
func Net(check string, n *model.Net[float64], x *layers.Matrix[float64], t layers.Target[float64], threshold float64) []Result {
	n.Loss(x, t)
	var analytic [][]float64
	for _, p := range n.Params() {
		analytic = append(analytic, append([]float64(nil), p.Grad...))
	}
	f := func() float64 {
		l, _ := n.Loss(x, t)
		return l
	}
	var rs []Result
	for i, p := range n.Params() {
		rs = append(rs, Compare(check, p.Name, analytic[i], Numerical(f, p.Data, DefaultStep), threshold))
	}
	return rs
}
