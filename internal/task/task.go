package task

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/pkg/gradcheck/suite"
	"github.com/nnfc/nnfc/pkg/metrics"
	"github.com/nnfc/nnfc/pkg/model"
)

// Model is the model section of a run's config (model.*); internal/config
// holds it as config.Model. Which keys apply depends on the task (Check).
type Model struct {
	// Task is the task (model.task): one of Spellings() (classification,
	// the default, or autoencoder: the seed's tied-weight autoencoder
	// ½‖f(Wᵀf(Wx)) − x‖² with W code_dim × input dimension and f the
	// activation, default identity). Kind is its older spelling
	// (model.kind: classifier ≡ classification); once resolved
	// (Defaults), Kind holds the task's Name and Task its spelling.
	Task    string `mapstructure:"task" yaml:"task"`
	Kind    string `mapstructure:"kind" yaml:"kind"`
	CodeDim int    `mapstructure:"code_dim" yaml:"code_dim"`
	Hidden  []int  `mapstructure:"hidden" yaml:"hidden"`
	// Activation applies to every hidden layer unless Activations lists
	// one per hidden layer.
	Activation  string   `mapstructure:"activation" yaml:"activation"`
	Activations []string `mapstructure:"activations" yaml:"activations,omitempty"`
	LeakyAlpha  float64  `mapstructure:"leaky_alpha" yaml:"leaky_alpha"`
	Loss        string   `mapstructure:"loss" yaml:"loss"`
	// HuberDelta is the threshold of model.loss huber (model.task
	// regression), in the standardized units of the targets.
	HuberDelta  float64 `mapstructure:"huber_delta" yaml:"huber_delta"`
	Init        string  `mapstructure:"init" yaml:"init"`
	WeightScale float64 `mapstructure:"weight_scale" yaml:"weight_scale"`
	Reg         float64 `mapstructure:"reg" yaml:"reg"`
	// BatchNorm inserts batch normalization (BatchNorm1d) between each
	// hidden affine layer and its activation.
	BatchNorm bool `mapstructure:"batchnorm" yaml:"batchnorm"`
	// Dropout is the drop probability of an inverted dropout layer after
	// each hidden activation (PyTorch's nn.Dropout(p)); 0 is off.
	Dropout float64 `mapstructure:"dropout" yaml:"dropout"`
	// LabelSmoothing is the ε of smoothed softmax targets,
	// (1−ε)·onehot + ε/C (PyTorch's CrossEntropyLoss(label_smoothing=ε));
	// 0 is off.
	LabelSmoothing float64 `mapstructure:"label_smoothing" yaml:"label_smoothing"`
	// PosWeight multiplies the loss of the positive label (PyTorch's
	// BCEWithLogitsLoss pos_weight) and Threshold is the probability at
	// or above which a label is predicted: the sigmoid tasks' (binary,
	// multilabel), stored in the model.
	PosWeight float64 `mapstructure:"pos_weight" yaml:"pos_weight"`
	Threshold float64 `mapstructure:"threshold" yaml:"threshold"`
}

// taskKeys are the keys only some tasks take; a task names those it
// takes with a Takes method (taker), and Check reports the others when
// set.
var taskKeys = []string{"model.pos_weight", "model.threshold", ClassWeightsKey, "data.positive", "model.huber_delta"}

// A taker is a task that takes some of taskKeys.
type taker interface {
	Takes() []string
}

// takes reports whether task t takes key (one of taskKeys).
func takes(t Task, key string) bool {
	tk, ok := t.(taker)
	return ok && slices.Contains(tk.Takes(), key)
}

// checkTaskKeys reports each of taskKeys set for t that t does not take,
// naming the tasks that do.
func checkTaskKeys(t Task, set map[string]bool, bad Bad) {
	for _, k := range taskKeys {
		isSet := set[k]
		if k == ClassWeightsKey {
			isSet = classWeightsSet(set)
		}
		if !isSet || takes(t, k) {
			continue
		}
		var by []string
		for _, o := range All {
			if takes(o, k) {
				by = append(by, Spelling(o.Name()))
			}
		}
		bad(k, "applies only to model.task %s, not %s", strings.Join(by, " and "), Spelling(t.Name()))
	}
}

// ClassWeightsKey is the key of the class weights (train.class_weights).
const ClassWeightsKey = "train.class_weights"

// classWeightsSet reports whether train.class_weights is set, as a value
// (balanced) or as a map of weights.
func classWeightsSet(set map[string]bool) bool {
	for k := range set {
		if k == ClassWeightsKey || strings.HasPrefix(k, ClassWeightsKey+".") {
			return true
		}
	}
	return false
}

