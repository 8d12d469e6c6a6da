package onnx

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/nnfc/nnfc/internal/infer"
	datasource "github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/testfix"
	"github.com/nnfc/nnfc/pkg/model"
)

// nnfcRegress is nnfc predict's answer for a raw CSV (infer.Model's
// Predict, which WriteCSV prints): the table's fitted reader, the forward
// pass in the model's precision and the target scaling undone, mean +
// std·o, in the data's units; the predictions row by row.
func nnfcRegress(t *testing.T, path, csvPath string) (pred []float64, targets int) {
	t.Helper()
	m, err := infer.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.Values() || m.TargetMean == nil {
		t.Fatalf("%s: infer says Values %v with target means %v: a regression predicts numbers in the data's units", path, m.Values(), m.TargetMean)
	}
	ds, err := datasource.ReadInput(csvPath, datasource.InputOptions{Dim: m.Spec.InputDim, Fitted: m.Norm.Source, Float64: m.TypeName() == "float64"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Prepare(ds, false); err != nil {
		t.Fatal(err)
	}
	err = m.Predict(ds, 1000, func(_ int, p infer.Prediction) error {
		pred = append(pred, p.Values...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pred, m.Spec.Targets
}

// TestRegressionInONNXRuntime trains regressions (model.task regression)
// on the real diabetes table as nnfc train does — one target in float32
// and in float64 (configs/diabetes.yaml's precision), and two targets
// (bmi and progression) — exports them and runs them in ONNX Runtime on
// every row, against nnfc's forward pass with the target scaling undone:
// the predictions, in the data's units, within 1e-5 relative of nnfc's
// plus 1e-6 of the target's standard deviation (float32; float64: 1e-12
// and 1e-12). The reference is nnfc predict's answer (infer's Predict;
// serve's and eval's are the same forward pass and scaling). Negative
// twin: the graph without the target's mean added back must fail. Debian's onnx.checker accepts the
// files.
func TestRegressionInONNXRuntime(t *testing.T) {
	dir := t.TempDir()
	diabetes := testfix.TableFile(t, "diabetes.csv")
	type tcase struct {
		name, model string
		tol         tolerance
		pred        []float64
		targets     int
		job         int
	}
	var cases []*tcase
	var jobs []ortJob
	var files []string
	for i, c := range []struct{ name, precision, target string }{
		{"diabetes", "float32", "progression"},
		{"diabetes-float64", "float64", "progression"},
		{"diabetes-two-targets", "float32", "[bmi, progression]"},
	} {
		// rtol relative to the prediction, atol times the target's
		// standard deviation (a prediction near 0).
		tc := &tcase{name: c.name, tol: tolerance{rtol: 1e-5, atol: 1e-6}}
		if c.precision == "float64" {
			tc.tol = tolerance{rtol: 1e-12, atol: 1e-12}
		}
		tc.model = trainTable(t, dir, c.name, fmt.Sprintf(`seed: %d
precision: %s
data: {source: table, train: %s, target: %s, val_fraction: 0}
model: {task: regression, hidden: [16], activation: tanh}
optimizer: {rule: adam, lr: 0.01}
`, i+1, c.precision, testfix.TableFile(t, "diabetes-train.csv"), c.target))
		tc.pred, tc.targets = nnfcRegress(t, tc.model, diabetes)
		m, err := ExportFile(tc.model, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out := filepath.Join(dir, c.name+".onnx")
		if err := Write(out, m); err != nil {
			t.Fatal(err)
		}
		files = append(files, out)
		tc.job = len(jobs)
		jobs = append(jobs, ortJob{Model: out, Feeds: tableFeeds(t, diabetes, m, 0, -1)})
		cases = append(cases, tc)
	}
	// The negative twin: the first model without the target's mean.
	m, err := ExportFile(cases[0].model, Options{})
	if err != nil {
		t.Fatal(err)
	}
	add := m.Graph.Node[nodeByOutput(t, m, "add")]
	id := m.Graph.Node[nodeByOutput(t, m, OutPredictions)]
	id.Input[0] = add.Input[0]
	twin := filepath.Join(dir, "twin-no-mean.onnx")
	if err := Write(twin, m); err != nil {
		t.Fatal(err)
	}
	twinJob := len(jobs)
	jobs = append(jobs, ortJob{Model: twin, Feeds: tableFeeds(t, diabetes, m, 0, -1)})

	res := runORT(t, jobs)
	compare := func(c *tcase, r ortResult) string {
		if r.Error != "" {
			return "ONNX Runtime: " + r.Error
		}
		got := r.floats(t, OutPredictions)
		if len(got) != len(c.pred) {
			return fmt.Sprintf("%d predictions, nnfc has %d", len(got), len(c.pred))
		}
		_, state, _ := datasource.DecodeFitted(mustNorm(t, c.model))
		sc, err := datasource.TableSchema(state)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			allowed := c.tol.rtol*math.Abs(c.pred[i]) + c.tol.atol*sc.Target.Std[i%c.targets]
			if d := math.Abs(got[i] - c.pred[i]); !(d <= allowed) {
				return fmt.Sprintf("element %d: %.9g, nnfc %.9g (|difference| %.3g > %.3g)", i, got[i], c.pred[i], d, allowed)
			}
		}
		return ""
	}
	for _, c := range cases {
		r := res[c.job]
		if msg := compare(c, r); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
			continue
		}
		got := r.floats(t, OutPredictions)
		t.Logf("%-22s %d rows × %d targets: predictions within %.2g relative of nnfc's (%.2g absolute)", c.name, len(got)/c.targets, c.targets, relErr(got, c.pred), absErr(got, c.pred))
	}
	if msg := compare(cases[0], res[twinJob]); msg == "" {
		t.Errorf("negative twin (no target mean): ONNX Runtime's outputs still match nnfc's: the comparison cannot fail")
	} else {
		t.Logf("negative twin (no target mean) fails as it must: %s", msg)
	}
	checkONNX(t, files...)
}

// mustNorm is the stored preprocessing of a model file.
func mustNorm(t *testing.T, path string) []byte {
	t.Helper()
	_, norm, err := model.Load[float64](path)
	if err != nil {
		t.Fatal(err)
	}
	return norm.Source
}
