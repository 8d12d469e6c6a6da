package onnx

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
)

// The tests run every exported file in the real ONNX Runtime: 1.30's
// onnxruntime-node under Debian's node, installed by make deps into
// tools/ort (scripts/ort-ensure.sh), driven by tools/ort/run.js; and
// check every file with Debian's python3-onnx checker.

// ortDir is tools/ort at the repository root; the test fails (it never
// skips) when ONNX Runtime is not installed there.
func ortDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "tools", "ort"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node", "package.json")); err != nil {
		t.Fatalf("ONNX Runtime is not installed in %s (make deps installs it): %v", dir, err)
	}
	return dir
}

// ortJob is one run of a model on a matrix, or on named inputs (see
// tools/ort/run.js).
type ortJob struct {
	Model   string             `json:"model"`
	Input   string             `json:"input,omitempty"`
	Rows    int                `json:"rows,omitempty"`
	Cols    int                `json:"cols,omitempty"`
	Dtype   string             `json:"dtype,omitempty"`
	Feeds   map[string]ortFeed `json:"feeds,omitempty"` // named inputs instead of one matrix
	Threads int                `json:"threads"`
	Out     string             `json:"out"`
}

type ortTensor struct {
	Type string `json:"type"`
	Dims []int  `json:"dims"`
	Data []any  `json:"data"`
}

type ortResult struct {
	Outputs map[string]ortTensor `json:"outputs"`
	Error   string               `json:"error"`
}

func (r ortResult) floats(t *testing.T, name string) []float64 {
	t.Helper()
	o, ok := r.Outputs[name]
	if !ok {
		t.Fatalf("ONNX Runtime gave no output %q (outputs: %v)", name, keys(r.Outputs))
	}
	out := make([]float64, len(o.Data))
	for i, v := range o.Data {
		if v == nil { // JSON has no NaN: run.js's NaN is null
			out[i] = math.NaN()
			continue
		}
		f, ok := v.(float64)
		if !ok {
			t.Fatalf("output %q element %d is %T, not a number", name, i, v)
		}
		out[i] = f
	}
	return out
}

