package serve

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// ModelRef names a model file to serve: --model name=PATH, or PATH (the
// name is then the file's base name without its extension, or the run
// directory's name for a run directory).
type ModelRef struct {
	Name, Path string
	// Classes names a classifier's classes, in class order (--class-names;
	// nil: the names the model file records, a table's target values or
	// a data source's class names, if any): adds the label_name output.
	Classes []string
}

// ParseModelRef parses a --model value.
func ParseModelRef(s string) (ModelRef, error) {
	name, path, ok := strings.Cut(s, "=")
	if !ok {
		path, name = s, ""
	}
	if path == "" {
		return ModelRef{}, fmt.Errorf("--model %q: expected PATH or NAME=PATH", s)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		if name == "" {
			name = filepath.Base(filepath.Clean(path))
		}
		path = filepath.Join(path, rundir.Model)
	}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return ModelRef{}, fmt.Errorf("--model %q: model name %q may hold only letters, digits, '-', '_' and '.'", s, name)
		}
	}
	return ModelRef{Name: name, Path: path}, nil
}

// TensorMeta describes one input or output tensor of a model, as OIP V2's
// model metadata lists it: shape -1 is the batch dimension.
type TensorMeta struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
}

// Model is one loaded model file, ready to run. A Model never changes:
// a reload builds a new one and swaps it in, so a request holding the old
// one finishes on it.
type Model struct {
	Name      string
	Path      string
	SHA256    string // of the whole file, as sha256sum prints it
	Version   string // the first 12 hex digits of SHA256
	Spec      model.Spec
	Precision string // float32 or float64: what the forward pass computes in
	Classes   []string
	LoadTime  time.Duration
	LoadedAt  time.Time

	inputDim int
	norm     *data.Normalizer
	schema   *data.Schema // a table model's: its inputs are named columns (table.go)
	im       *infer.Model
	// answers holds the model's task's output encoder once per batcher
	// worker, each with a network of its own (see batcher); answers[0]
	// runs on the model's own.
	answers []task.Answerer
}

// Inputs lists the model's inputs: one matrix of numbers, one row per
// sample; or, for a table model, one input per column.
func (m *Model) Inputs() []TensorMeta {
	if m.schema != nil {
		return tableInputs(m.schema, m.Precision)
	}
	return []TensorMeta{{Name: "input", Datatype: datatypeOf(m.Precision), Shape: []int{-1, m.inputDim}}}
}

// Outputs lists every output the model's task produces.
func (m *Model) Outputs() []TensorMeta { return outputs(m.answers[0]) }

// InputDim is the number of features of one row.
func (m *Model) InputDim() int { return m.inputDim }

func datatypeOf(precision string) string {
	if precision == "float64" {
		return "FP64"
	}
	return "FP32"
}

// wide reports whether the model reads its rows in float64: a table
// model that computes in float64, whose task answers float64 rows
// (task.Answerer64). nnfc predict reads such a model's input unrounded
// (its table reader's Dataset.X64), so the table decoders give
// request.x64 and prepare64 normalizes it in float64. A float64 model of
// plain numeric rows reads them as predict reads a CSV of numbers: in
// float32, widened in the forward pass.
func (m *Model) wide() bool {
	if m.Precision != "float64" || m.schema == nil {
		return false
	}
	_, ok := m.answers[0].(task.Answerer64)
	return ok
}

// prepareRequest is prepare for either kind of rows of r; v is the
// non-finite value found.
func (m *Model) prepareRequest(r *request) (row, col int, v float64, ok bool) {
	if r.x64 == nil {
		row, col, ok = m.prepare(r.x)
		if !ok {
			v = float64(r.x[row*m.inputDim+col])
		}
		return row, col, v, ok
	}
	row, col, ok = m.prepare64(r.x64)
	if !ok {
		v = r.x64[row*m.inputDim+col]
	}
	return row, col, v, ok
}

// prepare64 is prepare for float64 rows, normalized in float64 as
// nnfc predict normalizes Dataset.X64 (Normalizer.Apply64). The rows are left as they were when one
// value is not finite.
func (m *Model) prepare64(x []float64) (row, col int, ok bool) {
	D := m.inputDim
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return i / D, i % D, false
		}
	}
	if m.norm != nil {
		m.norm.Apply64(x, D)
	}
	return 0, 0, true
}

// prepare checks that rows x are finite and applies the model's stored
// input normalization to them in place, in float32, as nnfc predict does
// (it reads its input as float32 and normalizes that), so that the two
// agree: internal/vec's NormalizeFinite32, vectorized, one call per
// request. It returns the row and column of the first value that is NaN
// or ±Inf (the rows then left as they were), else ok = true.
func (m *Model) prepare(x []float32) (row, col int, ok bool) {
	D := m.inputDim
	var shift, scale []float32
	if m.norm != nil {
		shift, scale = m.norm.Shift[:D], m.norm.Scale[:D]
	}
	if i := vec.NormalizeFinite32(x, D, shift, scale); i >= 0 {
		return i / D, i % D, false
	}
	return 0, 0, true
}

