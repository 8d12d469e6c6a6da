package task

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/nnfc/nnfc/pkg/model"
)

// Model is the model section of a run's config (model.*); internal/config
// holds it as config.Model. Which keys apply depends on the task (Check).
type Model struct {
	// Kind is the task: one of Names() (classifier, the default, or
	// autoencoder: the seed's tied-weight autoencoder ½‖f(Wᵀf(Wx)) − x‖²
	// with W code_dim × input dimension and f the activation, default
	// identity).
	Kind    string `mapstructure:"kind" yaml:"kind"`
	CodeDim int    `mapstructure:"code_dim" yaml:"code_dim"`
	Hidden  []int  `mapstructure:"hidden" yaml:"hidden"`
	// Activation applies to every hidden layer unless Activations lists
	// one per hidden layer.
	Activation  string   `mapstructure:"activation" yaml:"activation"`
	Activations []string `mapstructure:"activations" yaml:"activations,omitempty"`
	LeakyAlpha  float64  `mapstructure:"leaky_alpha" yaml:"leaky_alpha"`
	Loss        string   `mapstructure:"loss" yaml:"loss"`
	Init        string   `mapstructure:"init" yaml:"init"`
	WeightScale float64  `mapstructure:"weight_scale" yaml:"weight_scale"`
	Reg         float64  `mapstructure:"reg" yaml:"reg"`
	// BatchNorm inserts batch normalization (BatchNorm1d) between each
	// hidden affine layer and its activation.
	BatchNorm bool `mapstructure:"batchnorm" yaml:"batchnorm"`
	// Dropout is the drop probability of an inverted dropout layer after
	// each hidden activation (PyTorch's nn.Dropout(p)); 0 is off.
	Dropout float64 `mapstructure:"dropout" yaml:"dropout"`
	// PosWeight multiplies the loss of the positive label (PyTorch's
	// BCEWithLogitsLoss pos_weight) and Threshold is the probability at
	// or above which a label is predicted: the sigmoid tasks' (binary,
	// multilabel), stored in the model.
	PosWeight float64 `mapstructure:"pos_weight" yaml:"pos_weight"`
	Threshold float64 `mapstructure:"threshold" yaml:"threshold"`
}

// sigmoidKeys are the model keys of the sigmoid tasks only.
var sigmoidKeys = []string{"model.pos_weight", "model.threshold"}

// checkSigmoidKeys reports the sigmoid tasks' keys set for a task that
// has no sigmoid output (named kind).
func checkSigmoidKeys(kind string, set map[string]bool, bad Bad) {
	for _, k := range sigmoidKeys {
		if set[k] {
			bad(k, "applies only to model.task binary and multilabel, not %s", kind)
		}
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
	// Spec is the network of m for data of inputDim features and classes
	// classes.
	Spec(m Model, inputDim, classes int) model.Spec
	// CheckData reports a spec that does not fit the data it is trained
	// on (named data), once that is read.
	CheckData(s model.Spec, data string) error
}

// Measure is a task's part of evaluation.
type Measure interface {
	// NewMeter returns a Meter for a model of classes classes; with
	// confusion, it fills the confusion matrix (if the task has one).
	NewMeter(classes int, confusion bool) Meter
	// Labelled reports whether evaluation data needs labels.
	Labelled() bool
	// Gradcheckable returns nil when nnfc gradcheck can check a network
	// of spec s by finite differences, else why not.
	Gradcheckable(s model.Spec) error
}

// A Meter measures a task's metrics batch by batch.
type Meter interface {
	// Argmax reports whether Add needs the arg-max class of each row.
	Argmax() bool
	// Add adds a batch: the predicted class (when Argmax) and the label
	// of each row.
	Add(pred, y []int32)
	// Done writes the task's metrics into ev, whose N and Loss are set,
	// for data of inputDim features.
	Done(ev *Eval, inputDim int)
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
}

// Eval is the outcome of evaluating a network on a data set.
type Eval struct {
	N        int     `json:"n"`
	Loss     float64 `json:"loss"`     // data loss, mean over samples
	RegLoss  float64 `json:"reg_loss"` // the L2 term 0.5·reg·ΣW²
	Accuracy float64 `json:"accuracy"` // fraction correct (0 for an autoencoder)
	// MSE is an autoencoder's reconstruction mean squared error per input
	// entry, mean over samples and entries of (r − x)²: 2·Loss/D.
	MSE      float64   `json:"mse,omitempty"`
	PerClass []float64 `json:"per_class_accuracy,omitempty"`
	// Confusion[i][j] counts samples of true class i predicted as j.
	Confusion [][]int `json:"confusion,omitempty"`
	// Classes names the classes (the rows and columns of Confusion) when
	// the model's data named them (a table's target values).
	Classes []string `json:"classes,omitempty"`
}

// An Announcer is a task with a line to print about a run's classes
// before training (binary: which class is positive); names are the
// classes' names.
type Announcer interface {
	Announce(s model.Spec, names []string) string
}

// Bad reports one problem of a key.
type Bad func(key, format string, a ...any)

// All is the table of tasks; the first is the default.
var All = []Task{classifier{}, autoencoder{}}

// Names lists the tasks' names.
func Names() []string {
	names := make([]string, len(All))
	for i, t := range All {
		names[i] = t.Name()
	}
	return names
}

// Lookup returns the task named name ("" is the default, classifier).
func Lookup(name string) (Task, error) {
	if name == "" {
		return All[0], nil
	}
	for _, t := range All {
		if t.Name() == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("model.kind: must be one of %s, got %q", strings.Join(Names(), ", "), name)
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
// the kind, then what the task says.
func Check(m Model, monitor string, set map[string]bool, bad Bad) {
	t, err := Lookup(m.Kind)
	if err != nil {
		bad("model.kind", "must be one of %s, got %q", strings.Join(Names(), ", "), m.Kind)
		t = All[0]
	}
	t.Check(m, monitor, set, bad)
}

// Defaults fills in the defaults of m's task (see Configure.Defaults).
func Defaults(m *Model, monitor *string, set map[string]bool) {
	if t, err := Lookup(m.Kind); err == nil {
		t.Defaults(m, monitor, set)
	}
}
