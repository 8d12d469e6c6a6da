package rundir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/nnfc/nnfc/internal/sysinfo"
	"github.com/nnfc/nnfc/pkg/atomicfile"
	"github.com/nnfc/nnfc/pkg/metrics"
)

// The files of a run directory.
const (
	Config     = "config.yaml"
	Checkpoint = "checkpoint.safetensors"
	Model      = "model.safetensors"
	MetricsLog = "metrics.jsonl"
	ResultsLog = "results.json"
	Curves     = "curves.png"
	// nnfc plot's pictures of an autoencoder (plots.Pictures).
	Reconstructions = "reconstructions.png"
	Weights         = "weights.png"
	// nnfc plot's picture of a run's data.augment.
	Augmented = "augment.png"
	// nnfc report's page, nnfc export's ONNX file and nnfc embed's
	// directory, when given the run directory (--run).
	Report   = "report.html"
	ONNX     = "model.onnx"
	EmbedDir = "embed"
	// A sweep trial's output and its executor's record.
	TrainLog    = "train.log"
	TrialStatus = "trial.json"
)

// Files are the files nnfc train writes into a run directory.
var Files = []string{Checkpoint, Model, MetricsLog, ResultsLog, Config, Curves}

// Path is the path of file name in the run directory dir.
func Path(dir, name string) string { return filepath.Join(dir, name) }

// Metrics is one line of metrics.jsonl: the record of a finished epoch.
type Metrics struct {
	Epoch    int     `json:"epoch"`     // 1-based
	Loss     float64 `json:"loss"`      // mean training objective over the epoch's steps: data loss + L2 term
	DataLoss float64 `json:"data_loss"` // mean training data loss (without the L2 term)
	L2       float64 `json:"l2"`        // the L2 term 0.5·reg·ΣW² at the end of the epoch
	// TrainAcc and ValAcc are a task's accuracy (left out of the JSON
	// when 0: a task without classes has none).
	TrainAcc float64 `json:"train_acc,omitempty"`
	ValAcc   float64 `json:"val_acc,omitempty"`
	ValLoss  float64 `json:"val_loss"` // validation data loss (without the L2 term), like the test loss
	// TrainMSE and ValMSE are an autoencoder's reconstruction mean squared
	// error per input entry (its accuracies stay 0).
	TrainMSE float64 `json:"train_mse,omitempty"`
	ValMSE   float64 `json:"val_mse,omitempty"`
	// Val is the task's metrics on the validation split by their names in
	// pkg/metrics' Table (f1_macro, rmse, …), those defined on it.
	Val map[string]float64 `json:"val_metrics,omitempty"`
	// Train is the same on the training subsample (train_acc's rows).
	Train         map[string]float64 `json:"train_metrics,omitempty"`
	LR            float64            `json:"lr"`
	GradNorm      float64            `json:"grad_norm,omitempty"` // mean pre-clip global norm, when clipping
	Seconds       float64            `json:"seconds"`
	SamplesPerSec float64            `json:"samples_per_s"`
	// TestAcc and TestLoss are the test split's accuracy and data loss
	// after the epoch, with train.test_each_epoch only (nil otherwise):
	// a record for time-to-accuracy, never used to select or stop.
	// CPUSeconds is the process's CPU time (all threads) over the
	// epoch's steps, also with train.test_each_epoch only: under load,
	// a steadier measure of the work than Seconds.
	TestAcc    *float64 `json:"test_acc,omitempty"`
	TestLoss   *float64 `json:"test_loss,omitempty"`
	CPUSeconds float64  `json:"cpu_s,omitempty"`
	// AugmentSeconds is the wall time of the epoch's data.augment
	// (within Seconds), in the process that finished the epoch; 0
	// without augmentation.
	AugmentSeconds float64 `json:"augment_seconds,omitempty"`
}

// DefaultMonitor is train.monitor's default and the monitor of a run
// whose config is unreadable.
const DefaultMonitor = "val_acc"

// NoVal reports whether the record measured no validation split: every
// validation figure 0 (a validation split has a positive cross-entropy,
// or, at a hinge or squared loss of 0, an accuracy of 1).
func (m Metrics) NoVal() bool {
	return m.ValLoss == 0 && m.ValAcc == 0 && m.ValMSE == 0 && len(m.Val) == 0
}