func (r ortResult) strings(t *testing.T, name string) []string {
	t.Helper()
	o, ok := r.Outputs[name]
	if !ok {
		t.Fatalf("ONNX Runtime gave no output %q (outputs: %v)", name, keys(r.Outputs))
	}
	out := make([]string, len(o.Data))
	for i, v := range o.Data {
		out[i], _ = v.(string)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

// writeMatrix writes x (rows of raw features) as little-endian float32 or
// float64 for run.js.
func writeMatrix(t *testing.T, path string, x []float32, dtype string) {
	t.Helper()
	var b []byte
	if dtype == "float64" {
		b = make([]byte, 8*len(x))
		for i, v := range x {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(float64(v)))
		}
	} else {
		b = make([]byte, 4*len(x))
		for i, v := range x {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runORT runs the jobs in one Node process and returns their results.
func runORT(t *testing.T, jobs []ortJob) []ortResult {
	t.Helper()
	dir := ortDir(t)
	tmp := t.TempDir()
	for i := range jobs {
		jobs[i].Out = filepath.Join(tmp, fmt.Sprintf("out%d.json", i))
		if jobs[i].Threads == 0 {
			jobs[i].Threads = 1
		}
	}
	spec := filepath.Join(tmp, "jobs.json")
	b, _ := json.Marshal(jobs)
	if err := os.WriteFile(spec, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "run.js"), spec)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node run.js: %v\n%s", err, out)
	}
	res := make([]ortResult, len(jobs))
	for i, j := range jobs {
		b, err := os.ReadFile(j.Out)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &res[i]); err != nil {
			t.Fatalf("%s: %v", j.Out, err)
		}
	}
	return res
}

// checkONNX runs Debian's onnx.checker.check_model(full_check=True) on
// every file and fails the test naming each file it rejects.
func checkONNX(t *testing.T, paths ...string) {
	t.Helper()
	script := `import sys, onnx
bad = 0
for p in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(p), full_check=True)
    except Exception as e:
        bad += 1
        print(p + ": " + str(e).splitlines()[0] if str(e) else p + ": " + type(e).__name__)
print("onnx", onnx.__version__, "checked", len(sys.argv) - 1, "files,", bad, "rejected")
sys.exit(1 if bad else 0)
`
	out, err := exec.Command("/usr/bin/python3", append([]string{"-c", script}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx.checker: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
}

// normalized returns the raw rows x normalized in precision T, as nnfc
// eval and train compute it (a float64 model's data normalized in
// float64; see nnfcClassify).
func normalized[T layers.Float](t *testing.T, norm *data.Normalizer, x []float32, n, d int) *layers.Matrix[T] {
	t.Helper()
	ds := &data.Dataset{Name: "x", X: append([]float32(nil), x...), N: n, D: d}
	var zero T
	if _, ok := any(zero).(float64); ok {
		ds.X64 = make([]float64, len(x))
		for i, v := range x {
			ds.X64[i] = float64(v)
		}
	}
	if norm != nil {
		if err := norm.Apply(ds); err != nil {
			t.Fatal(err)
		}
	}
	in := layers.NewMatrix[T](n, d)
	for i, v := range ds.X {
		in.Data[i] = T(v)
	}
	if ds.X64 != nil {
		for i, v := range ds.X64 {
			in.Data[i] = T(v)
		}
	}
	return in
}

// nnfcClassify runs nnfc predict's code (internal/infer: the model file
// in its own precision, the stored normalizer, the forward pass, softmax
// and arg-max) on the raw rows x. A float64 model's rows are normalized in
// float64, as nnfc eval and training do (nnfc predict reads its inputs as
// float32 and normalizes them so: the double graph agrees with that to
// about 3e-7 relative only).
func nnfcClassify(t *testing.T, path string, x []float32, n int) (probs []float64, labels []int32) {
	t.Helper()
	m, err := infer.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ds := &data.Dataset{Name: "x", X: append([]float32(nil), x...), Y: make([]int32, n), N: n, D: len(x) / n}
	if m.Precision == "float64" {
		ds.X64 = make([]float64, len(x))
		for i, v := range x {
			ds.X64[i] = float64(v)
		}
	}
	if err := m.Prepare(ds, false); err != nil {
		t.Fatal(err)
	}
	err = m.Predict(ds, 1000, func(row int, p infer.Prediction) error {
		probs = append(probs, p.Probs...)
		labels = append(labels, p.Class)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return probs, labels
}

// relErr is the largest |a−b|/max(|a|,|b|) over the elements (0 for two
// zeros).
func relErr(a, b []float64) float64 {
	worst := 0.0
	for i := range a {
		d := math.Abs(a[i] - b[i])
		if d == 0 {
			continue
		}
		worst = max(worst, d/max(math.Abs(a[i]), math.Abs(b[i])))
	}
	return worst
}

// relErrAbove is relErr over the elements where want ≥ floor.
func relErrAbove(got, want []float64, floor float64) float64 {
	var g, w []float64
	for i := range want {
		if want[i] >= floor {
			g, w = append(g, got[i]), append(w, want[i])
		}
	}
	return relErr(g, w)
}

// absErr is the largest |a−b|.
func absErr(a, b []float64) float64 {
	worst := 0.0
	for i := range a {
		worst = max(worst, math.Abs(a[i]-b[i]))
	}
	return worst
}

// compareClassifier compares ONNX Runtime's outputs with nnfc's and
// returns a description of the first disagreement ("" when they agree):
// probabilities within tol, labels exactly, class names by label.
func compareClassifier(t *testing.T, r ortResult, probs []float64, labels []int32, names []string, tol tolerance) string {
	t.Helper()
	if r.Error != "" {
		return "ONNX Runtime: " + r.Error
	}
	got := r.floats(t, OutProbabilities)
	if len(got) != len(probs) {
		return fmt.Sprintf("%d probabilities, nnfc has %d", len(got), len(probs))
	}
	if msg, ok := tol.within(got, probs); !ok {
		return "probabilities: " + msg
	}
	return compareLabels(t, r, labels, names)
}

// compareLabels compares the label output with nnfc's labels exactly and,
// with names, the class output by label ("" when they agree).
func compareLabels(t *testing.T, r ortResult, labels []int32, names []string) string {
	t.Helper()
	gl := r.floats(t, OutLabel)
	wrong := 0
	for i, l := range labels {
		if int32(gl[i]) != l {
			wrong++
		}
	}
	if wrong > 0 {
		return fmt.Sprintf("%d of %d labels differ", wrong, len(labels))
	}
	if names != nil {
		gc := r.strings(t, OutClass)
		for i, l := range labels {
			if gc[i] != names[l] {
				return fmt.Sprintf("row %d: class %q, want %q", i, gc[i], names[l])
			}
		}
	} else if _, ok := r.Outputs[OutClass]; ok {
		return "a class output without class names"
	}
	return ""
}

// exportTo exports the model file and writes the ONNX file beside it.
func exportTo(t *testing.T, path string, o Options) (string, *onnxpb.ModelProto) {
	t.Helper()
	m, err := ExportFile(path, o)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSuffix(path, ".safetensors") + ".onnx"
	if err := Write(out, m); err != nil {
		t.Fatal(err)
	}
	return out, m
}

func itoa(i int) string { return strconv.Itoa(i) }
