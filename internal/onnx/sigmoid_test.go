package onnx

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/internal/testfix"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
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
	cancer := testfix.TableFile(t, "breast_cancer.csv")
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
`, i+1, testfix.TableFile(t, "breast_cancer-train.csv"), thr))
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

// TestMultilabelInONNXRuntime exports multi-label networks (one logit
// per label, a threshold; pkg/model's multilabel kind) with random weights and a standardizing normalizer, in
// float32 and float64, and runs them in ONNX Runtime on raw rows against
// nnfc's forward pass and its probabilities (Net.Probs, σ of each logit):
// probabilities within 1e-5 relative (+1e-7; float64 1e-12), and each
// label 1 exactly where nnfc's probability reaches the threshold. Negative
// twin: the threshold moved to 0.9 must fail.
func TestMultilabelInONNXRuntime(t *testing.T) {
	const n, d, k = 64, 12, 3
	dir := t.TempDir()
	x := rawRows(rand.New(rand.NewPCG(3, 4)), n, d)
	spec := model.Spec{Kind: model.KindMultilabel, InputDim: d, Hidden: []int{10}, Activations: []string{"tanh"},
		Classes: k, Loss: model.LossBCE, PosWeight: 1, Threshold: 0.4, Init: "he"}
	type tcase struct {
		prec, path string
		probs      []float64
		labels     []int64
		job        int
	}
	var cases []*tcase
	var jobs []ortJob
	var files []string
	for i, prec := range []string{"float32", "float64"} {
		c := &tcase{prec: prec, path: filepath.Join(dir, "multilabel-"+prec+".safetensors")}
		if prec == "float64" {
			saveClassifier[float64](t, c.path, spec, x, uint64(i))
			c.probs = multilabelProbs[float64](t, c.path, x, n)
		} else {
			saveClassifier[float32](t, c.path, spec, x, uint64(i))
			c.probs = multilabelProbs[float32](t, c.path, x, n)
		}
		for _, p := range c.probs {
			c.labels = append(c.labels, map[bool]int64{true: 1, false: 0}[p >= spec.Threshold])
		}
		out, _ := exportTo(t, c.path, Options{})
		in := filepath.Join(dir, "x-"+prec+".bin")
		writeMatrix(t, in, x, prec)
		files = append(files, out)
		c.job = len(jobs)
		jobs = append(jobs, ortJob{Model: out, Input: in, Rows: n, Cols: d, Dtype: prec})
		cases = append(cases, c)
	}
	m, err := ExportFile(cases[0].path, Options{})
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
	jobs = append(jobs, ortJob{Model: twin, Input: jobs[0].Input, Rows: n, Cols: d, Dtype: "float32"})

	res := runORT(t, jobs)
	compare := func(c *tcase, r ortResult) string {
		if r.Error != "" {
			return "ONNX Runtime: " + r.Error
		}
		tol := tol32
		if c.prec == "float64" {
			tol = tol64
		}
		got := r.floats(t, OutProbabilities)
		if len(got) != len(c.probs) {
			return fmt.Sprintf("%d probabilities, nnfc has %d", len(got), len(c.probs))
		}
		if msg, ok := tol.within(got, c.probs); !ok {
			return "probabilities: " + msg
		}
		gl := r.floats(t, OutLabels)
		for i, l := range c.labels {
			if int64(gl[i]) != l {
				return fmt.Sprintf("row %d label %d: %v, nnfc's probability %.9g at threshold %g", i/k, i%k, gl[i], c.probs[i], spec.Threshold)
			}
		}
		return ""
	}
	for _, c := range cases {
		if msg := compare(c, res[c.job]); msg != "" {
			t.Errorf("multilabel %s: %s", c.prec, msg)
			continue
		}
		ones := 0
		for _, l := range c.labels {
			ones += int(l)
		}
		got := res[c.job].floats(t, OutProbabilities)
		t.Logf("multilabel %s: %d rows × %d labels (%d set): probabilities within %.2g relative of nnfc's, labels equal", c.prec, n, k, ones, relErr(got, c.probs))
	}
	if msg := compare(cases[0], res[twinJob]); msg == "" {
		t.Errorf("negative twin (threshold 0.9): ONNX Runtime's outputs still match nnfc's: the comparison cannot fail")
	} else {
		t.Logf("negative twin (threshold 0.9) fails as it must: %s", msg)
	}
	checkONNX(t, files...)
}

// multilabelProbs are nnfc's probabilities of a multilabel model file on
// the raw rows x: the stored normalizer, the forward pass, Net.Probs.
func multilabelProbs[T layers.Float](t *testing.T, path string, x []float32, n int) []float64 {
	t.Helper()
	net, norm, err := model.Load[T](path)
	if err != nil {
		t.Fatal(err)
	}
	net.SetTraining(false)
	in := normalized[T](t, norm, x, n, len(x)/n)
	probs := layers.NewMatrix[T](1, 1)
	net.Probs(net.Scores(in), probs)
	out := make([]float64, len(probs.Data))
	for i, v := range probs.Data {
		out[i] = float64(v)
	}
	return out
}

// TestMultilabelTableInONNXRuntime trains multilabel models (model.task
// multilabel) on the real digits table of make data (labels even, ge5,
// prime; as three 0/1 columns in float32 at threshold 0.5, as one ";"
// column in float64 at threshold 0.3), exports them with the table's
// preprocessing inside and runs them in ONNX Runtime on every raw row of
// the test file, against nnfc predict's code (infer.Predict): each
// label's probability within 1e-5 relative (+1e-7; float64 1e-12), each
// label 1 exactly where nnfc's probability reaches the threshold, the
// label names in the metadata. Negative twin: the float32 model's
// threshold moved to 0.9 must fail the comparison.
func TestMultilabelTableInONNXRuntime(t *testing.T) {
	dir := t.TempDir()
	test := testfix.TableFile(t, "digit-labels-test.csv")
	type tcase struct {
		name, prec, model string
		threshold         float64
		probs             []float64
		names             []string
		job               int
	}
	var cases []*tcase
	var jobs []ortJob
	var files []string
	for i, c := range []*tcase{
		{name: "columns-float32", prec: "float32", threshold: 0.5},
		{name: "tags-float64", prec: "float64", threshold: 0.3},
	} {
		target, exclude := "[even, ge5, prime]", "[digit, tags]"
		if i == 1 {
			target, exclude = "tags", "[digit, even, ge5, prime]"
		}
		c.model = trainTable(t, dir, c.name, fmt.Sprintf(`seed: %d
