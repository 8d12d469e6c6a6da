package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/sysinfo"
)

// ResultsFile is the name of the run summary in a run directory.
const ResultsFile = "results.json"

// Results is results.json: what a run reached and what it ran on. It is
// written when a training process ends, finished or not, so every run
// directory that trained at least one step has one.
type Results struct {
	// Status is "finished", "interrupted" (Ctrl-C; resume it) or
	// "diverged" (a NaN or infinite loss).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Settings in brief, for listings (nnfc runs); config.yaml has all.
	Model string `json:"model"` // e.g. "784-512-10 swish softmax"
	// Kind is the model's model.kind (task.Lookup), empty for a
	// classifier; an autoencoder's metrics are reconstruction MSEs, its
	// accuracies 0.
	Kind      string  `json:"kind,omitempty"`
	Data      string  `json:"data"`
	Optimizer string  `json:"optimizer"`
	LR        float64 `json:"lr"`
	BatchSize int     `json:"batch_size"`
	Seed      uint64  `json:"seed"`
	Precision string  `json:"precision"`

	Epochs        int      `json:"epochs"` // finished
	EpochsPlanned int      `json:"epochs_planned"`
	Monitor       string   `json:"monitor"`
	BestEpoch     int      `json:"best_epoch"` // 1-based; 0 before one finished
	Best          *Metrics `json:"best,omitempty"`
	Final         *Metrics `json:"final,omitempty"`
	// Test is the best model on the test split (data loss; the L2 term
	// is l2), when there is one and the run finished.
	Test *TestMetrics `json:"test,omitempty"`

	TrainSeconds  float64  `json:"train_seconds"` // over every epoch, across resumes
	WallSeconds   float64  `json:"wall_seconds"`  // this process: loading, training, evaluation
	SamplesPerSec float64  `json:"samples_per_s"` // median over the epochs
	Checkpoints   int      `json:"checkpoints"`   // written by this process
	Warnings      []string `json:"warnings,omitempty"`

	sysinfo.Info
	Written time.Time `json:"written"`
}

// TestMetrics is the test split's evaluation.
type TestMetrics struct {
	N        int     `json:"n"`
	Accuracy float64 `json:"accuracy"`
	Loss     float64 `json:"loss"`          // data loss, like val_loss
	L2       float64 `json:"l2"`            // the L2 term 0.5·reg·ΣW² of the model
	MSE      float64 `json:"mse,omitempty"` // an autoencoder's reconstruction MSE
}

// ReadResults reads dir's results.json; os.ErrNotExist when there is none.
func ReadResults(dir string) (*Results, error) {
	p := filepath.Join(dir, ResultsFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %v", p, err)
	}
	return &r, nil
}

func writeResults(dir string, r *Results) error {
	r.Written = time.Now().UTC().Truncate(time.Second)
	return atomicfile.Write(filepath.Join(dir, ResultsFile), 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
}

// results assembles results.json from the trainer's state.
func (t *trainer[T]) results(status, reason string, test *Eval) *Results {
	c, st := t.c, t.st
	r := &Results{
		Status: status, Reason: reason,
		Model: t.net.Spec.String(), Kind: t.net.Spec.Kind, Data: t.splits.Train.Name, Optimizer: c.Optimizer.Rule + " " + c.Schedule.Kind,
		LR: c.Optimizer.LR, BatchSize: c.Train.BatchSize, Seed: c.Seed, Precision: c.Precision,
		Epochs: len(st.History), EpochsPlanned: c.Train.Epochs, Monitor: c.Train.Monitor, BestEpoch: st.BestEpoch,
		WallSeconds: time.Since(t.wallStart).Seconds(), Checkpoints: t.saves, Warnings: st.Warnings, Info: sysinfo.Get(),
	}
	var rates []float64
	for _, m := range st.History {
		r.TrainSeconds += m.Seconds
		rates = append(rates, m.SamplesPerSec)
	}
	r.SamplesPerSec = median(rates)
	if n := len(st.History); n > 0 {
		final := st.History[n-1]
		r.Final = &final
		if st.BestEpoch >= 1 && st.BestEpoch <= n {
			best := st.History[st.BestEpoch-1]
			r.Best = &best
		}
	}
	if test != nil {
		r.Test = &TestMetrics{N: test.N, Accuracy: test.Accuracy, Loss: test.Loss, L2: test.RegLoss, MSE: test.MSE}
	}
	return r
}

// BestEpoch returns the best epoch (1-based) of the run in dir with the
// records ms: results.json's when there is one, else the epoch of the
// highest val_acc (the default monitor). 0 when ms is empty.
func BestEpoch(dir string, ms []Metrics) int {
	if r, err := ReadResults(dir); err == nil && r.BestEpoch >= 1 && r.BestEpoch <= len(ms) {
		return r.BestEpoch
	}
	if c, err := config.LoadStored(filepath.Join(dir, configFn)); err == nil && c.Train.Monitor == "val_loss" {
		return argBest(ms, func(m Metrics) float64 { return -m.ValLoss })
	}
	return argBest(ms, func(m Metrics) float64 { return m.ValAcc })
}

func argBest(ms []Metrics, f func(Metrics) float64) int {
	best, at := math.Inf(-1), 0
	for i, m := range ms {
		if v := f(m); v > best {
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
	if r, err := ReadResults(dir); err == nil {
		return &Summary{Dir: dir, Results: *r}, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	c, err := config.LoadStored(filepath.Join(dir, configFn))
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
// beside a metrics.jsonl, results.json or checkpoint.
func IsRun(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, configFn)); err != nil {
		return false
	}
	for _, f := range []string{metricsFn, ResultsFile, checkpointFn} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}
