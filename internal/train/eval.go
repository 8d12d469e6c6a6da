package train

import (
	"sync"
	"sync/atomic"

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
	v     layers.Matrix[T] // the float targets, in the model's units
	w     []T
	batch task.Batch // the meter's view; its buffers are reused
}

// concurrentRows is the fewest rows of a batch for which Evaluate, on
// more than one BLAS thread (layers.PackThreads), runs the batch's loss
// beside its meter instead of after it.
const concurrentRows = 256

// concurrentBatches counts the batches whose loss ran beside their meter
// (for tests).
var concurrentBatches atomic.Int64

// Evaluate returns loss and accuracy of the network on ds (or on the rows
// idx of ds when idx is not nil), with the confusion matrix when asked.
func (e *Evaluator[T]) Evaluate(ds *data.Dataset, idx []int, confusion bool) Eval {
	n := ds.N
	if idx != nil {
		n = len(idx)
	}
	r := Eval{N: n, RegLoss: e.Net.RegLoss()}
	meter := task.NewMeter(e.Net.Spec, confusion)
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
		x := &e.x
		if rows, ok := any(ds.X).([]T); ok && idx == nil {
			// float32 and consecutive rows: a view of the data, no copy.
			x = &layers.Matrix[T]{Rows: b, Cols: ds.D, Data: rows[lo*ds.D : hi*ds.D]}
			if ds.Y != nil {
				copy(e.y, ds.Y[lo:hi])
			}
		} else {
			e.x.Resize(b, ds.D)
			data.Gather(ds, e.idx, e.x.Data, e.y)
		}
		tgt := layers.Target[T]{Class: e.y}
		if ds.Target != nil || ds.W != nil {
			e.w = grow(e.w, b)
			tgt = BatchTarget(ds, e.idx, e.y, &e.v, e.w)
		}
		// The inference forward pass: Scores' outputs bit for bit, without
		// what a backward pass needs (and on packed weights when the
		// network's owner packed them: infer.Open).
		out := e.Net.Infer(x)
		if threads := layers.PackThreads(); threads > 1 && b >= concurrentRows {
			// The loss and the meter read out and write nothing the other
			// reads: on two threads they run at once, and the meter may
			// share its rows out (Batch.Threads). Each computes what it
			// computes on one thread, in the same order: the same bits.
			concurrentBatches.Add(1)
			var loss float64
			var wg sync.WaitGroup
			wg.Go(func() { loss = e.Net.OutputLoss(out, x, tgt) })
			mb := e.meterBatch(ds, meter, out)
			mb.Threads = threads
			meter.Add(mb)
			wg.Wait()
			lossSum += loss * float64(b)
			continue
		}
		lossSum += e.Net.OutputLoss(out, x, tgt) * float64(b)
		meter.Add(e.meterBatch(ds, meter, out))
	}
	if n > 0 {
		r.Loss = lossSum / float64(n)
	}
	meter.Done(&r, ds.D)
	r.TargetNames = ds.TargetNames
	if r.Curves != nil && r.Curves.K > 0 {
		r.Curves.Targets = ds.TargetNames
	}
	return r
}

// meterBatch is what the meter asked for of the batch e.idx of ds whose
// outputs are out: the arg-max classes, the output rows and the float
// targets in the data's units, the labels and the weights.
func (e *Evaluator[T]) meterBatch(ds *data.Dataset, meter task.Meter, out *layers.Matrix[T]) task.Batch {
	b := &e.batch
	n := len(e.idx)
	*b = task.Batch{Out: b.Out[:0], Target: b.Target[:0], Weight: b.Weight[:0], Pred: b.Pred[:0]}
	if ds.Y != nil {
		b.Class = e.y[:n]
	}
	if meter.Argmax() {
		e.pred = grow(e.pred, n)
		model.Predict(out, e.pred)
		b.Pred = e.pred
	}
	if meter.Outputs() {
		b.Cols = out.Cols
		b.Out = grow(b.Out, n*out.Cols)
		for k, v := range out.Data[:n*out.Cols] {
			b.Out[k] = float64(v)
		}
		if ds.TargetMean != nil && out.Cols == ds.K {
			task.Unscale(b.Out, ds.TargetMean, ds.TargetStd)
		}
	}
	if ds.Target != nil {
		K := ds.K
		b.K = K
		b.Target = grow(b.Target, n*K)
		for k, i := range e.idx {
			copy(b.Target[k*K:(k+1)*K], ds.Target[i*K:(i+1)*K])
		}
		if ds.TargetMean != nil {
			task.Unscale(b.Target, ds.TargetMean, ds.TargetStd)
		}
	}
	if ds.W != nil {
		b.Weight = grow(b.Weight, n)
		for k, i := range e.idx {
			b.Weight[k] = float64(ds.W[i])
		}
	}
	return *b
}

func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}
