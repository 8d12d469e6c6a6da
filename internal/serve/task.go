package serve

import (
	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
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

// A task is what a model's network computes for a batch of rows and how
// its outputs are named and typed: the per-task output encoder. Today's
// tasks are the classifier and the tied autoencoder; regression, binary
// and multi-label models are one more implementation each.
//
// run is called by the batcher only (one goroutine): x holds n normalized
// rows; the returned tensors are fresh (the caller slices them per
// request while the next batch runs).
type task interface {
	outputs() []TensorMeta
	run(x []float32, n int) []Tensor
}

// newTask picks the task of an opened model.
func newTask(im *infer.Model, m *Model) task {
	if im.Spec.IsAutoencoder() {
		if n := im.Net64(); n != nil {
			return &autoencoderTask[float64]{net: n, m: m}
		}
		return &autoencoderTask[float32]{net: im.Net32(), m: m}
	}
	return &classifierTask{im: im, m: m}
}

// input wraps the batch's float32 rows as a matrix of T: a view for
// float32 networks, a widened copy for float64 ones (nnfc predict widens
// its float32 rows the same way).
func input[T layers.Float](buf *layers.Matrix[T], x []float32, n, d int) *layers.Matrix[T] {
	if v, ok := any(x).([]T); ok {
		return &layers.Matrix[T]{Rows: n, Cols: d, Data: v[:n*d]}
	}
	buf.Resize(n, d)
	for i, v := range x[:n*d] {
		buf.Data[i] = T(v)
	}
	return buf
}

// tensorOf copies a matrix into a fresh FP32 or FP64 tensor.
func tensorOf[T layers.Float](name string, m *layers.Matrix[T]) Tensor {
	t := Tensor{Name: name, Shape: []int{m.Rows, m.Cols}}
	switch v := any(m.Data).(type) {
	case []float32:
		t.Datatype, t.F32 = "FP32", append([]float32(nil), v...)
	case []float64:
		t.Datatype, t.F64 = "FP64", append([]float64(nil), v...)
	}
	return t
}

// classifierTask: softmax probabilities, the arg-max label and, when the
// model file names its classes, the label's name — by infer.Model.Predict,
// the code nnfc predict runs.
type classifierTask struct {
	im *infer.Model
	m  *Model
}

func (c *classifierTask) outputs() []TensorMeta {
	k := c.m.Spec.Classes
	out := []TensorMeta{
		{Name: "probabilities", Datatype: datatypeOf(c.m.Precision), Shape: []int{-1, k}},
		{Name: "label", Datatype: "INT64", Shape: []int{-1}},
	}
	if len(c.m.Classes) > 0 {
		out = append(out, TensorMeta{Name: "label_name", Datatype: "BYTES", Shape: []int{-1}})
	}
	return out
}

func (c *classifierTask) run(x []float32, n int) []Tensor {
	k := c.m.Spec.Classes
	probs := Tensor{Name: "probabilities", Datatype: datatypeOf(c.m.Precision), Shape: []int{n, k}}
	if probs.Datatype == "FP64" {
		probs.F64 = make([]float64, n*k)
	} else {
		probs.F32 = make([]float32, n*k)
	}
	label := make([]int64, n)
	ds := &data.Dataset{Name: "request", X: x[:n*c.m.inputDim], N: n, D: c.m.inputDim}
	err := c.im.Predict(ds, max(n, 1), func(i int, p infer.Prediction) error {
		label[i] = int64(p.Class)
		if probs.F64 != nil {
			copy(probs.F64[i*k:], p.Probs)
		} else {
			for j, v := range p.Probs {
				probs.F32[i*k+j] = float32(v) // exact: the float32 softmax, widened and back
			}
		}
		return nil
	})
	if err != nil {
		panic(err) // a classifier always predicts; runTask reports it
	}
	out := []Tensor{probs, {Name: "label", Datatype: "INT64", Shape: []int{n}, I64: label}}
	if names := c.m.Classes; len(names) > 0 {
		s := make([]string, n)
		for i, l := range label {
			s[i] = names[l]
		}
		out = append(out, Tensor{Name: "label_name", Datatype: "BYTES", Shape: []int{n}, Str: s})
	}
	return out
}

// autoencoderTask: the reconstruction, in the data's units (the stored
// normalization undone), and the code f(x·Wᵀ).
type autoencoderTask[T layers.Float] struct {
	net *model.Net[T]
	m   *Model
	buf layers.Matrix[T]
}

func (a *autoencoderTask[T]) outputs() []TensorMeta {
	dt := datatypeOf(a.m.Precision)
	return []TensorMeta{
		{Name: "reconstruction", Datatype: dt, Shape: []int{-1, a.m.inputDim}},
		{Name: "code", Datatype: dt, Shape: []int{-1, a.net.Spec.CodeDim}},
	}
}

func (a *autoencoderTask[T]) run(x []float32, n int) []Tensor {
	in := input(&a.buf, x, n, a.m.inputDim)
	code := tensorOf("code", a.net.Code(in))
	rec := tensorOf("reconstruction", a.net.Scores(in))
	if norm := a.m.norm; norm != nil {
		D := a.m.inputDim
		// x' = (x − shift)·scale, so x = x'/scale + shift.
		for i := range rec.F32 {
			j := i % D
			rec.F32[i] = rec.F32[i]/norm.Scale[j] + norm.Shift[j]
		}
		for i := range rec.F64 {
			j := i % D
			rec.F64[i] = rec.F64[i]/float64(norm.Scale[j]) + float64(norm.Shift[j])
		}
	}
	return []Tensor{rec, code}
}