// checkSigmoid reports the problems of the sigmoid tasks' keys.
func checkSigmoid(m Model, bad Bad) {
	if !(m.PosWeight > 0) || math.IsInf(m.PosWeight, 0) {
		bad("model.pos_weight", "must be a number > 0 (1: none), got %g", m.PosWeight)
	}
	if !(m.Threshold > 0 && m.Threshold < 1) {
		bad("model.threshold", "must be in (0,1) (the probability at or above which a label is predicted), got %g", m.Threshold)
	}
}

// ActivationList returns the activation of each hidden layer.
func (m Model) ActivationList() []string {
	if len(m.Activations) > 0 {
		return m.Activations
	}
	acts := make([]string, len(m.Hidden))
	for i := range acts {
		acts[i] = m.Activation
	}
	return acts
}

// A Task is one value of model.kind: its configuration, its metrics and
// what the commands show of it.
type Task interface {
	// Name is the value of model.kind and of the spec's Kind.
	Name() string
	Configure
	Measure
	Show
}

// Configure is a task's part of the config and of building the network.
type Configure interface {
	// Defaults fills in the task's defaults of the keys the user did not
	// set (set holds the keys set); monitor is train.monitor.
	Defaults(m *Model, monitor *string, set map[string]bool)
	// Check reports, through bad, each model key (and train.monitor) that
	// does not fit the task.
	Check(m Model, monitor string, set map[string]bool, bad Bad)
	// Omit lists the model keys a resolved config leaves out.
	Omit() []string
	// Spec is the network of m for data of inputDim features, classes
	// classes and targets float targets per row (data.Dataset.K).
	Spec(m Model, inputDim, classes, targets int) model.Spec
	// CheckData reports a spec that does not fit the data it is trained
	// on (named data), once that is read.
	CheckData(s model.Spec, data string) error
	// Target is the kind of target the task reads from its data:
	// data.TargetClass (a class per row) or data.TargetNumber (numbers
	// per row, from a table's data.target columns).
	Target() string
}

// Measure is a task's part of evaluation.
type Measure interface {
	// NewMeter returns a Meter for a model of classes classes; with
	// confusion, it fills the confusion matrix (if the task has one).
	NewMeter(classes int, confusion bool) Meter
	// Labelled reports whether evaluation data needs labels.
	Labelled() bool
	// Metrics lists the names (pkg/metrics' Table) of the figures its
	// Meter puts in Eval.Metrics, besides loss: train.monitor may be
	// val_ + any of them, or val_loss.
	Metrics() []string
	// Gradcheck returns nnfc gradcheck --config's check of a network of
	// spec s (suite.ForSpec with the task's loss name and batch), or why
	// finite differences cannot check it.
	Gradcheck(s model.Spec, seed uint64) (suite.Check, error)
}

// A Meter measures a task's metrics batch by batch.
type Meter interface {
	// Argmax reports whether Add needs the arg-max class of each row
	// (Batch.Pred), Outputs whether it needs the output rows (Batch.Out):
	// the evaluator computes only what is asked (a classifier's accuracy
	// needs the arg-max only).
	Argmax() bool
	Outputs() bool
	// Add adds a batch.
	Add(b Batch)
	// Done writes the task's metrics into ev, whose N and Loss are set,
	// for data of inputDim features.
	Done(ev *Eval, inputDim int)
}

// Batch is what a Meter sees of one evaluated batch of rows.
type Batch struct {
	// Pred is the arg-max class of each output row (when Argmax).
	Pred []int32
	// Out holds the output rows, Cols each, row-major (when Outputs). When
	// the data carry a target scaling (data.Dataset.TargetMean), the
	// outputs are mapped back to the data's units with it, as Target is.
	Out  []float64
	Cols int
	// Class is the label of each row; nil when the data have no classes.
	Class []int32
	// Target holds the float target of each row, K each, row-major, in
	// the data's units; nil when the data have none.
	Target []float64
	K      int
	// Weight is the sample weight of each row; nil: every row weighs 1.
	Weight []float64
	// Threads is how many goroutines Add may share its per-row work
	// over (the evaluation's BLAS threads); 0 or 1: Add's own.
	Threads int
}

