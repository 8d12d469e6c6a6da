package sweep_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/sweep"
	"github.com/nnfc/nnfc/internal/testfix"
	"golang.org/x/sys/unix"
)

// The tests run trials with a real nnfc binary, built once by TestMain.
var nnfcBin string

const exampleSweep = "../../configs/sweeps/spiral-7.yaml"

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "nnfc-sweep-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if nnfcBin, err = testfix.BuildNNFC(tmp); err != nil {
		fmt.Fprintf(os.Stderr, "for the sweep tests: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// spiralBase is a short spiral-7 run config for the tests' own sweeps.
const spiralBase = `seed: 7
data:
  source: spiral
  spiral: {per_class: 100, classes: 3, noise: 0.1}
  val_fraction: 0.2
  normalize: none
model: {hidden: [20], activation: relu}
optimizer: {rule: sgd, lr: 0.5}
train: {epochs: 3, batch_size: 32}
`

// TestParseErrors: every problem of a bad sweep file at once, one line
// each, naming the file and key path.
func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "base.yaml", spiralBase)
	bad := writeFile(t, dir, "bad.yaml", `base: base.yaml
method: grid
trials: 5
colour: red
set:
  train.out_dir: x
space:
  optimizer.lrr: [0.1, 0.2]
  model.reg: {log_uniform: [0, 1]}
  model.hidden: []
  train.batch_size: [32, 32]
slurm:
  cpus: 2
`)
	_, err := sweep.Parse(bad)
	if err == nil {
		t.Fatal("a bad sweep file was accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		"trials: applies only to method random",
		"colour: unknown key",
		"set.train.out_dir: cannot be set by a sweep",
		"space.optimizer.lrr: unknown config key (did you mean optimizer.lr?)",
		"space.model.reg: a log_uniform distribution needs method: random",
		"space.model.hidden: must list at least one value",
		"space.train.batch_size[1]: repeats the value 32",
		"slurm.cpus: unknown key",
	}
	for _, w := range want {
		found := false
		for _, l := range lines {
			if strings.Contains(l, w) && strings.HasPrefix(l, bad+": ") {
				found = true
			}
		}
		if !found {
			t.Errorf("missing error %q in:\n%s", w, err)
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d error lines, want %d:\n%s", len(lines), len(want), err)
	}

	// Values that the run config rejects are reported with the trial.
	badVal := writeFile(t, dir, "badval.yaml", "base: base.yaml\nspace:\n  optimizer.lr: [0.1, -1]\n  model.activation: [relu, relu6]\n")
	_, err = sweep.Parse(badVal)
	if err == nil || !strings.Contains(err.Error(), "optimizer.lr: must be > 0, got -1") || !strings.Contains(err.Error(), `model.activation: must be one of`) {
		t.Errorf("invalid trial values: %v", err)
	}
	for _, l := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(l, badVal+": trial ") {
			t.Errorf("error line does not name the file and trial: %q", l)
		}
	}

	// A missing base config and random distributions out of range.
	rnd := writeFile(t, dir, "rnd.yaml", "base: nope.yaml\nmethod: random\nspace:\n  optimizer.lr: {log_uniform: [0, 1]}\n  train.batch_size: {int: [64, 8]}\n  model.reg: {normal: [0, 1]}\n")
	_, err = sweep.Parse(rnd)
	for _, w := range []string{"base: cannot read the base config", "trials: method random needs the number of trials",
		"space.optimizer.lr.log_uniform: min must be > 0", "space.train.batch_size.int: must be [min, max], integers with min ≤ max",
		"space.model.reg.normal: unknown distribution"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in: %v", w, err)
		}
	}
}

