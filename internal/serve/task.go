package serve

import (
	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/data"
)

// Tensor is one output (or decoded input) tensor: a name, an OIP V2
// datatype, a shape whose first dimension is the rows, and its values in
// exactly one of the slices, row-major.
type Tensor struct {
	Name     string
	Datatype string // FP32, FP64, INT64, BYTES
	Shape    []int
	F32      []float32
	F64      []float64
	I64      []int64
	Str      []string
}

// rows returns the tensor's rows lo..hi as a view.
func (t Tensor) rows(lo, hi int) Tensor {
	w := 1
	for _, d := range t.Shape[1:] {
		w *= d
	}
	s := append([]int{hi - lo}, t.Shape[1:]...)
	r := Tensor{Name: t.Name, Datatype: t.Datatype, Shape: s}
	switch {
	case t.F32 != nil:
		r.F32 = t.F32[lo*w : hi*w]
	case t.F64 != nil:
		r.F64 = t.F64[lo*w : hi*w]
	case t.I64 != nil:
		r.I64 = t.I64[lo*w : hi*w]
	case t.Str != nil:
		r.Str = t.Str[lo*w : hi*w]
	}
	return r
}

// answerer builds the opened model's output encoder: its task's
// (internal/task's Serve), with nnfc predict's classification as the
// Predict it calls.
func answerer(im *infer.Model, m *Model) task.Answerer {
	predict := func(ds *data.Dataset, emit func(int, int32, []float64)) error {
		return im.Predict(ds, max(ds.N, 1), func(i int, p infer.Prediction) error {
			emit(i, p.Class, p.Probs)
			return nil
		})
	}
	return task.Of(im.Spec).Serve(task.Served{
		Spec: im.Spec, Net32: im.Net32(), Net64: im.Net64(), Norm: m.norm, Classes: m.Classes,
		TargetMean: im.TargetMean, TargetStd: im.TargetStd,
		Predict: func(x []float32, n int, emit func(int, int32, []float64)) error {
			return predict(&data.Dataset{Name: "request", X: x[:n*m.inputDim], N: n, D: m.inputDim}, emit)
		},
		Predict64: func(x []float64, n int, emit func(int, int32, []float64)) error {
			// As nnfc predict runs a float64 model: its rows from X64.
			return predict(&data.Dataset{Name: "request", X64: x[:n*m.inputDim], N: n, D: m.inputDim}, emit)
		},
	})
}

// outputs lists the model's outputs (its task's columns).
func outputs(a task.Answerer) []TensorMeta {
	var ms []TensorMeta
	for _, c := range a.Outputs() {
		ms = append(ms, TensorMeta{Name: c.Name, Datatype: c.Datatype, Shape: c.Shape})
	}
	return ms
}

// run runs the model's task on the batch's n normalized rows x.
func run(a task.Answerer, x []float32, n int) []Tensor { return tensors(a.Answer(x, n)) }

// run64 runs it on float64 rows (Model.wide).
func run64(a task.Answerer64, x []float64, n int) []Tensor { return tensors(a.Answer64(x, n)) }

func tensors(cs []task.Column) []Tensor {
	ts := make([]Tensor, len(cs))
	for i, c := range cs {
		ts[i] = Tensor(c)
	}
	return ts
}