// Show is what the commands print of a task.
type Show interface {
	// EpochLine is the figures of the epoch line: loss (with l2, the L2
	// note), the training subsample's and the validation metrics.
	EpochLine(loss float64, l2 string, train, val Eval) string
	// Best is the monitored figure of the best epoch ("val_acc 0.9807"),
	// Test the test split's line of nnfc train's summary.
	Best(val Eval) string
	Test(test Eval) string
	// ListBest and ListTest are the run list's columns.
	ListBest(val Eval, epoch int) string
	ListTest(test Eval) string
	// WriteEval writes nnfc eval's figures beyond the loss.
	WriteEval(w io.Writer, ev Eval, inputDim int)
	// Predicts returns nil when nnfc predict applies to the model at
	// path, else why not; Reports the same for nnfc report on run dir.
	Predicts(path string) error
	Reports(path, dir string) error
	// Serve returns nnfc serve's output encoder for the model m.
	Serve(m Served) Answerer
	// Curve is the figure per epoch drawn beside the loss (nnfc plot,
	// the report); Pictures names the further pictures nnfc plot draws of
	// the trained model (a key of plots.Pictures), "" for none.
	Curve() Curve
	Pictures() string
}

// Curve is a task's figure per epoch beside the loss in the curves
// pictures: the metrics.jsonl keys of its train and validation values.
type Curve struct {
	Title      string // "accuracy"
	Axis       string // the y axis's label
	Train, Val string // metrics.jsonl keys: "train_acc", "val_acc"
	TrainName  string // the legend's name of the train line
	Fraction   bool   // a value in [0, 1]: the axis ends at 1
}

// Eval is the outcome of evaluating a network on a data set.
type Eval struct {
	N        int     `json:"n"`
	Loss     float64 `json:"loss"`               // data loss, mean over samples
	RegLoss  float64 `json:"reg_loss"`           // the L2 term 0.5·reg·ΣW²
	Accuracy float64 `json:"accuracy,omitempty"` // fraction correct (0, left out, for a task without classes)
	// MSE is an autoencoder's reconstruction mean squared error per input
	// entry, mean over samples and entries of (r − x)²: 2·Loss/D.
	MSE      float64   `json:"mse,omitempty"`
	PerClass []float64 `json:"per_class_accuracy,omitempty"`
	// Confusion[i][j] counts samples of true class i predicted as j.
	Confusion [][]int `json:"confusion,omitempty"`
	// Classes names the classes (the rows and columns of Confusion) when
	// the model's data named them (a table's target values).
	Classes []string `json:"classes,omitempty"`
	// Metrics holds the task's figures by their names in pkg/metrics'
	// Table (accuracy, f1_macro, rmse, …): those its Measure.Metrics
	// lists, each when it is defined on the data (never NaN: see
	// metrics.Put).
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// ClassMetrics is a classifier's precision, recall, F1 and support per
	// class with their macro and weighted means.
	ClassMetrics *metrics.ClassReport `json:"class_metrics,omitempty"`
	// Targets are a regression's RMSE, MAE and R² per target, in the
	// data's units (Metrics holds their means), named by TargetNames.
	Targets     []metrics.Regression `json:"targets,omitempty"`
	TargetNames []string             `json:"target_names,omitempty"`
	// Labels is a multilabel model's report per label (named by
	// TargetNames) with its micro, macro and weighted means.
	Labels *metrics.LabelReport `json:"labels,omitempty"`
	// Curves are the numbers of the report's pictures, filled by the
	// Meter of a full evaluation (NewMeter's confusion); not in JSON.
	Curves *Curves `json:"-"`
}

// Curves are the numbers nnfc report draws, each set by the tasks that
// have it (nil or empty otherwise); internal/plots draws them.
type Curves struct {
	// Reliability is a classifier's bins of top-class confidence
	// (metrics.Reliability, metrics.Bins bins): the reliability diagram.
	Reliability []metrics.Bin
	// ROC and PR are a binary model's curves of its positive-class
	// probability; Threshold is its decision threshold (the point marked
	// on both), PositiveRate the weight share of positive rows (PR's
	// chance level).
	ROC                     []metrics.ROCPoint
	PR                      []metrics.PRPoint
	Threshold, PositiveRate float64
	// Actual and Predicted are a regression model's targets and
	// predictions in the data's units, K per row (row-major), the targets
	// named Targets: predicted-vs-actual and the residuals.
	Actual, Predicted []float64
	K                 int
	Targets           []string
}

// Unscale maps rows v of standardized targets (len(mean) per row) back to
// the data's units: mean[j] + std[j]·v (data.Dataset.TargetMean).
func Unscale(v, mean, std []float64) {
	K := len(mean)
	for k := range v {
		j := k % K
		v[k] = mean[j] + std[j]*v[k]
	}
}

// An Announcer is a task with a line to print about a run's classes
// before training (binary: which class is positive); names are the
// classes' names.
type Announcer interface {
	Announce(s model.Spec, names []string) string
}

// A specMeter is a task whose Meter needs more of the model than its
// classes (binary: the decision threshold).
type specMeter interface {
	NewMeterFor(s model.Spec, confusion bool) Meter
}

