package sweep_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/report"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/sweep"
	"github.com/nnfc/nnfc/internal/testfix"
)

// penguinsCV is a short run config on the real penguins table (make data
// fetches it into data/tables; NNFC_TABLES_DIR overrides).
func penguinsCV(t *testing.T) string {
	t.Helper()
	p := testfix.TableFile(t, "penguins.csv")
	return writeFile(t, t.TempDir(), "penguins.yaml", fmt.Sprintf(`seed: 3
data: {source: table, train: %s, target: species, normalize: none}
model: {hidden: [8]}
optimizer: {rule: sgd, lr: 0.3}
train: {epochs: 2, batch_size: 64}
`, p))
}

// readCV reads cv.json.
func readCV(t *testing.T, dir string) sweep.CVSummary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, sweep.CVFile))
	if err != nil {
		t.Fatal(err)
	}
	var s sweep.CVSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCV: nnfc cv --folds 4 --stratify on the real penguins table runs
// four folds whose validation splits partition the table's 344 rows; the
// printed and written mean ± std are those of the folds' best val_acc,
// read back from each fold's metrics.jsonl; the same folds as a Slurm job
// array on the real single-node cluster give bit-identical values.
func TestCV(t *testing.T) {
	cfg := penguinsCV(t)
	local := filepath.Join(t.TempDir(), "local")
	code, stdout, stderr := runSweep(t, "--threads", "1", "cv", "--config", cfg, "--folds", "4", "--stratify", "--out", local, "--parallel", "2")
	if code != 0 {
		t.Fatalf("nnfc cv exited %d:\n%s\n%s", code, stdout, stderr)
	}
	s := readCV(t, local)
	if s.Folds != 4 || !s.Stratify || s.Monitor != "val_acc" || len(s.Points) != 1 || len(s.Points[0].Folds) != 4 {
		t.Fatalf("cv.json: %+v", s)
	}
	pt := s.Points[0]
	var vals []float64
	rows := 0
	for i, f := range pt.Folds {
		if f.Fold != i+1 || f.State != sweep.Done {
			t.Errorf("fold %d: %+v", i+1, f)
		}
		ms, err := rundir.ReadMetrics(f.Dir)
		if err != nil {
			t.Fatal(err)
		}
		best := math.Inf(-1)
		for _, m := range ms {
			best = math.Max(best, m.ValAcc)
		}
		if float64(f.Value) != best {
			t.Errorf("fold %d: cv.json says %v, its metrics.jsonl's best val_acc is %v", f.Fold, f.Value, best)
		}
		vals = append(vals, best)
		b, _ := os.ReadFile(filepath.Join(f.Dir, "train.log"))
		var n int
		if _, err := fmt.Sscanf(string(b[strings.Index(string(b), " train, ")+len(" train, "):]), "%d val", &n); err != nil {
			t.Fatalf("fold %d: no validation size in train.log: %v\n%s", f.Fold, err, b)
		}
		if n != 86 { // 344 rows in 4 stratified folds: 152/68/124 per species split 38/17/31
			t.Errorf("fold %d holds %d rows, want 86", f.Fold, n)
		}
		rows += n
	}
	if rows != 344 {
		t.Errorf("the folds hold %d rows, the table 344", rows)
	}
	mean := (vals[0] + vals[1] + vals[2] + vals[3]) / 4
	sd := 0.0
	for _, v := range vals {
		sd += (v - mean) * (v - mean)
	}
	sd = math.Sqrt(sd / 3)
	if math.Abs(float64(pt.Mean)-mean) > 1e-15 || math.Abs(float64(pt.Std)-sd) > 1e-15 {
		t.Errorf("mean ± std %v ± %v, recomputed %v ± %v", pt.Mean, pt.Std, mean, sd)
	}
	if want := fmt.Sprintf("val_acc: mean %.4f ± %.4f (std over 4 folds)", mean, sd); !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	// The sweep report shows the folds and their mean ± std.
	page, err := report.BuildSweep(local, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var html strings.Builder
	if err := report.RenderSweep(&html, page); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4-fold cross-validation, stratified", fmt.Sprintf("%.4f ± %.4f", mean, sd), fmt.Sprintf(">%.4f</td>", vals[2])} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Again: nothing to run, the same summary.
	if code, out2, _ := runSweep(t, "cv", "--config", cfg, "--folds", "4", "--stratify", "--out", local); code != 0 || out2 != stdout {
		t.Errorf("re-run exited %d:\n%s\nwant\n%s", code, out2, stdout)
	}
	// Another fold count on the same directory is refused.
	if code, _, e := runSweep(t, "cv", "--config", cfg, "--folds", "5", "--out", local); code == 0 || !strings.Contains(e, "changed against this sweep directory") {
		t.Errorf("5 folds into a 4-fold directory: exit %d\n%s", code, e)
	}

	slurmUp(t)
	remote := filepath.Join(t.TempDir(), "slurm")
	code, stdout, stderr = runSweep(t, "--threads", "1", "cv", "--config", cfg, "--folds", "4", "--stratify", "--out", remote, "--executor", "slurm", "--wait")
	if code != 0 || !strings.Contains(stderr, "submitted job array") {
		t.Fatalf("nnfc cv --executor slurm exited %d:\n%s\n%s", code, stdout, stderr)
	}
	r := readCV(t, remote)
	for i, f := range r.Points[0].Folds {
		if math.Float64bits(float64(f.Value)) != math.Float64bits(vals[i]) {
			t.Errorf("fold %d: slurm %v, local %v", i+1, f.Value, vals[i])
		}
		if st, _ := sweep.ReadStatus(f.Dir); st == nil || st.Executor != "slurm" {
			t.Errorf("fold %d did not run on slurm: %+v", i+1, st)
		}
	}
}

// TestCVErrors: bad fold counts and too many folds for the rows are one
// line and run nothing.
func TestCVErrors(t *testing.T) {
	cfg := penguinsCV(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--folds", "1"}, 2, "nnfc: --folds: must be ≥ 2"},
		{nil, 2, "nnfc: --folds: must be ≥ 2"},
		{[]string{"--folds", "345"}, 1, "data.cv.folds: 345 folds of 344 training rows: at most 344"},
		{[]string{"--folds", "3", "--wait"}, 2, "nnfc: --wait: applies to --executor slurm only"},
	} {
		out := filepath.Join(t.TempDir(), "cv")
		code, _, stderr := runSweep(t, append([]string{"cv", "--config", cfg, "--out", out}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, want %d and one line with %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: the directory was created", tc.args)
		}
	}
}

// TestSweepCV: cv: in a sweep file runs each point once per fold and
// ranks the points by their folds' mean.
func TestSweepCV(t *testing.T) {
	cfg := penguinsCV(t)
	dir := filepath.Dir(cfg)
	p := writeFile(t, dir, "s.yaml", "base: penguins.yaml\ncv: {folds: 3, stratify: true}\nspace:\n  optimizer.lr: [0.001, 0.3]\n")
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", p, "--out", out, "--parallel", "2")
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	tab, err := sweep.Results(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Trials) != 6 || tab.CV == nil || len(tab.CV.Points) != 2 {
		t.Fatalf("%d trials, cv %+v", len(tab.Trials), tab.CV)
	}
	best, worst := tab.CV.Points[0], tab.CV.Points[1]
	if best.Params[0].Text() != "optimizer.lr=0.3" || !(best.Mean > worst.Mean) || len(best.Folds) != 3 {
		t.Errorf("ranking: best %+v, then %+v", best, worst)
	}
	if !strings.Contains(stdout, "rank 1: optimizer.lr=0.3 (3-fold cross-validation, stratified)") {
		t.Errorf("stdout:\n%s", stdout)
	}
	bad := writeFile(t, dir, "bad.yaml", "base: penguins.yaml\ncv: {folds: 1, colour: red}\nearly_stop: {min_epochs: 1}\nspace:\n  data.cv.fold: [1, 2]\n")
	code, _, stderr = runSweep(t, "sweep", "--config", bad, "--out", filepath.Join(dir, "bad"))
	for _, want := range []string{"cv.folds: must be an integer ≥ 2, got 1", "cv.colour: unknown key", "early_stop: does not apply with cv", "space.data.cv.fold: cannot be set by a sweep"} {
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("bad sweep: exit %d, want %q:\n%s", code, want, stderr)
		}
	}
}
