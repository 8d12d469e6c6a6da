package task

import (
	"fmt"

	"github.com/nnfc/nnfc/pkg/metrics"
)

// Headline is one figure of an evaluation as the report puts it first (its
// cards and the head of its test table): a name, the value as text and a
// note ("88 samples, 2 wrong").
type Headline struct {
	Name, Value, Note string
}

// EpochColumn is a column of the report's epoch table beside the training
// loss: its head and the metrics.jsonl key of its figure (read with
// rundir.Metrics.Figure: train_acc, val_rmse, val_loss, ...).
type EpochColumn struct {
	Head    string
	Key     string
	Percent bool // a fraction shown as a percentage
	Val     bool // a validation figure: none without a validation split
}

// A Summarizer is a task with its own headline figures and epoch-table
// columns; a task without them gets the defaults of Headlines and
// EpochColumns, made from its Metrics.
type Summarizer interface {
	Headlines(ev Eval) []Headline
	EpochColumns() []EpochColumn
}

// Headlines are task t's headline figures of ev, best first: the
// Summarizer's, else the first three of t's Metrics that ev has.
func Headlines(t Task, ev Eval) []Headline {
	if s, ok := t.(Summarizer); ok {
		return s.Headlines(ev)
	}
	var hs []Headline
	for _, n := range t.Metrics() {
		if v, ok := ev.Metrics[n]; ok && len(hs) < 3 {
			m, _ := metrics.Lookup(n)
			hs = append(hs, Headline{Name: n, Value: fmt.Sprintf("%.4f", v), Note: m.Doc})
		}
	}
	return hs
}

// EpochColumns are task t's epoch-table columns: the Summarizer's, else
// its first metric on the training subsample and the validation split,
// and the validation loss.
func EpochColumns(t Task) []EpochColumn {
	if s, ok := t.(Summarizer); ok {
		return s.EpochColumns()
	}
	var cs []EpochColumn
	if ms := t.Metrics(); len(ms) > 0 {
		cs = append(cs, EpochColumn{Head: "train " + ms[0], Key: "train_" + ms[0]}, EpochColumn{Head: "val " + ms[0], Key: "val_" + ms[0], Val: true})
	}
	return append(cs, EpochColumn{Head: "val loss", Key: "val_loss", Val: true})
}

// errorsOf is the number of rows of ev predicted wrong, from its confusion
// matrix; −1 without one.
func errorsOf(ev Eval) int {
	if ev.Confusion == nil {
		return -1
	}
	wrong := ev.N
	for i := range ev.Confusion {
		wrong -= ev.Confusion[i][i]
	}
	return wrong
}

// accuracyHeadline is the accuracy with its rows and, with a confusion
// matrix, how many are wrong.
func accuracyHeadline(ev Eval, note string) Headline {
	n := fmt.Sprintf("%d samples", ev.N)
	if w := errorsOf(ev); w >= 0 {
		n = fmt.Sprintf("%d samples, %d wrong", ev.N, w)
	}
	if note != "" {
		n = note + "; " + n
	}
	return Headline{Name: "accuracy", Value: fmt.Sprintf("%.2f%%", 100*ev.Accuracy), Note: n}
}

// Headlines: the accuracy (and how many rows are wrong) and the macro F1.
func (classifier) Headlines(ev Eval) []Headline {
	return []Headline{accuracyHeadline(ev, ""),
		{Name: "macro F1", Value: figure(ev, "f1_macro", "%.4f"), Note: "mean F1 over the classes"}}
}

func (classifier) EpochColumns() []EpochColumn {
	return []EpochColumn{{Head: "train acc", Key: "train_acc", Percent: true},
		{Head: "val acc", Key: "val_acc", Percent: true, Val: true}, {Head: "val loss", Key: "val_loss", Val: true}}
}

// Headlines: the ROC-AUC of the positive-class probability, then the
// positive class's F1 and the accuracy at the model's threshold.
func (binary) Headlines(ev Eval) []Headline {
	at := "at the model's threshold"
	if ev.Curves != nil && ev.Curves.Threshold > 0 {
		at = fmt.Sprintf("at the threshold %g", ev.Curves.Threshold)
	}
	return []Headline{
		{Name: "ROC-AUC", Value: figure(ev, "roc_auc", "%.4f"), Note: "area under the ROC curve of the positive class's probability"},
		{Name: "F1", Value: figure(ev, "f1", "%.4f"), Note: fmt.Sprintf("positive class %s: precision %s, recall %s", at,
			figure(ev, "precision", "%.4f"), figure(ev, "recall", "%.4f"))},
		accuracyHeadline(ev, at),
	}
}

func (binary) EpochColumns() []EpochColumn {
	return []EpochColumn{{Head: "train acc", Key: "train_acc", Percent: true},
		{Head: "val acc", Key: "val_acc", Percent: true, Val: true}, {Head: "val ROC-AUC", Key: "val_roc_auc", Val: true},
		{Head: "val loss", Key: "val_loss", Val: true}}
}

// Headlines: R², RMSE and MAE, in the data's units, of the target or
// their means over the targets.
func (regression) Headlines(ev Eval) []Headline {
	of, units := "of the target", "in the target's units"
	switch {
	case len(ev.Targets) > 1:
		of, units = fmt.Sprintf("mean over the %d targets", len(ev.Targets)), "mean over the targets, each in its units"
	case len(ev.TargetNames) == 1:
		of, units = "of "+ev.TargetNames[0], "in "+ev.TargetNames[0]+"'s units"
	}
	return []Headline{
		{Name: "R²", Value: figure(ev, "r2", "%.4f"), Note: fmt.Sprintf("coefficient of determination %s, %d samples", of, ev.N)},
		{Name: "RMSE", Value: figure(ev, "rmse", "%.4g"), Note: "root mean squared error, " + units},
		{Name: "MAE", Value: figure(ev, "mae", "%.4g"), Note: "mean absolute error, " + units},
	}
}

func (regression) EpochColumns() []EpochColumn {
	return []EpochColumn{{Head: "train RMSE", Key: "train_rmse"},
		{Head: "val RMSE", Key: "val_rmse", Val: true}, {Head: "val R²", Key: "val_r2", Val: true},
		{Head: "val loss", Key: "val_loss", Val: true}}
}