// NewMeter returns the Meter of the task of the model spec s (see
// Measure.NewMeter).
func NewMeter(s model.Spec, confusion bool) Meter {
	t := Of(s)
	if m, ok := t.(specMeter); ok {
		return m.NewMeterFor(s, confusion)
	}
	return t.NewMeter(s.Classes, confusion)
}

// Bad reports one problem of a key.
type Bad func(key, format string, a ...any)

// All is the table of tasks; the first is the default.
var All = []Task{classifier{}, autoencoder{}, binary{}, regression{}, multilabel{}}

// Names lists the tasks' names.
func Names() []string {
	names := make([]string, len(All))
	for i, t := range All {
		names[i] = t.Name()
	}
	return names
}

// spellings maps the values of model.task that differ from a task's Name
// (the older model.kind and the spec's Kind) to that name.
var spellings = map[string]string{"classification": model.KindClassifier}

// Spelling is the model.task value of the task named name.
func Spelling(name string) string {
	for s, n := range spellings {
		if n == name {
			return s
		}
	}
	return name
}

// Spellings lists the values of model.task.
func Spellings() []string {
	names := make([]string, len(All))
	for i, t := range All {
		names[i] = Spelling(t.Name())
	}
	return names
}

// Lookup returns the task named name, in either spelling ("" is the
// default, classifier).
func Lookup(name string) (Task, error) {
	if name == "" {
		return All[0], nil
	}
	if n, ok := spellings[name]; ok {
		name = n
	}
	for _, t := range All {
		if t.Name() == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("model.kind: must be one of %s, got %q", strings.Join(Names(), ", "), name)
}

// ForTarget is the first task of All whose target is of kind (a
// data.Target* constant): classification for classes, regression for
// numbers, multilabel for labels; nil for none.
func ForTarget(kind string) Task {
	for _, t := range All {
		if t.Target() == kind {
			return t
		}
	}
	return nil
}

// Of returns the task of a model spec (the classifier for an unknown
// kind, which model.Spec.Validate refuses).
func Of(s model.Spec) Task {
	if t, err := Lookup(s.Kind); err == nil {
		return t
	}
	return All[0]
}

// Check reports the problems of the model section m and train.monitor:
// the task (model.task, or model.kind), then what the task says.
func Check(m Model, monitor string, set map[string]bool, bad Bad) {
	key, name := "model.kind", m.Kind
	if set["model.task"] {
		key, name = "model.task", m.Task
	}
	t, err := Lookup(name)
	if err != nil {
		if key == "model.task" {
			bad(key, "must be one of %s, got %q", strings.Join(Spellings(), ", "), name)
		} else {
			bad(key, "must be one of %s, got %q", strings.Join(Names(), ", "), name)
		}
		t = All[0]
	}
	if set["model.task"] && set["model.kind"] {
		if k, err := Lookup(m.Kind); err != nil || k != t {
			bad("model.kind", "%q names another task than model.task %q (model.kind is model.task's older spelling): set model.task only", m.Kind, m.Task)
		}
	}
	if _, err := metrics.ParseMonitor(monitor, MonitorNames(t)); err != nil {
		bad("train.monitor", "%v (the metrics of the %s task; ↑ higher is better, ↓ lower)", err, t.Name())
	}
	checkTaskKeys(t, set, bad)
	t.Check(m, monitor, set, bad)
}

// MonitorNames lists the metrics train.monitor may name for task t: loss
// and its Metrics.
func MonitorNames(t Task) []string {
	return append([]string{"loss"}, t.Metrics()...)
}

// Defaults resolves m's task (model.task, else model.kind: Kind becomes
// the task's Name, Task its spelling) and fills in the task's defaults
// (see Configure.Defaults).
func Defaults(m *Model, monitor *string, set map[string]bool) {
	name := m.Kind
	if set["model.task"] {
		name = m.Task
	}
	if t, err := Lookup(name); err == nil {
		if k, err := Lookup(m.Kind); !set["model.kind"] || !set["model.task"] || (err == nil && k == t) {
			m.Kind, m.Task = t.Name(), Spelling(t.Name())
		}
		t.Defaults(m, monitor, set)
	}
}

// WriteMetrics writes the figures of m named in names (a task's Metrics),
// one per line with its direction, in names' order; a figure undefined on
// the data (absent from m) shows as "–". nnfc eval's table.
func WriteMetrics(w io.Writer, m map[string]float64, names []string) {
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		v := "–"
		if x, ok := m[n]; ok {
			v = fmt.Sprintf("%.4f", x)
		}
		metric, _ := metrics.Lookup(n)
		fmt.Fprintf(w, "%-*s  %7s %s  %s\n", width, n, v, metric.Arrow(), metric.Doc)
	}
}
