package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nnfc/nnfc/internal/rundir"
)

// Trial states.
const (
	Pending    = "pending" // not started, or interrupted (resumable from its checkpoint)
	Running    = "running"
	Done       = "done"
	Failed     = "failed"      // nnfc train exited with an error
	NaNStopped = "nan-stopped" // the loss became NaN or infinite (nnfc train's exit 4)
	Pruned     = "pruned"      // stopped early by the sweep's early_stop rule
)

// StatusFile is a trial's record of its last attempt, written by the
// executor (local) or the batch script (slurm).
const StatusFile = rundir.TrialStatus

// TrialStatus is the content of trial.json.
type TrialStatus struct {
	State    string  `json:"state"` // running | exited
	ExitCode int     `json:"exit_code"`
	Started  float64 `json:"started"` // Unix seconds
	Ended    float64 `json:"ended,omitempty"`
	Executor string  `json:"executor"`
	Job      string  `json:"job,omitempty"` // Slurm array task, "JOBID_TASK"
	Host     string  `json:"host,omitempty"`
	PID      int     `json:"pid,omitempty"`
	// Pruned is set when the sweep's early_stop rule stopped the trial.
	Pruned bool `json:"pruned,omitempty"`
}

// Exit codes of nnfc train (internal/cli) the sweep tells apart.
const (
	exitDiverged    = 4
	exitInterrupted = 130
	exitTerminated  = 143 // killed by SIGTERM before nnfc could handle it
)

// Trial is one row of the trials table.
type Trial struct {
	Index  int     `json:"index"`
	Dir    string  `json:"dir"` // the trial's run directory
	Params []Param `json:"params"`
	State  string  `json:"state"`
	// BestValAcc is the validation accuracy at the best epoch by the
	// monitored metric (NaN, "null" in JSON, before a finished epoch).
	BestValAcc  float64 `json:"-"`
	BestValLoss float64 `json:"-"`
	// Best is the monitored metric's value at the best epoch (NaN before
	// a finished epoch or when the trial's records lack it).
	Best      float64 `json:"-"`
	BestEpoch int     `json:"best_epoch"`
	Epochs    int     `json:"epochs"`     // finished epochs
	MaxEpochs int     `json:"max_epochs"` // train.epochs
	Seconds   float64 `json:"seconds"`    // training time, summed over the epochs
	// WallSeconds is the last attempt's wall time, data loading and
	// evaluation included (0 while it runs).
	WallSeconds float64 `json:"wall_seconds"`
	ExitCode    *int    `json:"exit_code,omitempty"`
	Model       string  `json:"model,omitempty"` // the best model file, when one was written
	Job         string  `json:"job,omitempty"`
}

// MarshalJSON writes NaN metrics as null.
func (t Trial) MarshalJSON() ([]byte, error) {
	type plain Trial
	num := func(x float64) *float64 {
		if math.IsNaN(x) {
			return nil
		}
		return &x
	}
	return json.Marshal(struct {
		plain
		BestValAcc  *float64 `json:"best_val_acc"`
		BestValLoss *float64 `json:"best_val_loss"`
		Best        *float64 `json:"best"`
	}{plain(t), num(t.BestValAcc), num(t.BestValLoss), num(t.Best)})
}

// Table is a sweep's trials, ranked.
type Table struct {
	Dir    string   `json:"dir"`
	Name   string   `json:"name"`
	Keys   []string `json:"keys"`   // the searched config keys
	Metric string   `json:"metric"` // train.monitor: val_acc, val_loss, val_f1_macro, …
	// Trials are sorted by the metric, best first; trials without a
	// finished epoch follow in index order. Best is the best trial that
	// trained all its epochs (else the best with one finished epoch).
	Trials []Trial        `json:"trials"`
	Counts map[string]int `json:"counts"` // trials per state
	Best   *Trial         `json:"best,omitempty"`
	// CV is the folds' mean ± std per point of a cross-validated sweep
	// (cv: in the sweep file, nnfc cv), the best point first; nil without.
	CV *CVSummary `json:"cv,omitempty"`
}

