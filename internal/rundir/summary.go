package rundir

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/task"
)

// Task is the task of the run in dir, as its config.yaml sets it: the
// default task when that cannot be read.
func Task(dir string) task.Task {
	if c, err := config.LoadStored(Path(dir, Config)); err == nil {
		if t, err := task.Lookup(c.Model.Kind); err == nil {
			return t
		}
	}
	return task.All[0]
}

// Task is the task of the run's model as results.json records it
// (Kind): what its figures mean; the default task for an unknown kind.
func (r *Results) Task() task.Task {
	if t, err := task.Lookup(r.Kind); err == nil {
		return t
	}
	return task.All[0]
}

// TestFigure is the run's test figure as its task lists it (ListTest:
// accuracy, R², AUC, ...); "" without a test split.
func (r *Results) TestFigure() string {
	if r.Test == nil {
		return ""
	}
	return r.Task().ListTest(task.Eval{Accuracy: r.Test.Accuracy, MSE: r.Test.MSE, Metrics: r.Test.Metrics})
}

// BestEpoch returns the best epoch (1-based) of the run in dir with the
// records ms: results.json's when there is one, else the epoch of the best
// value of its config's train.monitor (val_acc when unreadable). 0 when ms
// is empty.
func BestEpoch(dir string, ms []Metrics) int {
	if r, err := ReadResults(dir); err == nil && r.BestEpoch >= 1 && r.BestEpoch <= len(ms) {
		return r.BestEpoch
	}
	monitor := DefaultMonitor
	if c, err := config.LoadStored(Path(dir, Config)); err == nil {
		monitor = c.Train.Monitor
	}
	return ArgBest(ms, monitor)
}

// ArgBest is the epoch (1-based) of the best value of monitor among the
// records ms, the first on ties; 1 when none has a value, 0 when ms is
// empty.
func ArgBest(ms []Metrics, monitor string) int {
	if len(ms) == 0 {
		return 0
	}
	best, at := math.Inf(-1), 1
	for i, m := range ms {
		if v := m.Score(monitor); v > best {
			best, at = v, i+1
		}
	}
	return at
}

// Summary is a run directory at a glance, for listings: results.json when
// the run wrote one, else what config.yaml and metrics.jsonl say.
type Summary struct {
	Dir string `json:"dir"`
	Results
}

// Summarize reads the run in dir. It fails when dir holds no config.yaml.
func Summarize(dir string) (*Summary, error) {
	if err := CheckNotReplacing(dir); err != nil {
		return nil, err
	}
	if r, err := ReadResults(dir); err == nil {
		return &Summary{Dir: dir, Results: *r}, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	c, err := config.LoadStored(Path(dir, Config))
	if err != nil {
		return nil, err
	}
	s := &Summary{Dir: dir, Results: Results{Status: "no results.json", Optimizer: c.Optimizer.Rule + " " + c.Schedule.Kind,
		LR: c.Optimizer.LR, BatchSize: c.Train.BatchSize, Seed: c.Seed, Precision: c.Precision,
		EpochsPlanned: c.Train.Epochs, Monitor: c.Train.Monitor, Model: fmt.Sprintf("hidden %v %s", c.Model.Hidden, c.Model.Activation)}}
	ms, err := ReadMetrics(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	s.Epochs = len(ms)
	if len(ms) > 0 {
		s.BestEpoch = BestEpoch(dir, ms)
		best, final := ms[s.BestEpoch-1], ms[len(ms)-1]
		s.Best, s.Final = &best, &final
		for _, m := range ms {
			s.TrainSeconds += m.Seconds
		}
	}
	return s, nil
}

// IsRun reports whether dir looks like a run directory: a config.yaml
// beside a metrics.jsonl, results.json or checkpoint, and no removal of an
// old run under way (Replacing).
func IsRun(dir string) bool {
	if _, err := os.Stat(Path(dir, Config)); err != nil || Replacing(dir) {
		return false
	}
	for _, f := range []string{MetricsLog, ResultsLog, Checkpoint} {
		if _, err := os.Stat(Path(dir, f)); err == nil {
			return true
		}
	}
	return false
}
