package sweep_test

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/sweep"
	"github.com/nnfc/nnfc/internal/testfix"
)

// TestSweepPerTask sweeps each task beyond classification with the real
// binary on a real table, three learning rates of a few epochs each: a
// regression (diabetes) ranked by val_rmse, lower first, a binary model
// (breast cancer) ranked by val_roc_auc, higher first, and a multilabel
// model (the digits' even/≥5/prime labels) by its default val_f1_micro,
// higher first. For every
// trial the best epoch and value are recomputed from its metrics.jsonl in
// the metric's direction; the table is sorted by them, names its metric,
// and the progress and --json answer show the best trial's value.
func TestSweepPerTask(t *testing.T) {
	for _, c := range []struct {
		name, base, monitor, key string
		higher                   bool
	}{
		{"regression", fmt.Sprintf(`seed: 1
data: {source: table, train: %s, target: progression, val_fraction: 0.2}
model: {task: regression, hidden: [16]}
optimizer: {rule: adam}
train: {epochs: 4, batch_size: 32}
`, testfix.TableFile(t, "diabetes-train.csv")), "val_rmse", "rmse", false},
		{"binary", fmt.Sprintf(`seed: 1
data: {source: table, train: %s, target: diagnosis, positive: malignant, val_fraction: 0.2}
model: {task: binary, hidden: [8]}
optimizer: {rule: sgd}
train: {epochs: 3, batch_size: 32, monitor: val_roc_auc}
`, testfix.TableFile(t, "breast_cancer-train.csv")), "val_roc_auc", "roc_auc", true},
		{"multilabel", fmt.Sprintf(`seed: 1
data: {source: table, train: %s, target: [even, ge5, prime], exclude: [digit, tags], types: {p16: numeric, p31: numeric, p56: numeric}, val_fraction: 0.15}
model: {task: multilabel, hidden: [16]}
optimizer: {rule: adam}
train: {epochs: 3, batch_size: 64}
`, testfix.TableFile(t, "digit-labels-train.csv")), "val_f1_micro", "f1_micro", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "base.yaml", c.base)
			spec := writeFile(t, dir, "sweep.yaml", fmt.Sprintf(`name: %s
base: base.yaml
method: grid
space:
  optimizer.lr: [0.00003, 0.003, 0.03]
out_dir: %s
`, c.name, filepath.Join(dir, "out")))
			code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", spec, "--parallel", "2")
			if code != 0 {
				t.Fatalf("nnfc sweep: exit %d\n%s%s", code, stdout, stderr)
			}
			tab, err := sweep.Results(filepath.Join(dir, "out"))
			if err != nil {
				t.Fatal(err)
			}
			if tab.Metric != c.monitor || len(tab.Trials) != 3 || tab.Counts[sweep.Done] != 3 {
				t.Fatalf("table of %q with %d trials (%v), want %s and 3 done", tab.Metric, len(tab.Trials), tab.Counts, c.monitor)
			}
			sign := -1.0
			if c.higher {
				sign = 1
			}
			for i, tr := range tab.Trials {
				ms, err := rundir.ReadMetrics(tr.Dir)
				if err != nil {
					t.Fatal(err)
				}
				best, at := math.Inf(-1), 0
				for _, m := range ms {
					v, ok := m.Val[c.key]
					if !ok {
						t.Fatalf("trial %d epoch %d: val_metrics %v lack %s", tr.Index, m.Epoch, m.Val, c.key)
					}
					if sign*v > best {
						best, at = sign*v, m.Epoch
					}
				}
				if tr.BestEpoch != at || tr.Best != sign*best {
					t.Errorf("trial %d: best %s %v at epoch %d; its metrics.jsonl say %v at %d", tr.Index, c.monitor, tr.Best, tr.BestEpoch, sign*best, at)
				}
				if i > 0 && sign*tr.Best > sign*tab.Trials[i-1].Best {
					t.Errorf("rank %d: %s %v ranked after %v", i, c.monitor, tr.Best, tab.Trials[i-1].Best)
				}
				if want := fmt.Sprintf("best %s %.4f", c.monitor, tr.Best); !strings.Contains(stderr, want) {
					t.Errorf("trial %d: the progress lacks %q:\n%s", tr.Index, want, stderr)
				}
			}
			if first, last := tab.Trials[0].Best, tab.Trials[2].Best; first == last {
				t.Errorf("best and worst trial both have %s %v: the ranking is not tested", c.monitor, first)
			}
			code, out, errOut := runSweep(t, "sweep", "results", filepath.Join(dir, "out"), "--json")
			var js struct {
				Metric string `json:"metric"`
				Best   struct {
					Index int      `json:"index"`
					Best  *float64 `json:"best"`
				} `json:"best"`
			}
			if err := json.Unmarshal([]byte(out), &js); err != nil || code != 0 {
				t.Fatalf("sweep results --json: exit %d, %v\n%s%s", code, err, out, errOut)
			}
			if js.Metric != c.monitor || js.Best.Index != tab.Trials[0].Index || js.Best.Best == nil || *js.Best.Best != tab.Trials[0].Best {
				t.Errorf("sweep results --json: metric %q, best %+v; want %s, trial %d with %v", js.Metric, js.Best, c.monitor, tab.Trials[0].Index, tab.Trials[0].Best)
			}
		})
	}
}
