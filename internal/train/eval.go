package train

import (
	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Eval is the outcome of evaluating a network on a data set.
type Eval struct {
	N        int     `json:"n"`
	Loss     float64 `json:"loss"`     // data loss, mean over samples
	RegLoss  float64 `json:"reg_loss"` // the L2 term 0.5·reg·ΣW²
	Accuracy float64 `json:"accuracy"` // fraction correct (0 for an autoencoder)
	// MSE is an autoencoder's reconstruction mean squared error per input
	// entry, mean over samples and entries of (r − x)²: 2·Loss/D.
	MSE      float64   `json:"mse,omitempty"`
	PerClass []float64 `json:"per_class_accuracy,omitempty"`
	// Confusion[i][j] counts samples of true class i predicted as j.
	Confusion [][]int `json:"confusion,omitempty"`
}

// Evaluator runs a network over data sets in batches, reusing its buffers.
type Evaluator[T layers.Float] struct {
	Net   *model.Net[T]
	Batch int
	x     layers.Matrix[T]
	idx   []int
	y     []int32
	pred  []int32
}

// Evaluate returns loss and accuracy of the network on ds (or on the rows
// idx of ds when idx is not nil), with the confusion matrix when asked.
func (e *Evaluator[T]) Evaluate(ds *data.Dataset, idx []int, confusion bool) Eval {
	n := ds.N
	if idx != nil {
		n = len(idx)
	}
	c := e.Net.Spec.Classes
	r := Eval{N: n, RegLoss: e.Net.RegLoss()}
	ae := e.Net.Spec.IsAutoencoder()
	confusion = confusion && !ae
	if confusion {
		r.Confusion = make([][]int, c)
		for i := range r.Confusion {
			r.Confusion[i] = make([]int, c)
		}
	}
	e.Net.SetTraining(false)
	defer e.Net.SetTraining(true)
	var lossSum float64
	correct := 0
	bl := blasbackend.BeginLoop()
	defer bl.End()
	for lo := 0; lo < n; lo += e.Batch {
		bl.Step()
		hi := min(lo+e.Batch, n)
		e.idx = e.idx[:0]
		for i := lo; i < hi; i++ {
			if idx != nil {
				e.idx = append(e.idx, idx[i])
			} else {
				e.idx = append(e.idx, i)
			}
		}
		b := hi - lo
		e.y = grow(e.y, b)
		e.pred = grow(e.pred, b)
		x := &e.x
		if rows, ok := any(ds.X).([]T); ok && idx == nil {
			// float32 and consecutive rows: a view of the data, no copy.
			x = &layers.Matrix[T]{Rows: b, Cols: ds.D, Data: rows[lo*ds.D : hi*ds.D]}
			copy(e.y, ds.Y[lo:hi])
		} else {
			e.x.Resize(b, ds.D)
			data.Gather(ds, e.idx, e.x.Data, e.y)
		}
		lossSum += e.Net.EvalLoss(x, e.y) * float64(b)
		if ae {
			continue
		}
		// EvalLoss ran the forward pass: the scores are the last layer's output.
		model.Predict(e.Net.LastScores(), e.pred)
		for i, p := range e.pred {
			if p == e.y[i] {
				correct++
			}
			if confusion {
				r.Confusion[e.y[i]][p]++
			}
		}
	}
	if n > 0 {
		r.Loss = lossSum / float64(n)
		r.Accuracy = float64(correct) / float64(n)
		if ae {
			r.MSE = 2 * r.Loss / float64(ds.D)
		}
	}
	if confusion {
		r.PerClass = make([]float64, c)
		for i, row := range r.Confusion {
			total := 0
			for _, v := range row {
				total += v
			}
			if total > 0 {
				r.PerClass[i] = float64(row[i]) / float64(total)
			}
		}
	}
	return r
}

func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}