// TestRandomDeterministic: random trials depend on the seed only, and
// stay within their distributions.
func TestRandomDeterministic(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "base.yaml", spiralBase)
	file := func(seed int) string {
		return writeFile(t, dir, fmt.Sprintf("r%d.yaml", seed), fmt.Sprintf(`base: base.yaml
method: random
seed: %d
trials: 20
space:
  optimizer.lr: {log_uniform: [0.001, 1]}
  model.reg: {uniform: [0, 0.01]}
  train.batch_size: {int: [16, 64]}
  model.hidden: [[10], [20], [30, 10]]
`, seed))
	}
	expand := func(path string) []sweep.TrialSpec {
		s, err := sweep.Parse(path)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := s.Expand()
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	a, b, c := expand(file(3)), expand(file(3)), expand(file(4))
	if len(a) != 20 {
		t.Fatalf("%d trials, want 20", len(a))
	}
	same := func(x, y []sweep.TrialSpec) bool {
		for i := range x {
			for j := range x[i].Params {
				if sweep.FormatValue(x[i].Params[j].Value) != sweep.FormatValue(y[i].Params[j].Value) {
					return false
				}
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("the same seed drew different trials")
	}
	if same(a, c) {
		t.Error("seeds 3 and 4 drew the same trials")
	}
	hiddens := map[string]bool{}
	for _, tr := range a {
		c := tr.Config
		if c.Optimizer.LR < 0.001 || c.Optimizer.LR >= 1 || c.Model.Reg < 0 || c.Model.Reg >= 0.01 ||
			c.Train.BatchSize < 16 || c.Train.BatchSize > 64 {
			t.Errorf("trial %d out of its distributions: lr %g reg %g batch %d", tr.Index, c.Optimizer.LR, c.Model.Reg, c.Train.BatchSize)
		}
		hiddens[fmt.Sprint(c.Model.Hidden)] = true
		if c.Train.Epochs != 3 || c.Data.Source != "spiral" {
			t.Errorf("trial %d lost the base config: %+v", tr.Index, c.Train)
		}
	}
	if len(hiddens) < 2 {
		t.Errorf("20 choices drew only %v", hiddens)
	}
}

// TestChangedSweepFile: a sweep file changed against its directory is
// refused with the change named; an unchanged one re-opens it.
func TestChangedSweepFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "base.yaml", spiralBase)
	p := writeFile(t, dir, "s.yaml", "base: base.yaml\nspace:\n  optimizer.lr: [0.1, 0.3]\n")
	out := filepath.Join(dir, "out")
	prepare := func() error {
		s, err := sweep.Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sweep.Prepare(s, out)
		return err
	}
	if err := prepare(); err != nil {
		t.Fatal(err)
	}
	if err := prepare(); err != nil {
		t.Fatalf("unchanged sweep file refused: %v", err)
	}
	writeFile(t, dir, "s.yaml", "base: base.yaml\nspace:\n  optimizer.lr: [0.1, 0.5]\n")
	err := prepare()
	if err == nil || !strings.Contains(err.Error(), `space.optimizer.lr: was {"grid":[0.1,0.3]}, now {"grid":[0.1,0.5]}`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("changed space: %v", err)
	}
	writeFile(t, dir, "s.yaml", "base: base.yaml\nspace:\n  optimizer.lr: [0.1, 0.3]\n")
	writeFile(t, dir, "base.yaml", strings.Replace(spiralBase, "epochs: 3", "epochs: 4", 1))
	if err := prepare(); err == nil || !strings.Contains(err.Error(), "base.train.epochs: was 3, now 4") {
		t.Errorf("changed base config: %v", err)
	}
	// A directory that holds something else is not taken over.
	other := filepath.Join(dir, "other")
	writeFile(t, dir, "other", "")
	os.Remove(other)
	os.MkdirAll(other, 0o755)
	writeFile(t, other, "keep.txt", "x")
	s, _ := sweep.Parse(p)
	if _, err := sweep.Prepare(s, other); err == nil || !strings.Contains(err.Error(), "not a sweep directory") {
		t.Errorf("non-empty foreign directory: %v", err)
	}
}

// runSweep runs `nnfc sweep` with args and returns exit code and output.
func runSweep(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(nnfcBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

var (
	localOnce   sync.Once
	localTab    *sweep.Table
	localErr    string
	localStderr string // the local sweep's progress
)

// localExample runs the shipped example sweep locally once and returns
// its table.
func localExample(t *testing.T) *sweep.Table {
	t.Helper()
	localOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nnfc-sweep-local-")
		if err != nil {
			localErr = err.Error()
			return
		}
		out := filepath.Join(dir, "local")
		code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", exampleSweep, "--out", out, "--parallel", "2")
		if code != 0 {
			localErr = fmt.Sprintf("local sweep exited %d:\n%s\n%s", code, stdout, stderr)
			return
		}
		localStderr = stderr
		if localTab, err = sweep.Results(out); err != nil {
			localErr = err.Error()
		}
	})
	if localErr != "" {
		t.Fatal(localErr)
	}
	return localTab
}

func byIndex(tab *sweep.Table) map[int]sweep.Trial {
	m := map[int]sweep.Trial{}
	for _, t := range tab.Trials {
		m[t.Index] = t
	}
	return m
}