// Results reads the sweep directory dir and returns its trials table,
// sorted by the monitored metric (train.monitor, with its direction:
// highest val_acc, lowest val_loss, …), best first; Best is the
// best trial that finished at least one epoch. Running trials are told from
// interrupted ones by their process (local) or by squeue (slurm).
func Results(dir string) (*Table, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	tab := &Table{Dir: abs, Name: m.Name, Keys: m.Keys, Metric: m.Monitor, Counts: map[string]int{}}
	live := newLiveness()
	for _, mt := range m.Trials {
		t, err := readTrial(filepath.Join(abs, "trials", mt.Dir), mt, m.Monitor, live)
		if err != nil {
			return nil, err
		}
		tab.Trials = append(tab.Trials, t)
		tab.Counts[t.State]++
	}
	slices.SortStableFunc(tab.Trials, func(a, b Trial) int { return compareTrials(a, b, tab.Metric) })
	// The best trial: the best that trained all its epochs, else the
	// best with a finished epoch.
	for i := range tab.Trials {
		if t := &tab.Trials[i]; t.State == Done && (tab.Best == nil || tab.Best.State != Done) {
			tab.Best = t
		} else if t.Epochs > 0 && tab.Best == nil {
			tab.Best = t
		}
	}
	tab.CV = CVResults(m, tab)
	return tab, nil
}

func compareTrials(a, b Trial, metric string) int {
	ha, hb := a.Epochs > 0, b.Epochs > 0
	switch {
	case ha && !hb:
		return -1
	case !ha && hb:
		return 1
	case !ha && !hb:
		return a.Index - b.Index
	}
	va, vb := rundir.Score(metric, a.Best), rundir.Score(metric, b.Best)
	switch {
	case va > vb:
		return -1
	case va < vb:
		return 1
	}
	return a.Index - b.Index
}

func readTrial(dir string, mt ManifestTrial, monitor string, live liveness) (Trial, error) {
	t := Trial{Index: mt.Index, Dir: dir, Params: mt.Params, MaxEpochs: mt.Epochs, State: Pending,
		BestValAcc: math.NaN(), BestValLoss: math.NaN(), Best: math.NaN()}
	ms, err := rundir.ReadMetrics(dir)
	if err != nil && !os.IsNotExist(err) {
		return t, err
	}
	t.Epochs = len(ms)
	for i, e := range ms {
		t.Seconds += e.Seconds
		if i == 0 || e.Score(monitor) > rundir.Score(monitor, t.Best) {
			t.BestValAcc, t.BestValLoss, t.Best, t.BestEpoch = e.ValAcc, e.ValLoss, e.Value(monitor), e.Epoch
		}
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.Model)); err == nil {
		t.Model = filepath.Join(dir, rundir.Model)
	}
	st, err := ReadStatus(dir)
	if err != nil || st == nil {
		return t, err
	}
	t.Job = st.Job
	switch st.State {
	case "running":
		if live.alive(st, dir) {
			t.State = Running
		}
	case "exited":
		t.WallSeconds = st.Ended - st.Started
		code := st.ExitCode
		t.ExitCode = &code
		switch code {
		case 0:
			t.State = Done
		case exitDiverged:
			t.State = NaNStopped
		case exitInterrupted, exitTerminated:
			t.State = Pending
			if st.Pruned {
				t.State = Pruned
			}
		default:
			t.State = Failed
		}
	}
	return t, nil
}

// ReadStatus reads a trial's trial.json; nil when there is none.
func ReadStatus(dir string) (*TrialStatus, error) {
	b, err := os.ReadFile(filepath.Join(dir, StatusFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st TrialStatus
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %v", filepath.Join(dir, StatusFile), err)
	}
	return &st, nil
}

// liveness tells whether a trial marked running still runs, asking the
// executor that ran it (trial.json's executor), one status check per
// executor for one reading of the sweep.
type liveness map[string]func(st *TrialStatus, dir string) bool

func newLiveness() liveness { return liveness{} }

func (l liveness) alive(st *TrialStatus, dir string) bool {
	check, ok := l[st.Executor]
	if !ok {
		if e := ExecutorNamed(st.Executor); e != nil {
			check = e.Status()
		}
		l[st.Executor] = check
	}
	return check != nil && check(st, dir)
}

// trialProcess reports whether pid is a live (not zombie) nnfc process
// training the trial in dir: its command line names dir. A pid recycled
// by another process, or a trial that exited and waits to be reaped by
// init after its sweep died, is not the trial.
func trialProcess(pid int, dir string) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	if i := bytes.LastIndexByte(stat, ')'); i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	for _, a := range bytes.Split(cmdline, []byte{0}) {
		if string(a) == dir || strings.HasPrefix(string(a), dir+"/") {
			return true
		}
	}
	return false
}

// setAsideFailed moves a failed or NaN-stopped trial's files aside
// (failed-STAMP-NAME) before it is retried: a retry starts over.
func setAsideFailed(t Trial) {
	if t.State != Failed && t.State != NaNStopped {
		return
	}
	stamp := time.Now().Format("20060102-150405")
	for _, f := range []string{rundir.Checkpoint, rundir.Model, rundir.MetricsLog, StatusFile} {
		_ = os.Rename(filepath.Join(t.Dir, f), filepath.Join(t.Dir, "failed-"+stamp+"-"+f))
	}
}
