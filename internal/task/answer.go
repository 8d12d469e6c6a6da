package task

import (
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Served is a model opened to answer requests (nnfc serve), as a task's
// Answerer sees it.
type Served struct {
	Spec model.Spec
	// Exactly one network is set: Net64 when the model computes in
	// float64, else Net32.
	Net32 *model.Net[float32]
	Net64 *model.Net[float64]
	Norm  *data.Normalizer // the stored input normalization; nil for none
	// TargetMean and TargetStd map a regression's standardized outputs
	// back to the data's units (the schema's number target); nil: as is.
	TargetMean, TargetStd []float64
	// Classes names the classes (a table's target values, or
	// --class-names), nil when they have none.
	Classes []string
	// Predict is nnfc predict's classification (infer.Model.Predict) of
	// n normalized rows x: emit gets each row's class and probabilities.
	Predict func(x []float32, n int, emit func(row int, class int32, probs []float64)) error
	// Predict64 is Predict of float64 rows, for a model that computes in
	// float64 (Net64): nnfc predict reads such a model's input in float64
	// (data.Dataset.X64) and runs it unrounded.
	Predict64 func(x []float64, n int, emit func(row int, class int32, probs []float64)) error
}

// An Answerer computes a task's outputs for a batch of normalized rows:
// nnfc serve's per-task output encoder. Answer is called from one
// goroutine; the columns it returns are fresh (the caller slices them per
// request while the next batch runs).
type Answerer interface {
	// Outputs lists the columns Answer returns, without values; shape -1
	// is the rows.
	Outputs() []Column
	Answer(x []float32, n int) []Column
}

// An Answerer64 also answers float64 rows: those of a model that computes
// in float64, read and normalized in float64 as nnfc predict reads them
// (data.Dataset.X64), so that no input is rounded to float32 on the way.
// nnfc serve uses it for such a model when the task's Answerer has it.
type Answerer64 interface {
	Answerer
	Answer64(x []float64, n int) []Column
}

// Column is one output for a batch of rows: a name, an OIP V2 datatype
// (FP32, FP64, INT64, BYTES), a shape whose first dimension is the rows,
// and its values in exactly one of the slices, row-major.
type Column struct {
	Name     string
	Datatype string
	Shape    []int
	F32      []float32
	F64      []float64
	I64      []int64
	Str      []string
}

// floatType is the datatype of a model's float outputs.
func (m Served) floatType() string {
	if m.Net64 != nil {
		return "FP64"
	}
	return "FP32"
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

// input64 wraps float64 rows as a matrix of T: a view for float64
// networks, a rounded copy for float32 ones.
func input64[T layers.Float](buf *layers.Matrix[T], x []float64, n, d int) *layers.Matrix[T] {
	if v, ok := any(x).([]T); ok {
		return &layers.Matrix[T]{Rows: n, Cols: d, Data: v[:n*d]}
	}
	buf.Resize(n, d)
	for i, v := range x[:n*d] {
		buf.Data[i] = T(v)
	}
	return buf
}

// columnOf copies a matrix into a fresh FP32 or FP64 column.
func columnOf[T layers.Float](name string, m *layers.Matrix[T]) Column {
	c := Column{Name: name, Shape: []int{m.Rows, m.Cols}}
	switch v := any(m.Data).(type) {
	case []float32:
		c.Datatype, c.F32 = "FP32", append([]float32(nil), v...)
	case []float64:
		c.Datatype, c.F64 = "FP64", append([]float64(nil), v...)
	}
	return c
}