// TestExampleLocal: the shipped example runs locally, every trial done,
// ranked, the best named, each trial dir an ordinary run dir.
func TestExampleLocal(t *testing.T) {
	tab := localExample(t)
	if len(tab.Trials) < 12 || tab.Counts[sweep.Done] != len(tab.Trials) {
		t.Fatalf("%d trials, counts %v; want ≥ 12, all done", len(tab.Trials), tab.Counts)
	}
	for i := 1; i < len(tab.Trials); i++ {
		if tab.Trials[i].BestValAcc > tab.Trials[i-1].BestValAcc {
			t.Errorf("not ranked by val acc: %v after %v", tab.Trials[i].BestValAcc, tab.Trials[i-1].BestValAcc)
		}
	}
	best := tab.Best
	if best == nil || best != &tab.Trials[0] || best.Model == "" || best.Epochs != best.MaxEpochs {
		t.Fatalf("best trial: %+v", best)
	}
	// The progress names each trial's best monitored value, as the table
	// does (it once showed the last epoch's val_acc, unlabelled), and the
	// header counts the trials by state without calling them skipped.
	n := len(tab.Trials)
	if want := fmt.Sprintf("%d trials (%d pending); %d to run,", n, n, n); !strings.Contains(localStderr, want) || strings.Contains(localStderr, "skipped") {
		t.Errorf("sweep header: want %q:\n%s", want, localStderr)
	}
	for _, tr := range tab.Trials {
		want := fmt.Sprintf("trial %03d done", tr.Index)
		line := ""
		for _, l := range strings.Split(localStderr, "\n") {
			if strings.HasPrefix(l, want) {
				line = l
			}
		}
		if !strings.Contains(line, fmt.Sprintf("epochs %d/%d  best val_acc %.4f", tr.Epochs, tr.MaxEpochs, tr.BestValAcc)) {
			t.Errorf("trial %d: progress line %q; want its best val_acc %.4f", tr.Index, line, tr.BestValAcc)
		}
	}
	// The values differ between trials, so should the results.
	if tab.Trials[0].BestValAcc == tab.Trials[len(tab.Trials)-1].BestValAcc {
		t.Errorf("best and worst trial have the same val acc %v", tab.Trials[0].BestValAcc)
	}
	// An ordinary run dir: resume says it is finished, eval and plot accept it.
	code, out, errOut := runSweep(t, "train", "--resume", best.Dir)
	if code != 0 || !strings.Contains(out, "already finished") {
		t.Errorf("train --resume of a trial: %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = runSweep(t, "eval", "--run", best.Dir); code != 0 || !strings.Contains(out, "accuracy") {
		t.Errorf("eval --run of a trial: %d\n%s%s", code, out, errOut)
	}
	// Re-running finished sweep does not redo a trial.
	st0, _ := sweep.ReadStatus(best.Dir)
	code, out, errOut = runSweep(t, "sweep", "--config", exampleSweep, "--out", tab.Dir)
	st1, _ := sweep.ReadStatus(best.Dir)
	if code != 0 || !strings.Contains(errOut, "0 to run") || st0 == nil || st1 == nil || st0.Started != st1.Started {
		t.Errorf("re-run of a finished sweep: exit %d, %v → %v\n%s", code, st0, st1, errOut)
	}
	if !strings.Contains(out, fmt.Sprintf("best: trial %03d", best.Index)) {
		t.Errorf("the results do not name the best trial %d:\n%s", best.Index, out)
	}
	if _, err := os.Stat(filepath.Join(tab.Dir, "search.png")); err != nil {
		t.Errorf("no search plot: %v", err)
	}
	// The same table for programs.
	code, out, errOut = runSweep(t, "sweep", "results", tab.Dir, "--json")
	var js struct {
		Keys   []string `json:"keys"`
		Trials []struct {
			Index      int      `json:"index"`
			State      string   `json:"state"`
			BestValAcc *float64 `json:"best_val_acc"`
			Dir        string   `json:"dir"`
		} `json:"trials"`
		Best struct {
			Index int    `json:"index"`
			Model string `json:"model"`
		} `json:"best"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != 0 {
		t.Fatalf("results --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if js.Best.Index != best.Index || js.Best.Model != best.Model || len(js.Trials) != len(tab.Trials) ||
		js.Trials[0].BestValAcc == nil || *js.Trials[0].BestValAcc != best.BestValAcc || len(js.Keys) != 3 {
		t.Errorf("results --json disagrees with the table:\n%s", out)
	}
	code, out, _ = runSweep(t, "sweep", "results", tab.Dir, "--csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || code != 0 || len(rows) != len(tab.Trials)+1 || rows[1][1] != fmt.Sprintf("%03d", best.Index) || rows[0][2] != "optimizer.lr" {
		t.Errorf("results --csv: exit %d, %v\n%s", code, err, out)
	}
	// status lists the trials in index order.
	code, out, _ = runSweep(t, "sweep", "status", tab.Dir)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d trials: %d done", len(tab.Trials), len(tab.Trials))) ||
		strings.Index(out, "\n000 ") > strings.Index(out, "\n001 ") {
		t.Errorf("status:\n%s", out)
	}
}

// slurmUp starts the single-node cluster (idempotent) and holds, for the
// rest of the test, a lock that serializes the Slurm tests of every test
// process on this machine: TestSlurmErrors stops the controller, which
// would break another checkout's tests running at the same time.
func slurmUp(t *testing.T) {
	t.Helper()
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "nnfc-slurm-tests.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() }) // closing releases the lock
	slurmStart(t)
}

func slurmStart(t *testing.T) {
	t.Helper()
	out, err := exec.Command("../../scripts/slurm-up.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/slurm-up.sh: %v\n%s", err, out)
	}
}

// TestExampleSlurm: the same example as one Slurm job array on the real
// cluster gives bit-identical best validation accuracies and the same
// best trial as the local executor.
func TestExampleSlurm(t *testing.T) {
	slurmUp(t)
	local := localExample(t)
	out := filepath.Join(t.TempDir(), "slurm")
	code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", exampleSweep, "--out", out, "--executor", "slurm", "--parallel", "2", "--wait")
	if code != 0 {
		t.Fatalf("slurm sweep exited %d:\n%s\n%s", code, stdout, stderr)
	}
	if n := len(local.Trials); !strings.Contains(stderr, fmt.Sprintf("%d trials (%d pending); %d to submit", n, n, n)) {
		t.Errorf("slurm header:\n%s", stderr)
	}
	if !strings.Contains(stderr, "submitted job array") {
		t.Errorf("no job array submitted:\n%s", stderr)
	}
	script, err := os.ReadFile(filepath.Join(out, sweep.BatchScript))
	if err != nil || !strings.Contains(string(script), "#SBATCH --cpus-per-task=1") || !strings.Contains(string(script), nnfcBin) {
		t.Errorf("batch script: %v\n%s", err, script)
	}
	tab, err := sweep.Results(out)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Counts[sweep.Done] != len(local.Trials) {
		t.Fatalf("slurm: counts %v, want %d done", tab.Counts, len(local.Trials))
	}
	st, _ := sweep.ReadStatus(tab.Trials[0].Dir)
	if st == nil || st.Executor != "slurm" || st.Job == "" {
		t.Errorf("trial status of a slurm trial: %+v", st)
	}
	lt := byIndex(local)
	for _, s := range tab.Trials {
		l := lt[s.Index]
		if math.Float64bits(s.BestValAcc) != math.Float64bits(l.BestValAcc) || s.BestEpoch != l.BestEpoch {
			t.Errorf("trial %d: slurm val acc %v (epoch %d), local %v (epoch %d)", s.Index, s.BestValAcc, s.BestEpoch, l.BestValAcc, l.BestEpoch)
		}
	}
	if tab.Best.Index != local.Best.Index {
		t.Errorf("best trial: slurm %d, local %d", tab.Best.Index, local.Best.Index)
	}
}

// TestSlurmErrors: a dead controller and a broken sbatch give one clear
// line each.
func TestSlurmErrors(t *testing.T) {
	slurmUp(t)
	dir := t.TempDir()
	writeFile(t, dir, "base.yaml", spiralBase)
	p := writeFile(t, dir, "s.yaml", "base: base.yaml\nspace:\n  optimizer.lr: [0.1, 0.3]\n")
	out := filepath.Join(dir, "out")

	// A fake sbatch that answers nonsense.
	fake := t.TempDir()
	writeFile(t, fake, "sbatch", "#!/bin/sh\necho 'Submitted nothing'\n")
	os.Chmod(filepath.Join(fake, "sbatch"), 0o755)
	cmd := exec.Command(nnfcBin, "sweep", "--config", p, "--out", out, "--executor", "slurm")
	cmd.Env = append(os.Environ(), "PATH="+fake+":"+os.Getenv("PATH"))
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), `slurm: sbatch printed "Submitted nothing", not a job id`) {
		t.Errorf("fake sbatch: %v\n%s", err, b)
	}

	// The controller stopped.
	pid, err := os.ReadFile("/run/slurmctld.pid")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(string(pid), &n)
	if err := syscall.Kill(n, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	defer slurmStart(t)
	for range 100 {
		if syscall.Kill(n, 0) != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t0 := time.Now()
	code, stdout, stderr := runSweep(t, "sweep", "--config", p, "--out", out, "--executor", "slurm")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	if code != 1 || !strings.HasPrefix(last, "nnfc: slurm: the controller does not answer") || !strings.Contains(last, "DOWN") {
		t.Errorf("dead slurmctld: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// No bound on how long that took: Slurm's clients retry for
	// MessageTimeout (10 s) before they give up, and a loaded machine is
	// slower still (1m56s at load 30); a hang is go test's -timeout's.
	t.Logf("the dead controller was reported after %v", time.Since(t0))
}

// TestFailedAndNaNTrials: a trial that fails and one whose loss becomes
// NaN get their states; re-running skips them unless --retry-failed.
func TestFailedAndNaNTrials(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "base.yaml", spiralBase)
	p := writeFile(t, dir, "s.yaml", `base: base.yaml
set:
  model.reg: 0.01
space:
  optimizer.lr: [0.5, 1.0e+9]
  train.init_from: ["", missing.safetensors]
`)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runSweep(t, "sweep", "--config", p, "--out", out, "--parallel", "2")
	if code != 0 {
		t.Fatalf("sweep exited %d\n%s\n%s", code, stdout, stderr)
	}
	tab, err := sweep.Results(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{0: sweep.Done, 1: sweep.Failed, 2: sweep.NaNStopped, 3: sweep.Failed}
	for _, tr := range tab.Trials {
		if tr.State != want[tr.Index] {
			t.Errorf("trial %d (%v): state %s, want %s", tr.Index, tr.Params, tr.State, want[tr.Index])
		}
	}
	if tab.Best == nil || tab.Best.Index != 0 {
		t.Errorf("best: %+v, want trial 0", tab.Best)
	}
	if !strings.Contains(stdout, "nan-stopped") || !strings.Contains(stdout, "failed") {
		t.Errorf("table does not show the states:\n%s", stdout)
	}
	before := map[int]float64{}
	for _, tr := range tab.Trials {
		st, _ := sweep.ReadStatus(tr.Dir)
		before[tr.Index] = st.Started
	}
	started := func() map[int]float64 {
		m := map[int]float64{}
		for i := range 4 {
			st, _ := sweep.ReadStatus(sweep.TrialDir(out, i))
			m[i] = st.Started
		}
		return m
	}
	runSweep(t, "sweep", "--config", p, "--out", out)
	after := started()
	for i := range 4 {
		if after[i] != before[i] {
			t.Errorf("trial %d ran again without --retry-failed", i)
		}
	}
	runSweep(t, "sweep", "--config", p, "--out", out, "--retry-failed")
	after = started()
	for i, st := range want {
		if again := after[i] != before[i]; again != (st != sweep.Done) {
			t.Errorf("--retry-failed: trial %d (%s) ran again: %v", i, st, again)
		}
	}
}

// TestInterruptResume: a sweep stopped by SIGINT in the middle of a trial
// exits 130 with the trial checkpointed; one killed outright (SIGKILL)
// leaves its trial to checkpoint on the SIGTERM it gets when its parent
// dies. Running the sweep again redoes no finished trial, resumes the
// interrupted one, and ends with the results of an uninterrupted run.
//
// Trial 1 is held after its epoch 3 (NNFC_TEST_HOLD and a FIFO in its
// directory) until the signal reaches it, so the signal always lands
// part-way, and the test waits for the trial's exit (a pidfd), not for
// time.
func TestInterruptResume(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "s.yaml", `base: `+filepath.Join(wd(t), "../../configs/spiral-7.yaml")+`
set:
  train.epochs: 150
space:
  optimizer.lr: [0.3, 1.0]
`)
	ref := filepath.Join(dir, "ref")
	if code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", p, "--out", ref, "--parallel", "2"); code != 0 {
		t.Fatalf("uninterrupted sweep exited %d\n%s\n%s", code, stdout, stderr)
	}
	local, err := sweep.Results(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []os.Signal{os.Interrupt, os.Kill} {
		t.Run(sig.String(), func(t *testing.T) { interruptResume(t, p, filepath.Join(dir, "resume-"+sig.String()[:4]), sig, local) })
	}
}

// holdTrial prepares the sweep p in out and puts the hold FIFO into
// trial i's directory; open it for writing to wait for the trial to reach
// the held epoch.
func holdTrial(t *testing.T, p, out string, i int) string {
	t.Helper()
	s, err := sweep.Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sweep.Prepare(s, out); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(sweep.TrialDir(out, i), ".test-hold")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	return fifo
}

// waitPID blocks until process pid (not a child) has exited.
func waitPID(t *testing.T, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err == unix.ESRCH {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	for {
		if _, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, -1); err != unix.EINTR {
			return
		}
	}
}

func interruptResume(t *testing.T, p, out string, sig os.Signal, local *sweep.Table) {
	fifo := holdTrial(t, p, out, 1)
	cmd := exec.Command(nnfcBin, "--threads", "1", "sweep", "--config", p, "--out", out, "--parallel", "1")
	cmd.Env = append(os.Environ(), "NNFC_TEST_HOLD=3")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Opening the FIFO returns when trial 1 holds after epoch 3 (trial 0,
	// run first, has finished).
	hold, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	st1, _ := sweep.ReadStatus(sweep.TrialDir(out, 1))
	if st1 == nil || st1.PID == 0 {
		t.Fatalf("trial 1 holds but its trial.json has no pid: %+v", st1)
	}
	cmd.Process.Signal(sig)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if sig == os.Interrupt && (!ok || ee.ExitCode() != 130) {
		t.Fatalf("interrupted sweep: %v, want exit 130\n%s", err, errb.String())
	}
	waitPID(t, st1.PID) // a killed sweep's trial checkpoints on its own
	tab, err := sweep.Results(out)
	if err != nil {
		t.Fatal(err)
	}
	tr := byIndex(tab)
	if tr[0].State != sweep.Done || tr[1].State != sweep.Pending || tr[1].Epochs != 3 {
		log, _ := os.ReadFile(filepath.Join(tr[1].Dir, "train.log"))
		st1, _ := os.ReadFile(filepath.Join(tr[1].Dir, sweep.StatusFile))
		t.Fatalf("after %v: trial 0 %s, trial 1 %s with %d/%d epochs (want 3)\n%s: %s\ntrain.log:\n%s", sig, tr[0].State, tr[1].State, tr[1].Epochs, tr[1].MaxEpochs, sweep.StatusFile, st1, log)
	}
	if _, err := os.Stat(filepath.Join(tr[1].Dir, "checkpoint.safetensors")); err != nil {
		t.Fatalf("interrupted trial has no checkpoint: %v", err)
	}
	st0, _ := sweep.ReadStatus(tr[0].Dir)
	code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", p, "--out", out, "--parallel", "2")
	if code != 0 {
		t.Fatalf("resumed sweep exited %d\n%s\n%s", code, stdout, stderr)
	}
	st0b, _ := sweep.ReadStatus(tr[0].Dir)
	if st0.Started != st0b.Started {
		t.Error("the finished trial 0 ran again")
	}
	log, _ := os.ReadFile(filepath.Join(tr[1].Dir, "train.log"))
	if !strings.Contains(string(log), "train --resume") || !strings.Contains(string(log), "resuming") {
		t.Errorf("trial 1 was not resumed:\n%s", log)
	}
	tab, err = sweep.Results(out)
	if err != nil {
		t.Fatal(err)
	}
	lt := byIndex(local)
	for _, s := range tab.Trials {
		if s.State != sweep.Done || math.Float64bits(s.BestValAcc) != math.Float64bits(lt[s.Index].BestValAcc) {
			t.Errorf("trial %d: %s, val acc %v; the uninterrupted run has %v", s.Index, s.State, s.BestValAcc, lt[s.Index].BestValAcc)
		}
	}
}

func wd(t *testing.T) string {
	t.Helper()
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRunLocalNeedsAbsoluteBinary: the executor refuses a relative binary
// path, which a trial's working directory would resolve differently.
func TestRunLocalNeedsAbsoluteBinary(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "base.yaml", spiralBase)
	s, err := sweep.Parse(writeFile(t, dir, "s.yaml", "base: base.yaml\nspace:\n  optimizer.lr: [0.1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := sweep.Prepare(s, out); err != nil {
		t.Fatal(err)
	}
	_, err = sweep.Local{}.Submit(context.Background(), out, sweep.Options{Binary: "bin/nnfc"})
	if err == nil || !strings.Contains(err.Error(), "must be absolute") {
		t.Errorf("relative binary: %v", err)
	}
}

// TestExampleSweepFiles parses every shipped sweep file, so the examples
// cannot rot.
func TestExampleSweepFiles(t *testing.T) {
	files, err := filepath.Glob("../../configs/sweeps/*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("configs/sweeps: %v %v", files, err)
	}
	minTrials := map[string]int{"spiral-7": 12, "mnist": 16}
	for _, f := range files {
		s, err := sweep.Parse(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		ts, _ := s.Expand()
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if len(ts) < minTrials[name] {
			t.Errorf("%s: %d trials, want ≥ %d", f, len(ts), minTrials[name])
		}
	}
}

// TestSlurmCancelResume: without --wait the job id is printed at once;
// following it with --wait --scancel and Ctrl-C cancels the array, the
// running trial checkpoints on Slurm's SIGTERM, and submitting again
// finishes the sweep with the results of an uninterrupted local run.
// Trial 0 is held after its epoch 3 (NNFC_TEST_HOLD and a FIFO) until
// Slurm's SIGTERM reaches it, so scancel always lands part-way.
func TestSlurmCancelResume(t *testing.T) {
	slurmUp(t)
	dir := t.TempDir()
	p := writeFile(t, dir, "s.yaml", `base: `+filepath.Join(wd(t), "../../configs/spiral-7.yaml")+`
set:
  train.epochs: 150
space:
  optimizer.lr: [0.3, 1.0]
`)
	ref := filepath.Join(dir, "ref")
	if code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", p, "--out", ref, "--parallel", "2"); code != 0 {
		t.Fatalf("local sweep exited %d\n%s\n%s", code, stdout, stderr)
	}
	local, err := sweep.Results(ref)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "slurm")
	fifo := holdTrial(t, p, out, 0)
	cmd := exec.Command(nnfcBin, "--threads", "1", "sweep", "--config", p, "--out", out, "--executor", "slurm", "--parallel", "1", "--wait", "--scancel")
	cmd.Env = append(os.Environ(), "NNFC_TEST_HOLD=3")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Opening the FIFO returns when trial 0 holds after epoch 3.
	hold, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || !strings.Contains(errb.String(), "cancelled") {
		t.Fatalf("interrupted slurm sweep: %v, want exit 130\n%s", err, errb.String())
	}
	tab, err := sweep.Results(out)
	if err != nil {
		t.Fatal(err)
	}
	tr := byIndex(tab)
	st, _ := sweep.ReadStatus(tr[0].Dir)
	if tr[0].State != sweep.Pending || st == nil || st.ExitCode != 130 || tr[0].Epochs != 3 {
		t.Fatalf("after scancel: trial 0 %s, %d/%d epochs (want 3), status %+v", tr[0].State, tr[0].Epochs, tr[0].MaxEpochs, st)
	}
	// Submitted again, without --wait: the job id comes back at once.
	code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", p, "--out", out, "--executor", "slurm")
	job := strings.TrimPrefix(strings.TrimSpace(stdout), "job ")
	if code != 0 || job == "" || strings.Contains(job, " ") {
		t.Fatalf("submit without --wait: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if err := sweep.WaitSlurm(context.Background(), out, job, false, sweep.Options{}); err != nil {
		t.Fatal(err)
	}
	log, _ := os.ReadFile(filepath.Join(tr[0].Dir, "train.log"))
	if !strings.Contains(string(log), "train --resume") {
		t.Errorf("trial 0 was not resumed:\n%s", log)
	}
	tab, err = sweep.Results(out)
	if err != nil {
		t.Fatal(err)
	}
	lt := byIndex(local)
	for _, s := range tab.Trials {
		if s.State != sweep.Done || math.Float64bits(s.BestValAcc) != math.Float64bits(lt[s.Index].BestValAcc) {
			t.Errorf("trial %d: %s, val acc %v; the local run has %v", s.Index, s.State, s.BestValAcc, lt[s.Index].BestValAcc)
		}
	}
}

// ashaPruned runs ASHA's rule over the uninterrupted sweep's records in
// trial order: at each rung a trial whose validation accuracy is below the
// (1 − 1/eta) quantile (numpy's linear percentile) of the accuracies
// recorded there so far stops. It returns each pruned trial's rung.
func ashaPruned(t *testing.T, tab *sweep.Table, rungs []int, eta int) map[int]int {
	t.Helper()
	ts := append([]sweep.Trial(nil), tab.Trials...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Index < ts[j].Index })
	at := map[int][]float64{}
	out := map[int]int{}
	for _, tr := range ts {
		ms, err := rundir.ReadMetrics(tr.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rungs {
			acc := ms[r-1].ValAcc
			at[r] = append(at[r], acc)
			xs := append([]float64(nil), at[r]...)
			sort.Float64s(xs)
			pos := (1 - 1/float64(eta)) * float64(len(xs)-1)
			lo := int(pos)
			q := xs[len(xs)-1]
			if lo+1 < len(xs) {
				q = xs[lo] + (pos-float64(lo))*(xs[lo+1]-xs[lo])
			}
			if acc < q {
				out[tr.Index] = r
				break
			}
		}
	}
	return out
}

// TestEarlyStop: with early_stop, trials below the top 1/eta at a rung are
// stopped (pruned) at that rung and not run again; the trials that finish
// are the uninterrupted ones bit for bit, and on the example the same best
// trial is found. One trial at a time makes the decisions deterministic:
// the pruned set is the one ASHA's rule gives on the uninterrupted run's
// records. The example's trials train their 40 epochs in a few tens of
// milliseconds: each is judged at the rung itself (the epoch gate), which
// the sweep's 100 ms look at the log could not do.
func TestEarlyStop(t *testing.T) {
	local := localExample(t)
	dir := t.TempDir()
	ex, err := os.ReadFile(exampleSweep)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(ex), "base: ../spiral-7.yaml", "base: "+filepath.Join(wd(t), "../../configs/spiral-7.yaml"), 1)
	p := writeFile(t, dir, "asha.yaml", text+"early_stop: {min_epochs: 5, eta: 3}\n")
	out := filepath.Join(dir, "asha")
	code, stdout, stderr := runSweep(t, "--threads", "1", "sweep", "--config", p, "--out", out, "--parallel", "1")
	if code != 0 || !strings.Contains(stderr, "rungs at [5 15] epochs") {
		t.Fatalf("early-stop sweep exited %d\n%s\n%s", code, stdout, stderr)
	}
	tab, err := sweep.Results(out)
	if err != nil {
		t.Fatal(err)
	}
	lt := byIndex(local)
	want := ashaPruned(t, local, []int{5, 15}, 3)
	pruned := 0
	for _, s := range tab.Trials {
		if r, ok := want[s.Index]; ok != (s.State == sweep.Pruned) || (ok && s.Epochs != r) {
			t.Errorf("trial %d: %s after %d epochs; ASHA on the uninterrupted records prunes it: %v (at epoch %d)", s.Index, s.State, s.Epochs, ok, r)
		}
		switch s.State {
		case sweep.Pruned:
			pruned++
		case sweep.Done:
			if math.Float64bits(s.BestValAcc) != math.Float64bits(lt[s.Index].BestValAcc) {
				t.Errorf("trial %d: val acc %v, without early stop %v", s.Index, s.BestValAcc, lt[s.Index].BestValAcc)
			}
		default:
			code := -1
			if s.ExitCode != nil {
				code = *s.ExitCode
			}
			log, _ := os.ReadFile(filepath.Join(s.Dir, "train.log"))
			t.Errorf("trial %d: state %s, exit code %d; train.log:\n%s", s.Index, s.State, code, log)
		}
	}
	if pruned == 0 || pruned == len(tab.Trials)-1 {
		t.Errorf("%d of %d trials pruned", pruned, len(tab.Trials))
	}
	if tab.Best == nil || tab.Best.Index != local.Best.Index || tab.Best.State != sweep.Done {
		t.Errorf("best with early stop: %+v, without: trial %d", tab.Best, local.Best.Index)
	}
	// Pruned trials are final: a re-run starts nothing.
	code, _, stderr = runSweep(t, "sweep", "--config", p, "--out", out)
	if code != 0 || !strings.Contains(stderr, "0 to run") {
		t.Errorf("re-run of the early-stopped sweep: exit %d\n%s", code, stderr)
	}
	// The slurm executor refuses early_stop instead of ignoring it.
	code, _, stderr = runSweep(t, "sweep", "--config", p, "--out", filepath.Join(dir, "s"), "--executor", "slurm")
	if code != 1 || !strings.Contains(stderr, "early_stop: the slurm executor does not stop trials early") {
		t.Errorf("slurm with early_stop: exit %d\n%s", code, stderr)
	}
}
