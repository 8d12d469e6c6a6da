package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/testfix"
	"github.com/nnfc/nnfc/pkg/metrics"
)

// TestPredictRegression trains regressions on the real diabetes table
// (one target in float64, two targets — bmi and progression — in
// float32), then asks nnfc predict for the 88 rows of the test file, whose
// target columns it ignores:
//   - the header is row and the target columns' names, the values are in
//     the data's units: the R² and RMSE of predict's values against the
//     file's targets (pkg/metrics, checked against scikit-learn) equal
//     nnfc eval --json's on the same rows (1e-6);
//   - --output writes the same bytes as stdout, and says how many rows;
//   - nnfc serve answers the same rows (CSV body, and V1 records) with the
//     same values (1e-6 relative: serve reads float32 inputs, a float64
//     model's predict reads float64 ones).
//
// ONNX Runtime's agreement with predict is internal/onnx's
// TestRegressionInONNXRuntime.
func TestPredictRegression(t *testing.T) {
	dir := t.TempDir()
	test := testfix.TableFile(t, "diabetes-test.csv")
	raw, err := os.ReadFile(test)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := recs[0], recs[1:]
	for _, c := range []struct {
		name, precision string
		targets         []string
	}{
		{"one-float64", "float64", []string{"progression"}},
		{"two-float32", "float32", []string{"bmi", "progression"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := writeFile(t, filepath.Join(dir, c.name+".yaml"), []byte(fmt.Sprintf(`seed: 3
precision: %s
data: {source: table, train: %s, target: [%s], val_fraction: 0}
model: {task: regression, hidden: [16]}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 20, batch_size: 16, out_dir: %s}
`, c.precision, testfix.TableFile(t, "diabetes-train.csv"), strings.Join(c.targets, ", "), filepath.Join(dir, c.name))))
			if o := run(t, 2*time.Minute, nil, "train", "--config", cfg, "--progress", "none"); o.code != 0 {
				t.Fatalf("nnfc train: exit %d\n%s", o.code, o.stderr)
			}
			modelPath := filepath.Join(dir, c.name, "model.safetensors")
			o := run(t, time.Minute, nil, "predict", "--model", modelPath, "--input", test)
			if o.code != 0 {
				t.Fatalf("nnfc predict: exit %d\n%s", o.code, o.stderr)
			}
			predicted := o.stdout
			got, err := csv.NewReader(strings.NewReader(predicted)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]string{"row"}, c.targets...); !slices.Equal(got[0], want) {
				t.Fatalf("nnfc predict's header %v, want %v", got[0], want)
			}
			if len(got)-1 != len(rows) {
				t.Fatalf("nnfc predict wrote %d rows, the file has %d", len(got)-1, len(rows))
			}
			K := len(c.targets)
			var pred, actual []float64
			for i, r := range got[1:] {
				if r[0] != strconv.Itoa(i) || len(r) != 1+K {
					t.Fatalf("nnfc predict's row %d: %v", i, r)
				}
				for j, f := range r[1:] {
					v, err := strconv.ParseFloat(f, 64)
					if err != nil {
						t.Fatalf("row %d: %v", i, err)
					}
					pred = append(pred, v)
					a, _ := strconv.ParseFloat(rows[i][slices.Index(header, c.targets[j])], 64)
					actual = append(actual, a)
				}
			}

			// The values are in the data's units: their R² and RMSE
			// are eval's.
			o = run(t, time.Minute, nil, "eval", "--model", modelPath, "--data", test, "--json")
			if o.code != 0 {
				t.Fatalf("nnfc eval: exit %d\n%s", o.code, o.stderr)
			}
			var ev struct {
				Targets []metrics.Regression `json:"targets"`
			}
			if err := json.Unmarshal([]byte(o.stdout), &ev); err != nil {
				t.Fatalf("nnfc eval --json: %v\n%s", err, o.stdout)
			}
			mine := metrics.Regress(actual, pred, K, nil)
			if len(ev.Targets) != K {
				t.Fatalf("nnfc eval: %d targets, want %d", len(ev.Targets), K)
			}
			for j := range K {
				if math.Abs(mine[j].R2-ev.Targets[j].R2) > 1e-6 || math.Abs(mine[j].RMSE-ev.Targets[j].RMSE) > 1e-6*ev.Targets[j].RMSE {
					t.Errorf("%s: predict's values give R² %.9f, RMSE %.9g; nnfc eval says R² %.9f, RMSE %.9g",
						c.targets[j], mine[j].R2, mine[j].RMSE, ev.Targets[j].R2, ev.Targets[j].RMSE)
				}
				// Standardized outputs (mean 0, sd 1) would be
				// several standard deviations off the file's mean.
				var mp, ma float64
				for i := j; i < len(pred); i += K {
					mp, ma = mp+pred[i], ma+actual[i]
				}
				if n := float64(len(rows)); math.Abs(mp-ma)/n > 0.5*mine[j].RMSE {
					t.Errorf("%s: predict's values average %.4g, the file's targets %.4g (RMSE %.4g): not the data's units", c.targets[j], mp/n, ma/n, mine[j].RMSE)
				}
			}

			out := filepath.Join(dir, c.name+"-pred.csv")
			o2 := run(t, time.Minute, nil, "predict", "--model", modelPath, "--input", test, "--output", out)
			if o2.code != 0 || !strings.Contains(o2.stdout, fmt.Sprintf("wrote %d rows to %s", len(rows), out)) {
				t.Fatalf("nnfc predict --output: exit %d\n%s%s", o2.code, o2.stdout, o2.stderr)
			}
			if b, err := os.ReadFile(out); err != nil || string(b) != predicted {
				t.Errorf("--output %s differs from stdout (%v)", out, err)
			}

			// nnfc serve answers the same values.
			p := startServe(t, "--model", "d="+modelPath)
			same := func(what string, vals [][]float64) {
				t.Helper()
				if len(vals) != len(rows) {
					t.Fatalf("%s: %d rows, want %d", what, len(vals), len(rows))
				}
				for i, v := range vals {
					for j := range K {
						w := pred[i*K+j]
						if len(v) != K || math.Abs(v[j]-w) > 1e-6*math.Abs(w) {
							t.Fatalf("%s row %d: %v, nnfc predict says %v", what, i, v, pred[i*K:(i+1)*K])
						}
					}
				}
			}
			parse := func(what string, a answer) [][]float64 {
				t.Helper()
				if a.code != 200 {
					t.Fatalf("%s: %s", what, a)
				}
				var r struct {
					Predictions []struct {
						Predictions []float64 `json:"predictions"`
					} `json:"predictions"`
				}
				if err := json.Unmarshal(a.body, &r); err != nil {
					t.Fatalf("%s: %v: %s", what, err, a.body)
				}
				var vals [][]float64
				for _, p := range r.Predictions {
					vals = append(vals, p.Predictions)
				}
				return vals
			}
			same("serve CSV", parse("serve CSV", p.do("POST", "/v1/models/d/predict", raw, "Content-Type", "text/csv")))
			var records []map[string]any
			for _, row := range rows {
				r := map[string]any{}
				for k, h := range header {
					if !slices.Contains(c.targets, h) {
						r[h] = json.Number(row[k])
					}
				}
				records = append(records, r)
			}
			body, _ := json.Marshal(map[string]any{"instances": records})
			same("serve V1 records", parse("serve V1 records", p.do("POST", "/v1/models/d/predict", body)))
		})
	}
}

