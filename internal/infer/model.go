package infer

import (
	"fmt"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Precisions are the precisions a model can be run in: float32, float64,
// and bfloat16 (float32 weights with bf16 inputs to the large GEMMs, on
// the oneDNN backend only).
var Precisions = []string{"float32", "float64", "bfloat16"}

// CheckPrecision returns an error unless p is "" (the file's own
// precision) or one of Precisions.
func CheckPrecision(p string) error {
	switch p {
	case "", "float32", "float64", "bfloat16":
		return nil
	}
	return fmt.Errorf("must be float32, float64 or bfloat16, got %q", p)
}

// PrecisionError is Open's refusal of a precision this process cannot
// compute in (bfloat16 off the oneDNN backend).
type PrecisionError struct{ Err error }

func (e *PrecisionError) Error() string { return e.Err.Error() }
func (e *PrecisionError) Unwrap() error { return e.Err }

// Model is a model file opened for inference: its network in the
// precision it runs in, with the normalizer of its training data.
type Model struct {
	Path      string
	Spec      model.Spec
	Norm      *data.Normalizer // nil: the model takes its inputs as they are
	Precision string           // float32, float64 or bfloat16
	// Meta is the file's metadata (the spec and normalizer among it), for
	// a caller that records where a model came from.
	Meta map[string]string
	// ClassNames names the classes when the model's data named them (a
	// table's target values, from its stored preprocessing; the names a
	// source gives its classes, data.Normalizer.Classes), else nil.
	ClassNames []string
	// TargetNames, TargetMean and TargetStd are a model's number targets
	// (a regression's data.target columns, from its stored preprocessing):
	// its outputs, standardized for training, map back to the data's
	// units as TargetMean[j] + TargetStd[j]·output. Nil for other models.
	TargetNames           []string
	TargetMean, TargetStd []float64

	// Exactly one of the two networks is set: net64 for float64, net32
	// for float32 and bfloat16.
	net32 *model.Net[float32]
	net64 *model.Net[float64]
	off   func()
	// Classify's buffers: the widened rows of a float64 model, the
	// probabilities in the network's type.
	x64 layers.Matrix[float64]
	p32 layers.Matrix[float32]
	p64 layers.Matrix[float64]
}

// Open reads the model file at path and builds its network in precision
// ("": the precision the file was saved in). For bfloat16 it turns the
// oneDNN backend's bfloat16 mode on until Close, or fails on a backend
// without one. A missing file's error wraps os.ErrNotExist.
func Open(path, precision string) (*Model, error) {
	if err := CheckPrecision(precision); err != nil {
		return nil, err
	}
	f, err := model.Open(path)
	if err != nil {
		return nil, err
	}
	if precision == "" {
		precision = f.Precision()
	}
	m := &Model{Path: path, Precision: precision, Meta: f.Meta, off: func() {}}
	if precision == "bfloat16" {
		if _, err := blasbackend.SetBFloat16(true); err != nil {
			return nil, &PrecisionError{err}
		}
		m.off = func() { blasbackend.SetBFloat16(false) }
	}
	if precision == "float64" {
		m.net64, m.Norm, err = model.LoadFile[float64](f)
	} else {
		m.net32, m.Norm, err = model.LoadFile[float32](f)
	}
	if err != nil {
		m.Close()
		return nil, err
	}
	if m.net64 != nil {
		m.Spec = m.net64.Spec
	} else {
		m.Spec = m.net32.Spec
		// The weights no longer change: the backend's packed copy for
		// Infer (none in the bfloat16 mode or without oneDNN).
		m.net32.Pack()
	}
	if m.Norm != nil {
		if names := source.FittedClassNames(m.Norm.Source); len(names) == m.Spec.Classes {
			m.ClassNames = names
		} else if len(m.Norm.Classes) == m.Spec.Classes {
			m.ClassNames = m.Norm.Classes // the source's names (Fashion-MNIST)
		}
		if names, mean, std := source.FittedTargets(m.Norm.Source); len(mean) == m.Spec.Targets {
			m.TargetNames, m.TargetMean, m.TargetStd = names, mean, std
		}
	}
	return m, nil
}

// Close turns off what Open turned on (the backend's bfloat16 mode).
func (m *Model) Close() {
	m.off()
	m.off = func() {}
}

// Net32 is the network when it runs in float32 (or bfloat16), else nil.
func (m *Model) Net32() *model.Net[float32] { return m.net32 }

// Net64 is the network when it runs in float64, else nil.
func (m *Model) Net64() *model.Net[float64] { return m.net64 }

// Prepare checks that ds fits the model — as many features per sample as
// its input, with labelled no label beyond its classes, and a category
// index in each input of an embedding table — and normalizes ds in place
// with the model's statistics.
func (m *Model) Prepare(ds *data.Dataset, labelled bool) error {
	if ds.D != m.Spec.InputDim {
		return fmt.Errorf("%s has %s per sample, but the model %s expects %d", ds.Name, english.Count(ds.D, "feature"), m.Path, m.Spec.InputDim)
	}
	if labelled && task.Of(m.Spec).Labelled() && ds.Classes > m.Spec.Classes {
		return fmt.Errorf("%s has labels up to %d, but the model %s has %s", ds.Name, ds.Classes-1, m.Path, english.Count(m.Spec.Classes, "class"))
	}
	if m.Norm != nil {
		if err := m.Norm.Apply(ds); err != nil {
			return err
		}
	}
	// Category indices of the embedding tables (a table model's schema
	// writes them; a numeric file given to such a model may not).
	return model.CheckIndices(m.Spec, ds.Name, ds.X)
}

// Evaluate returns the model's loss and accuracy (an autoencoder's
// reconstruction error), per-class accuracy and confusion matrix on the
// prepared data set ds, run in batches of batch rows.
func (m *Model) Evaluate(ds *data.Dataset, batch int) train.Eval {
	if m.net64 != nil {
		return (&train.Evaluator[float64]{Net: m.net64, Batch: batch}).Evaluate(ds, nil, true)
	}
	return (&train.Evaluator[float32]{Net: m.net32, Batch: batch}).Evaluate(ds, nil, true)
}

// TypeName is the Go element type the network computes in, as eval
// prints it ("float32" for bfloat16 too: its weights are float32).
func (m *Model) TypeName() string {
	if m.net64 != nil {
		return "float64"
	}
	return "float32"
}

// matrix views or copies rows [lo, hi) of ds as a batch of element type T.
func matrix[T layers.Float](ds *data.Dataset, lo, hi int, x *layers.Matrix[T], idx []int, y []int32) (*layers.Matrix[T], []int) {
	if rows, ok := any(ds.X).([]T); ok {
		return &layers.Matrix[T]{Rows: hi - lo, Cols: ds.D, Data: rows[lo*ds.D : hi*ds.D]}, idx
	}
	idx = idx[:0]
	for i := lo; i < hi; i++ {
		idx = append(idx, i)
	}
	x.Resize(hi-lo, ds.D)
	data.Gather(ds, idx, x.Data, y[:hi-lo])
	return x, idx
}

// Replica returns a copy of m with a network of its own, holding the same
// weights: a network keeps its activations between calls and is not safe
// for concurrent use, so each goroutine that runs forward passes at the
// same time as others needs one (nnfc serve's workers). The replica
// shares m's file metadata and normalizer, which nothing changes, and
// does not own m's bfloat16 mode (Close of the replica leaves it).
func (m *Model) Replica() (*Model, error) {
	r := *m
	r.off = func() {}
	r.x64, r.p32, r.p64 = layers.Matrix[float64]{}, layers.Matrix[float32]{}, layers.Matrix[float64]{} // not shared
	var err error
	if m.net64 != nil {
		r.net64, err = replicate(m.net64)
	} else {
		r.net32, err = replicate(m.net32)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", m.Path, err)
	}
	return &r, nil
}

func replicate[T layers.Float](n *model.Net[T]) (*model.Net[T], error) {
	c, err := model.New[T](n.Spec, nil)
	if err != nil {
		return nil, err
	}
	src, _ := n.Flat()
	dst, _ := c.Flat()
	copy(dst, src)
	copy(c.FlatBuffers(), n.FlatBuffers())
	c.SetTraining(false)
	c.Pack() // as Open packs its network (nothing for float64)
	return c, nil
}
