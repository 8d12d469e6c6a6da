package infer

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Prediction is the model's output for one row: for a classifier, the
// predicted class and the probability of every class; for a model that
// predicts numbers (Values), the number of each target in the data's
// units, and no class.
type Prediction struct {
	Class  int32
	Probs  []float64 // valid only during the callback that receives it
	Values []float64 // likewise
}

// Values reports whether the model predicts numbers per row (its task's
// target is numbers: a regression), not a class and its probabilities.
func (m *Model) Values() bool { return task.Of(m.Spec).Target() == data.TargetNumber }

// Columns names the outputs of a row as WriteCSV writes them after the
// row index: class, p0, p1, ...; or, when the classes have names
// (ClassNames), class, p_NAME, ...; for a model predicting numbers, the
// names of its targets (TargetNames; target0, target1, ... without).
func (m *Model) Columns() []string {
	if rp, ok := task.Of(m.Spec).(task.RowPredictor); ok {
		return rp.PredictColumns(m.Spec, m.ClassNames)
	}
	if m.Values() {
		if len(m.TargetNames) == m.Spec.Targets {
			return slices.Clone(m.TargetNames)
		}
		cols := make([]string, m.Spec.Targets)
		for j := range cols {
			cols[j] = "target" + strconv.Itoa(j)
		}
		return cols
	}
	cols := []string{"class"}
	for j := 0; j < m.Spec.Classes; j++ {
		if m.ClassNames != nil {
			cols = append(cols, "p_"+m.ClassNames[j])
		} else {
			cols = append(cols, "p"+strconv.Itoa(j))
		}
	}
	return cols
}

// CanPredict returns nil when the model predicts per-row outputs, else an
// error saying what to use instead (its task's Predicts).
func (m *Model) CanPredict() error { return task.Of(m.Spec).Predicts(m.Path) }

// Predict runs the prepared data set ds through the model in batches of
// batch rows and calls emit once per row, in order; it fails, before
// emitting anything, when the model cannot predict (see CanPredict).
func (m *Model) Predict(ds *data.Dataset, batch int, emit func(row int, p Prediction) error) error {
	if err := m.CanPredict(); err != nil {
		return err
	}
	if batch <= 0 {
		panic(fmt.Sprintf("infer: Predict with batch %d", batch))
	}
	if m.net64 != nil {
		return predict(m.net64, ds, batch, m.Values(), m.TargetMean, m.TargetStd, emit)
	}
	return predict(m.net32, ds, batch, m.Values(), m.TargetMean, m.TargetStd, emit)
}