// TestPredictBinaryThreshold trains a binary model on the real breast
// cancer table with a stored threshold of 0.3 (not the default 0.5) and
// asks for the 113 rows of the test file:
//   - nnfc predict's class is the positive one (malignant) exactly where its
//     p_malignant reaches 0.3, and some rows lie in [0.3, 0.5), where the
//     threshold decides;
//   - nnfc eval --json's accuracy, precision, recall and F1 (at the
//     threshold) equal those of predict's classes against the file's labels
//     (pkg/metrics), and its ROC-AUC that of predict's probabilities (to
//     1e-3: predict prints 6 digits, which can tie scores);
//   - nnfc serve (CSV body) answers every row with predict's class name and
//     probabilities.
//
// ONNX Runtime's agreement with predict, threshold included, is
// internal/onnx's TestBinaryInONNXRuntime.
func TestPredictBinaryThreshold(t *testing.T) {
	dir := t.TempDir()
	test := testfix.TableFile(t, "breast_cancer-test.csv")
	raw, err := os.ReadFile(test)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	diag := slices.Index(recs[0], "diagnosis")
	cfg := writeFile(t, filepath.Join(dir, "bc.yaml"), []byte(fmt.Sprintf(`seed: 2
data: {source: table, train: %s, target: diagnosis, positive: malignant, val_fraction: 0}
model: {task: binary, hidden: [8], threshold: 0.3}
optimizer: {rule: sgd, lr: 0.05}
train: {epochs: 2, batch_size: 32, out_dir: %s}
`, testfix.TableFile(t, "breast_cancer-train.csv"), filepath.Join(dir, "run"))))
	if o := run(t, 2*time.Minute, nil, "train", "--config", cfg, "--progress", "none"); o.code != 0 {
		t.Fatalf("nnfc train: exit %d\n%s", o.code, o.stderr)
	}
	modelPath := filepath.Join(dir, "run", "model.safetensors")
	o := run(t, time.Minute, nil, "predict", "--model", modelPath, "--input", test)
	if o.code != 0 {
		t.Fatalf("nnfc predict: exit %d\n%s", o.code, o.stderr)
	}
	got, err := csv.NewReader(strings.NewReader(o.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"row", "class", "p_benign", "p_malignant"}; !slices.Equal(got[0], want) || len(got)-1 != len(recs)-1 {
		t.Fatalf("nnfc predict: header %v and %d rows; want %v and %d rows", got[0], len(got)-1, want, len(recs)-1)
	}
	var want []namedPrediction
	var truth, decided []int32
	var pos []bool
	var p []float64
	between := 0
	for i, r := range got[1:] {
		pm, _ := strconv.ParseFloat(r[3], 64)
		pb, _ := strconv.ParseFloat(r[2], 64)
		if (r[1] == "malignant") != (pm >= 0.3) {
			t.Errorf("row %d: class %s with p_malignant %v: the stored threshold is 0.3", i, r[1], pm)
		}
		if pm >= 0.3 && pm < 0.5 {
			between++
		}
		want = append(want, namedPrediction{class: r[1], probs: []float64{pb, pm}})
		pos = append(pos, recs[i+1][diag] == "malignant")
		truth = append(truth, map[bool]int32{true: 1}[pos[i]])
		decided = append(decided, map[bool]int32{true: 1}[r[1] == "malignant"])
		p = append(p, pm)
	}
	if between == 0 {
		t.Error("no test row has p_malignant in [0.3, 0.5): the test does not show the threshold deciding")
	}

	o = run(t, time.Minute, nil, "eval", "--model", modelPath, "--data", test, "--json")
	if o.code != 0 {
		t.Fatalf("nnfc eval: exit %d\n%s", o.code, o.stderr)
	}
	var ev struct {
		Metrics map[string]float64 `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(o.stdout), &ev); err != nil {
		t.Fatalf("nnfc eval --json: %v\n%s", err, o.stdout)
	}
	rep := metrics.Report(metrics.Confusion(truth, decided, 2, nil))
	mine := map[string]float64{"accuracy": metrics.Accuracy(truth, decided, nil), "precision": rep.Classes[1].Precision,
		"recall": rep.Classes[1].Recall, "f1": rep.Classes[1].F1}
	for k, v := range mine {
		if math.Abs(ev.Metrics[k]-v) > 1e-12 {
			t.Errorf("%s: nnfc eval %v, from predict's classes %v", k, ev.Metrics[k], v)
		}
	}
	if auc := metrics.ROCAUC(pos, p, nil); math.Abs(ev.Metrics["roc_auc"]-auc) > 1e-3 {
		t.Errorf("roc_auc: nnfc eval %v, from predict's probabilities %v", ev.Metrics["roc_auc"], auc)
	}
	t.Logf("threshold 0.3: %d of %d rows in [0.3, 0.5); eval and predict agree: %v, roc_auc %.4f", between, len(p), mine, ev.Metrics["roc_auc"])

	s := startServe(t, "--model", "bc="+modelPath)
	a := s.do("POST", "/v1/models/bc/predict", raw, "Content-Type", "text/csv")
	var r struct {
		Predictions []struct {
			Probabilities []float64 `json:"probabilities"`
			LabelName     string    `json:"label_name"`
		} `json:"predictions"`
	}
	if err := json.Unmarshal(a.body, &r); err != nil || a.code != 200 || len(r.Predictions) != len(want) {
		t.Fatalf("nnfc serve: %v: %s", err, a)
	}
	for i, pr := range r.Predictions {
		if pr.LabelName != want[i].class {
			t.Errorf("serve row %d: %s, nnfc predict says %s", i, pr.LabelName, want[i].class)
		}
		sameAsPredict(t, "serve", i, 0, pr.Probabilities, predicted{probs: want[i].probs})
	}
}
