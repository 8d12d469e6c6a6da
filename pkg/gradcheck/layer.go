package gradcheck

import (
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/layers"
)

// Layer checks a layer's input gradient and every parameter gradient at
// the input x, through f = Σ out ⊙ dout with dout drawn from rng. The
// check name prefixes each Result. Parameter gradients are zeroed first.
func Layer(check string, l layers.Layer[float64], x *layers.Matrix[float64], rng *rand.Rand, threshold float64) []Result {
	out := l.Forward(x)
	dout := layers.NewMatrix[float64](out.Rows, out.Cols)
	for i := range dout.Data {
		dout.Data[i] = rng.NormFloat64()
	}
	f := func() float64 {
		o := l.Forward(x)
		var s float64
		for i, v := range o.Data {
			s += v * dout.Data[i]
		}
		return s
	}
	for _, p := range l.Params() {
		p.ZeroGrad()
	}
	l.Forward(x)
	dx := l.Backward(dout)
	var rs []Result
	if dx != nil {
		a := append([]float64(nil), dx.Data...)
		rs = append(rs, Compare(check, "x", a, Numerical(f, x.Data, DefaultStep), threshold))
	}
	for _, p := range l.Params() {
		a := append([]float64(nil), p.Grad...)
		rs = append(rs, Compare(check, p.Name, a, Numerical(f, p.Data, DefaultStep), threshold))
	}
	return rs
}

// Loss checks a loss's gradient with respect to the scores, for the
// batch's target t.
func Loss(check string, loss layers.Loss[float64], scores *layers.Matrix[float64], t layers.Target[float64], threshold float64) []Result {
	d := layers.NewMatrix[float64](scores.Rows, scores.Cols)
	loss.Loss(scores, t, d)
	a := append([]float64(nil), d.Data...)
	scratch := layers.NewMatrix[float64](scores.Rows, scores.Cols)
	f := func() float64 { return loss.Loss(scores, t, scratch) }
	return []Result{Compare(check, "scores", a, Numerical(f, scores.Data, DefaultStep), threshold)}
}