// Value is the record's figure of the monitored metric monitor
// (train.monitor: val_acc, val_loss, val_mse or val_<name> of a metric in
// Val; or train_ and the same names: train_loss is the epoch's mean
// training data loss, the others the training subsample's figures, Train);
// NaN when the record has none.
func (m Metrics) Value(monitor string) float64 {
	if monitor == "" {
		monitor = DefaultMonitor
	}
	prefix, name, ok := metrics.SplitMonitor(monitor)
	if !ok {
		return math.NaN()
	}
	train := prefix == metrics.TrainPrefix
	figures, acc, loss, mse := m.Val, m.ValAcc, m.ValLoss, m.ValMSE
	if train {
		figures, acc, loss, mse = m.Train, m.TrainAcc, m.DataLoss, m.TrainMSE
	}
	if v, ok := figures[name]; ok {
		return v
	}
	switch metric, _ := metrics.Lookup(name); metric.Name {
	case "accuracy":
		return acc
	case "loss":
		return loss
	case "mse":
		return mse
	}
	return math.NaN()
}

// Score is Value signed so that larger is better (the metric's direction
// in pkg/metrics' Table), −Inf when the record has no finite value: a
// missing figure is never an improvement.
func (m Metrics) Score(monitor string) float64 {
	return Score(monitor, m.Value(monitor))
}

// Score signs the value v of the monitored metric monitor so that larger
// is better; −Inf for NaN or an infinite value.
func Score(monitor string, v float64) float64 {
	if monitor == "" {
		monitor = DefaultMonitor
	}
	_, name, _ := metrics.SplitMonitor(monitor)
	metric, _ := metrics.Lookup(name)
	if metric.Name == "" {
		metric.Higher = true // unknown: as val_acc; config validation refuses it
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return math.Inf(-1)
	}
	return metric.Score(v)
}

// Figure is the record's figure of metrics.jsonl key key, as a task's
// Curve names them: data_loss, or a monitored metric (Value: train_acc,
// train_mse, train_<metric>, val_acc, val_mse, val_loss, val_<metric>);
// NaN when the record has none.
func (m Metrics) Figure(key string) float64 {
	if key == "data_loss" {
		return m.DataLoss
	}
	return m.Value(key)
}

// AppendMetrics appends the record of a finished epoch to dir's
// metrics.jsonl in one write, without a sync: readers (nnfc sweep's
// progress and early stopping, nnfc runs) see each epoch as it ends.
func AppendMetrics(dir string, m Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(Path(dir, MetricsLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteMetrics replaces dir's metrics.jsonl with ms, atomically.
func WriteMetrics(dir string, ms []Metrics) error {
	return atomicfile.Write(Path(dir, MetricsLog), 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, m := range ms {
			if err := enc.Encode(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReadMetrics reads dir's metrics.jsonl. A last line without its newline
// is an append cut short (a killed process) and is skipped.
func ReadMetrics(dir string) ([]Metrics, error) {
	p := Path(dir, MetricsLog)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if i := bytes.LastIndexByte(b, '\n'); i+1 < len(b) {
		b = b[:i+1]
	}
	var ms []Metrics
	for i, line := range bytes.Split(b, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m := Metrics{DataLoss: math.NaN()}
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", p, i+1, err)
		}
		if math.IsNaN(m.DataLoss) {
			m.DataLoss = m.Loss // written before data_loss was recorded
		}
		ms = append(ms, m)
	}
	return ms, nil
}

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
	Accuracy float64 `json:"accuracy,omitempty"` // none (0) for a task without classes
	Loss     float64 `json:"loss"`               // data loss, like val_loss
	L2       float64 `json:"l2"`                 // the L2 term 0.5·reg·ΣW² of the model
	MSE      float64 `json:"mse,omitempty"`      // an autoencoder's reconstruction MSE
	// Metrics are the task's figures on the test split by their names in
	// pkg/metrics' Table; ClassMetrics a classifier's per-class rows.
	Metrics      map[string]float64   `json:"metrics,omitempty"`
	ClassMetrics *metrics.ClassReport `json:"class_metrics,omitempty"`
}

// ReadResults reads dir's results.json; os.ErrNotExist when there is none.
func ReadResults(dir string) (*Results, error) {
	p := Path(dir, ResultsLog)
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

// WriteResults replaces dir's results.json with r, stamped now,
// atomically.
func WriteResults(dir string, r *Results) error {
	r.Written = time.Now().UTC().Truncate(time.Second)
	return atomicfile.Write(Path(dir, ResultsLog), 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
}