// predict runs ds through net in batches of batch rows and emits each
// row: its class and probabilities, or (values) its outputs as numbers,
// mapped back to the data's units with mean and std (task.Unscale, as
// nnfc eval and serve do) when the model has a target scaling.
func predict[T layers.Float](net *model.Net[T], ds *data.Dataset, batch int, values bool, mean, std []float64, emit func(int, Prediction) error) error {
	net.SetTraining(false)
	batch = min(batch, ds.N)
	x, probs := &layers.Matrix[T]{}, &layers.Matrix[T]{}
	pred := make([]int32, batch)
	idx := make([]int, 0, batch)
	y := make([]int32, batch)
	var p Prediction
	if !values {
		p.Probs = make([]float64, net.Spec.Classes)
	}
	for lo := 0; lo < ds.N; lo += batch {
		var in *layers.Matrix[T]
		in, idx = matrix(ds, lo, min(lo+batch, ds.N), x, idx, y)
		out := net.Infer(in)
		if !values {
			net.Probs(out, probs)
			net.Decide(out, probs, pred)
		}
		for i := 0; i < out.Rows; i++ {
			if values {
				p.Values = p.Values[:0]
				for _, v := range out.Row(i) {
					p.Values = append(p.Values, float64(v))
				}
				if mean != nil {
					task.Unscale(p.Values, mean, std)
				}
			} else {
				p.Class = pred[i]
				for j, v := range probs.Row(i) {
					p.Probs[j] = float64(v)
				}
			}
			if err := emit(lo+i, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteCSV writes the predictions for the prepared data set ds as CSV: a
// header (row, then Columns), then per row its index, class and
// probabilities (6 significant digits); or, for a model predicting
// numbers, its index and the values in the data's units (the shortest
// decimal that reads back as the value in the model's precision).
func (m *Model) WriteCSV(w io.Writer, ds *data.Dataset, batch int) error {
	head := []byte("row")
	for _, c := range m.Columns() {
		head = appendCSVField(append(head, ','), c)
	}
	if err := m.CanPredict(); err != nil {
		return err
	}
	if _, err := w.Write(append(head, '\n')); err != nil {
		return err
	}
	var line []byte
	rp, _ := task.Of(m.Spec).(task.RowPredictor)
	if m.Values() {
		bits := 32
		if m.net64 != nil {
			bits = 64
		}
		return m.Predict(ds, batch, func(row int, p Prediction) error {
			line = strconv.AppendInt(line[:0], int64(row), 10)
			for _, v := range p.Values {
				line = strconv.AppendFloat(append(line, ','), v, 'g', -1, bits)
			}
			_, err := w.Write(append(line, '\n'))
			return err
		})
	}
	return m.Predict(ds, batch, func(row int, p Prediction) error {
		line = strconv.AppendInt(line[:0], int64(row), 10)
		line = append(line, ',')
		if rp != nil {
			line = rp.AppendPrediction(line, m.Spec, m.ClassNames, p.Probs, appendCSVField)
			_, err := w.Write(append(line, '\n'))
			return err
		}
		if m.ClassNames != nil {
			line = appendCSVField(line, m.ClassNames[p.Class])
		} else {
			line = strconv.AppendInt(line, int64(p.Class), 10)
		}
		for _, v := range p.Probs {
			line = append(line, ',')
			line = strconv.AppendFloat(line, v, 'g', 6, 32)
		}
		_, err := w.Write(append(line, '\n'))
		return err
	})
}

// appendCSVField appends s as one CSV field, quoted when it holds a
// comma, a quote or a line break (RFC 4180).
func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	return append(append(b, '"'), strings.ReplaceAll(s, `"`, `""`)+`"`...)
}

// Classify runs the n prepared (normalized) rows x (n×Spec.InputDim,
// row-major) through the network's inference forward pass (model.Net's
// Infer: packed weights, the rows cut in blocks over the BLAS threads)
// and writes each row's probabilities (n×Spec.Classes: the kind's, as
// Predict gives them) into probs and its class into pred: Predict's
// numbers, bit for bit, without a data set or a call per row. A float64
// model widens x, as Predict does. It fails, writing nothing, when the
// model cannot predict (CanPredict); it panics when x, probs or pred is
// too short. Not safe for concurrent use: give each goroutine a Replica.
func (m *Model) Classify(x []float32, n int, probs []float64, pred []int32) error {
	if err := m.CanPredict(); err != nil {
		return err
	}
	d, k := m.Spec.InputDim, m.Spec.Classes
	if len(x) < n*d || len(probs) < n*k || len(pred) < n {
		panic(fmt.Sprintf("infer: Classify of %d rows of %d with %d inputs, %d probabilities and %d classes", n, d, len(x), len(probs), len(pred)))
	}
	if n == 0 {
		return nil
	}
	if m.net64 != nil {
		m.x64.Resize(n, d)
		for i, v := range x[:n*d] {
			m.x64.Data[i] = float64(v)
		}
		classify(m.net64, &m.x64, &m.p64, probs, pred)
		return nil
	}
	classify(m.net32, &layers.Matrix[float32]{Rows: n, Cols: d, Data: x[:n*d]}, &m.p32, probs, pred)
	return nil
}

func classify[T layers.Float](net *model.Net[T], x, p *layers.Matrix[T], probs []float64, pred []int32) {
	scores := net.Infer(x)
	net.Probs(scores, p)
	net.Decide(scores, p, pred)
	for i, v := range p.Data {
		probs[i] = float64(v)
	}
}
