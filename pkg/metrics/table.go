package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// A Metric is one named figure of the table: its name in metrics maps,
// metrics.jsonl and train.monitor (after "val_" or "train_"), and its
// direction.
type Metric struct {
	Name   string
	Higher bool // a larger value is better
	Doc    string
}

// Table lists every metric nnfc reports. A task reports a subset of it
// (its Metrics), and train.monitor accepts "val_" + any name it reports.
var Table = []Metric{
	{"loss", false, "the data loss the model trains on (without the L2 term)"},
	{"accuracy", true, "weighted fraction of rows predicted right"},
	{"precision_macro", true, "mean precision over the classes"},
	{"recall_macro", true, "mean recall over the classes"},
	{"f1_macro", true, "mean F1 over the classes"},
	{"precision_weighted", true, "precision averaged with the classes' supports as weights"},
	{"recall_weighted", true, "recall averaged with the classes' supports as weights"},
	{"f1_weighted", true, "F1 averaged with the classes' supports as weights"},
	{"precision", true, "precision of the positive class (binary): the share of predicted positives that are positive"},
	{"recall", true, "recall of the positive class (binary): the share of positives predicted positive"},
	{"f1", true, "F1 of the positive class (binary)"},
	{"precision_micro", true, "precision of every label's decisions pooled (multilabel)"},
	{"recall_micro", true, "recall of every label's decisions pooled (multilabel)"},
	{"f1_micro", true, "F1 of every label's decisions pooled (multilabel)"},
	{"subset_accuracy", true, "weighted share of rows with every label right (multilabel)"},
	{"hamming_loss", false, "weighted share of wrong label decisions (multilabel)"},
	{"roc_auc", true, "area under the ROC curve (binary; one-vs-rest macro for classes; macro over the labels for multilabel)"},
	{"pr_auc", true, "average precision, the area under the precision-recall curve (binary; one-vs-rest macro for classes; macro over the labels for multilabel)"},
	{"log_loss", false, "cross-entropy of the predicted probabilities (multilabel: the mean of the labels' binary log losses)"},
	{"ece", false, fmt.Sprintf("expected calibration error over %d equal-width confidence bins", Bins)},
	{"rmse", false, "root mean squared error, in the target's units (mean over targets)"},
	{"mae", false, "mean absolute error, in the target's units (mean over targets)"},
	{"r2", true, "coefficient of determination R² (mean over targets)"},
	{"mse", false, "mean squared reconstruction error per input entry (autoencoder)"},
}

// aliases are older spellings of names in Table.
var aliases = map[string]string{"acc": "accuracy"}

// Lookup returns the metric named name (or an alias of it: acc).
func Lookup(name string) (Metric, bool) {
	if a, ok := aliases[name]; ok {
		name = a
	}
	for _, m := range Table {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Score is v signed so that larger is better: v, or −v for a metric
// where lower is better. NaN stays NaN.
func (m Metric) Score(v float64) float64 {
	if m.Higher {
		return v
	}
	return -v
}

// Arrow is ↑ for a metric where higher is better, else ↓.
func (m Metric) Arrow() string {
	if m.Higher {
		return "↑"
	}
	return "↓"
}

// A Monitor is train.monitor parsed: "val_" (or "train_") + a metric
// name.
type Monitor struct {
	Key    string // as written, e.g. val_acc
	Metric Metric
	// Train is set for a train_ monitor: the figure on the training split
	// (see TrainPrefix), not the validation split's.
	Train bool
}

// MonitorPrefix is the split a monitored metric is measured on: the
// validation split; TrainPrefix the training split: train_loss is the
// epoch's mean training data loss, any other train_ metric the task's
// figure on the training subsample (train.train_acc_samples rows).
const (
	MonitorPrefix = "val_"
	TrainPrefix   = "train_"
)

// SplitMonitor splits a monitor key into its split prefix (MonitorPrefix
// or TrainPrefix) and the metric's name as written (Lookup resolves an
// alias: acc); ok is false without a prefix.
func SplitMonitor(s string) (prefix, name string, ok bool) {
	for _, p := range []string{MonitorPrefix, TrainPrefix} {
		if n, found := strings.CutPrefix(s, p); found {
			return p, n, true
		}
	}
	return "", "", false
}

// ParseMonitor parses s, "val_" or "train_" + one of the metric names
// valid (a task's Metrics; acc stands for accuracy). The error lists the
// valid values.
func ParseMonitor(s string, valid []string) (Monitor, error) {
	if prefix, name, ok := SplitMonitor(s); ok {
		if m, found := Lookup(name); found && slices.Contains(valid, m.Name) {
			return Monitor{Key: s, Metric: m, Train: prefix == TrainPrefix}, nil
		}
	}
	opts := make([]string, len(valid))
	for i, v := range valid {
		m, _ := Lookup(v)
		for a, full := range aliases {
			if full == v {
				v = a // the spelling nnfc has always used: val_acc
			}
		}
		opts[i] = MonitorPrefix + v + m.Arrow()
	}
	return Monitor{}, fmt.Errorf("must be one of %s, or train_ and one of the same names (the training split's figure), got %q", strings.Join(opts, ", "), s)
}

// Put sets m[name] = v unless v is NaN or infinite: a metrics map holds
// only defined figures (JSON has no NaN).
func Put(m map[string]float64, name string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	m[name] = v
}