// LoadModel reads, checks and builds the model file ref.Path in
// precision ("" for the file's own; float32 or float64) through
// internal/infer, as nnfc eval and nnfc predict open models. The file's
// SHA-256 is taken before and after reading it: a file replaced while it
// was read is refused.
func LoadModel(ref ModelRef, precision string) (*Model, error) {
	t0 := time.Now()
	switch precision {
	case "", "float32", "float64":
	default:
		return nil, fmt.Errorf("--precision: nnfc serve computes in float32 or float64, got %q", precision)
	}
	sum, err := stfile.FileSHA256(ref.Path)
	if err != nil {
		return nil, err
	}
	im, err := infer.Open(ref.Path, precision)
	if err != nil {
		return nil, err
	}
	if again, err := stfile.FileSHA256(ref.Path); err != nil || again != sum {
		return nil, fmt.Errorf("%s: the file changed while it was read; try again", ref.Path)
	}
	if im.Precision == "bfloat16" {
		// Not reachable through a file's own precision; bfloat16 is a
		// process-wide backend mode, which per-model reloads would toggle.
		return nil, fmt.Errorf("%s: nnfc serve computes in float32 or float64", ref.Path)
	}
	norm := im.Norm
	var schema *data.Schema
	if norm != nil && len(norm.Source) > 0 {
		// A data source's fitted preprocessing reads raw records into
		// rows: nnfc serve applies a table's (table.go).
		name, state, err := source.DecodeFitted(norm.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", ref.Path, err)
		}
		if name != "table" {
			return nil, fmt.Errorf("%s: the model reads its input through the %s source's fitted preprocessing, which nnfc serve does not apply; it serves models of numeric rows and of tables", ref.Path, name)
		}
		if schema, err = source.TableSchema(state); err != nil {
			return nil, fmt.Errorf("%s: %v", ref.Path, err)
		}
		if schema.Width() != im.Spec.InputDim {
			return nil, fmt.Errorf("%s: the table schema encodes %d inputs, the network takes %d", ref.Path, schema.Width(), im.Spec.InputDim)
		}
	}
	if len(im.Spec.Embed) > 0 && schema == nil {
		// Its index inputs come from a table's schema; a file with
		// tables and no schema is not one nnfc writes.
		return nil, fmt.Errorf("%s: the model has embedding tables (data.embed) but no table schema to write their inputs", ref.Path)
	}
	if norm != nil {
		if err := norm.Validate(); err != nil {
			return nil, fmt.Errorf("%s: normalizer: %v", ref.Path, err)
		}
		if len(norm.Shift) != im.Spec.InputDim {
			return nil, fmt.Errorf("%s: normalizer has %d features, the network %d", ref.Path, len(norm.Shift), im.Spec.InputDim)
		}
	}
	m := &Model{Name: ref.Name, Path: ref.Path, SHA256: sum, Version: sum[:12], Precision: im.Precision,
		Spec: im.Spec, inputDim: im.Spec.InputDim, norm: norm, schema: schema}
	if im.ClassNames != nil {
		m.Classes = im.ClassNames // a table's target values
	}
	if ref.Classes != nil {
		if err := checkClassNames(ref.Classes, im.Spec); err != nil {
			return nil, fmt.Errorf("--class-names %s: %v", ref.Name, err)
		}
		m.Classes = ref.Classes
	}
	m.im = im
	m.answers = []task.Answerer{answerer(im, m)}
	m.LoadTime = time.Since(t0)
	m.LoadedAt = time.Now()
	return m, nil
}

// replicate gives m a task for each of n workers (see batcher), each on a
// network of its own with the same weights. Call it before m serves.
func (m *Model) replicate(n int) error {
	for len(m.answers) < n {
		r, err := m.im.Replica()
		if err != nil {
			return err
		}
		m.answers = append(m.answers, answerer(r, m))
	}
	return nil
}

// checkClassNames checks names against a spec: a classifier, one name
// per class, none empty or given twice.
func checkClassNames(names []string, spec model.Spec) error {
	if spec.Classes == 0 {
		return fmt.Errorf("the model (%s) has no classes", spec)
	}
	if len(names) != spec.Classes {
		return fmt.Errorf("%d class names given, the model has %d classes", len(names), spec.Classes)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" {
			return fmt.Errorf("an empty class name")
		}
		if seen[n] {
			return fmt.Errorf("class name %q is given twice", n)
		}
		seen[n] = true
	}
	return nil
}
