package onnx

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
)

// TestBinaryInONNXRuntime trains binary models (model.task binary: one
// logit, a threshold) on the real breast cancer table, at thresholds 0.5
// and 0.3, exports them and runs them in ONNX Runtime on every row,
// against nnfc predict's code: probabilities [1 − p, p] within 1e-5
// relative (+1e-7 absolute), the "probability" output equal to p, the
// thresholded labels and the class names equal. Negative twin: the
// threshold moved to 0.9 must fail the comparison. Debian's onnx.checker
// accepts the files.
func TestBinaryInONNXRuntime(t *testing.T) {
	dir := t.TempDir()
	cancer := tablePath(t, "breast_cancer.csv")
	type tcase struct {
		name, model string
		probs       []float64
		labels      []int32
		names       []string
		job         int
	}
	var cases []*tcase
	var jobs []ortJob
	var files []string
	for i, thr := range []float64{0.5, 0.3} {
		c := &tcase{name: fmt.Sprintf("binary-threshold-%g", thr)}
		c.model = trainTable(t, dir, fmt.Sprintf("binary%d", i), fmt.Sprintf(`seed: %d
data: {source: table, train: %s, target: diagnosis, val_fraction: 0}
model: {task: binary, hidden: [16], activation: relu, threshold: %g}
optimizer: {rule: adam, lr: 0.001}
`, i+1, tablePath(t, "breast_cancer-train.csv"), thr))
		c.probs, c.labels, c.names = nnfcPredictTable(t, c.model, cancer)
		m, err := ExportFile(c.model, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out := filepath.Join(dir, c.name+".onnx")
		if err := Write(out, m); err != nil {
			t.Fatal(err)
		}
		files = append(files, out)
		c.job = len(jobs)
		jobs = append(jobs, ortJob{Model: out, Feeds: tableFeeds(t, cancer, m, 0, -1)})
		cases = append(cases, c)
	}
	// The negative twin: the first model deciding at 0.9.
	m, err := ExportFile(cases[0].model, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, init := range m.Graph.Initializer {
		if init.GetName() == "threshold" {
			init.RawData = (&graph{elem: onnxpb.TensorProto_FLOAT, consts: map[string]*constant{"t": {vals: []float64{0.9}}}, order: []string{"t"}}).finish("", "").Initializer[0].RawData
		}
	}
	twin := filepath.Join(dir, "twin-threshold.onnx")
	if err := Write(twin, m); err != nil {
		t.Fatal(err)
	}
	twinJob := len(jobs)
	jobs = append(jobs, ortJob{Model: twin, Feeds: tableFeeds(t, cancer, m, 0, -1)})

	res := runORT(t, jobs)
	for _, c := range cases {
		r := res[c.job]
		if msg := compareBinary(t, r, c.probs, c.labels, c.names); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
			continue
		}
		got := r.floats(t, OutProbabilities)
		p, want := r.floats(t, OutProbability), make([]float64, len(c.labels))
		positive := 0
		for i := range want {
			want[i] = c.probs[2*i+1]
			positive += int(c.labels[i])
		}
		t.Logf("%-22s %d rows (%d predicted %s): probability within %.2g relative of nnfc predict's (%.2g absolute; 1 − p within %.2g absolute), labels and class names equal",
			c.name, len(c.labels), positive, c.names[1], relErr(p, want), absErr(p, want), absErr(got, c.probs))
	}
	ref := cases[0]
	if msg := compareBinary(t, res[twinJob], ref.probs, ref.labels, ref.names); msg == "" {
		t.Errorf("negative twin (threshold 0.9): ONNX Runtime's outputs still match nnfc's: the comparison cannot fail")
	} else {
		t.Logf("negative twin (threshold 0.9) fails as it must: %s", msg)
	}
	checkONNX(t, files...)
}

// compareBinary compares a binary model's outputs with nnfc's
// probabilities [1 − p, p] per row and labels, and returns the first
// disagreement ("" when they agree): "probability" p within tol32 of
// nnfc's p, and equal to the second column of "probabilities"; the first
// column, 1 − p as nnfc computes it, within the absolute difference p was
// allowed, atol + rtol·p, plus one rounding of float32 below 1 (2⁻²⁴): it
// carries p's error, and near p = 1 a relative bound on it would demand
// bit-equal sigmoids (two float32 steps at 1 are 1.2e-7, 1% of
// 1 − p = 1.4e-5, measured); labels exactly, class names by label.
func compareBinary(t *testing.T, r ortResult, probs []float64, labels []int32, names []string) string {
	t.Helper()
	if r.Error != "" {
		return "ONNX Runtime: " + r.Error
	}
	p, got := r.floats(t, OutProbability), r.floats(t, OutProbabilities)
	if len(p) != len(labels) || len(got) != 2*len(labels) {
		return fmt.Sprintf("%d probabilities and %d rows of two, nnfc has %d rows", len(p), len(got)/2, len(labels))
	}
	for i := range p {
		wp := probs[2*i+1]
		allowed := tol32.atol + tol32.rtol*math.Abs(wp)
		if d := math.Abs(p[i] - wp); !(d <= allowed) {
			return fmt.Sprintf("row %d: probability %.9g, nnfc %.9g (|difference| %.3g > %.3g)", i, p[i], wp, d, allowed)
		}
		if got[2*i+1] != p[i] {
			return fmt.Sprintf("row %d: probabilities[1] %.9g differs from probability %.9g", i, got[2*i+1], p[i])
		}
		// 1 − p rounds once more, on float32's grid below 1 (2⁻²⁴ apart).
		if d := math.Abs(got[2*i] - probs[2*i]); !(d <= allowed+0x1p-24) {
			return fmt.Sprintf("row %d: 1 − p %.9g, nnfc %.9g (|difference| %.3g > %.3g)", i, got[2*i], probs[2*i], d, allowed+0x1p-24)
		}
	}
	return compareLabels(t, r, labels, names)
}
