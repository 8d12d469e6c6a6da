package train

import (
	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Eval is the outcome of evaluating a network on a data set: the loss
// and the task's metrics.
type Eval = task.Eval

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
	r := Eval{N: n, RegLoss: e.Net.RegLoss()}
	meter := task.Of(e.Net.Spec).NewMeter(e.Net.Spec.Classes, confusion)
	e.Net.SetTraining(false)
	defer e.Net.SetTraining(true)
	var lossSum float64
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
		if meter.Argmax() {
			// EvalLoss ran the forward pass: the scores are the last layer's output.
			model.Predict(e.Net.LastScores(), e.pred)
		}
		meter.Add(e.pred, e.y)
	}
	if n > 0 {
		r.Loss = lossSum / float64(n)
	}
	meter.Done(&r, ds.D)
	return r
}

func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}