precision: %s
data: {source: table, train: %s, target: %s, exclude: %s, types: {p16: numeric, p31: numeric, p56: numeric}, val_fraction: 0}
model: {task: multilabel, hidden: [32], activation: relu, threshold: %g}
optimizer: {rule: adam, lr: 0.002}
`, i+1, c.prec, testfix.TableFile(t, "digit-labels-train.csv"), target, exclude, c.threshold))
		c.probs, _, c.names = nnfcPredictTable(t, c.model, test)
		m, err := ExportFile(c.model, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := Metadata(m)[MetaClasses]; got != `["even","ge5","prime"]` {
			t.Errorf("%s: metadata %s = %s, want the labels", c.name, MetaClasses, got)
		}
		out := filepath.Join(dir, c.name+".onnx")
		if err := Write(out, m); err != nil {
			t.Fatal(err)
		}
		files = append(files, out)
		c.job = len(jobs)
		jobs = append(jobs, ortJob{Model: out, Feeds: tableFeeds(t, test, m, 0, -1)})
		cases = append(cases, c)
	}
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
	jobs = append(jobs, ortJob{Model: twin, Feeds: jobs[0].Feeds})

	res := runORT(t, jobs)
	compare := func(c *tcase, r ortResult) string {
		if r.Error != "" {
			return "ONNX Runtime: " + r.Error
		}
		tol := tol32
		if c.prec == "float64" {
			tol = tol64
		}
		got := r.floats(t, OutProbabilities)
		if len(got) != len(c.probs) || len(got) == 0 {
			return fmt.Sprintf("%d probabilities, nnfc has %d", len(got), len(c.probs))
		}
		if msg, ok := tol.within(got, c.probs); !ok {
			return "probabilities: " + msg
		}
		gl := r.floats(t, OutLabels)
		for i, p := range c.probs {
			if want := map[bool]float64{true: 1, false: 0}[p >= c.threshold]; gl[i] != want {
				return fmt.Sprintf("row %d label %s: %v, nnfc's probability %.9g at threshold %g", i/3, c.names[i%3], gl[i], p, c.threshold)
			}
		}
		return ""
	}
	for _, c := range cases {
		if msg := compare(c, res[c.job]); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
			continue
		}
		ones := 0
		for _, p := range c.probs {
			if p >= c.threshold {
				ones++
			}
		}
		t.Logf("%s: %d rows × 3 labels (%d set): probabilities within %.2g relative of nnfc predict's, labels equal", c.name, len(c.probs)/3, ones, relErr(res[c.job].floats(t, OutProbabilities), c.probs))
	}
	if msg := compare(cases[0], res[twinJob]); msg == "" {
		t.Errorf("negative twin (threshold 0.9): ONNX Runtime's outputs still match nnfc's: the comparison cannot fail")
	} else {
		t.Logf("negative twin (threshold 0.9) fails as it must: %s", msg)
	}
	checkONNX(t, files...)
}
