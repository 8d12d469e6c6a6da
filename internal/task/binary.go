package task

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/gradcheck/suite"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/metrics"
	"github.com/nnfc/nnfc/pkg/model"
)

// binary is model.task binary: one logit, the probability of the
// positive class σ(z), binary cross-entropy from the logit
// (layers.BCEWithLogits, model.pos_weight), and a decision threshold
// (model.threshold) stored in the model. Its target is a class of two:
// class 1 is the positive one (a table's second value in order, or the
// one data.positive names).
type binary struct{}

func (binary) Name() string { return model.KindBinary }

func (binary) Defaults(*Model, *string, map[string]bool) {}

func (binary) Check(m Model, _ string, set map[string]bool, bad Bad) {
	if set["model.code_dim"] {
		bad("model.code_dim", "applies only to model.kind autoencoder")
	}
	if set["model.loss"] {
		bad("model.loss", "does not apply to model.task binary (its loss is binary cross-entropy from the logit; model.pos_weight weighs the positive class)")
	}
	if len(m.Activations) == 0 && !slices.Contains(layers.Activations, m.Activation) {
		bad("model.activation", "must be one of %s, got %q", strings.Join(layers.Activations, ", "), m.Activation)
	}
	if set["model.label_smoothing"] {
		bad("model.label_smoothing", "does not apply to model.task binary (it smooths softmax targets)")
	}
	checkSigmoid(m, bad)
}

// Takes: pos_weight, threshold, class weights and the positive class.
func (binary) Takes() []string {
	return []string{"model.pos_weight", "model.threshold", ClassWeightsKey, "data.positive"}
}

func (binary) Omit() []string {
	return []string{"model.code_dim", "model.loss", "model.label_smoothing", "model.huber_delta"}
}

func (binary) Spec(m Model, inputDim, classes, _ int) model.Spec {
	return model.Spec{
		Kind: model.KindBinary, InputDim: inputDim, Hidden: m.Hidden, Activations: m.ActivationList(),
		LeakyAlpha: m.LeakyAlpha, Classes: classes, Loss: model.LossBCE,
		Init: m.Init, WeightScale: m.WeightScale, Reg: m.Reg,
		BatchNorm: m.BatchNorm, Dropout: m.Dropout, PosWeight: m.PosWeight, Threshold: m.Threshold,
	}
}

func (binary) CheckData(s model.Spec, data string) error {
	if s.Classes != 2 {
		return fmt.Errorf("model.task binary: %s has %d classes, expected 2 (a target column of two values; model.task classification for more)", data, s.Classes)
	}
	return nil
}

// Announce is the line nnfc train prints about the classes: which one is
// positive, and the threshold.
func (binary) Announce(s model.Spec, names []string) string {
	return fmt.Sprintf("positive class: %s (class 1: data.positive, else a table's second value in order), negative: %s; predicted positive where p ≥ %g (model.threshold)", names[1], names[0], s.Threshold)
}

func (binary) Labelled() bool { return true }

func (binary) Target() string { return data.TargetClass }

// Gradcheck: the classifier's check of the configured network, its
// labels 0 or 1, its loss binary cross-entropy (with pos_weight and the
// class weights the spec holds).
func (binary) Gradcheck(s model.Spec, seed uint64) (suite.Check, error) {
	return suite.ForSpec(s, seed, model.LossBCE, suite.ClassBatch), nil
}

// Metrics: at the threshold, accuracy and the positive class's
// precision, recall and F1 (with the macro means over both classes);
// from the probabilities, ROC-AUC, PR-AUC and the log loss.
func (binary) Metrics() []string {
	return []string{"accuracy", "precision", "recall", "f1", "f1_macro", "recall_macro", "roc_auc", "pr_auc", "log_loss"}
}

func (binary) NewMeter(int, bool) Meter { return &binaryMeter{threshold: 0.5} }

// NewMeterFor is the meter of a binary model: its decisions are at the
// model's threshold.
func (binary) NewMeterFor(s model.Spec, curves bool) Meter {
	return &binaryMeter{threshold: s.Threshold, curves: curves}
}

// binaryMeter keeps the probability, label and weight of every row: the
// ranking metrics need them all.
type binaryMeter struct {
	threshold float64
	curves    bool // fill Eval.Curves (ROC and PR) too
	pos       []bool
	prob, w   []float64
}

func (*binaryMeter) Argmax() bool  { return false }
func (*binaryMeter) Outputs() bool { return true }

func (m *binaryMeter) Add(b Batch) {
	for i, y := range b.Class {
		m.pos = append(m.pos, y == 1)
		m.prob = append(m.prob, sigmoid(b.Out[i*b.Cols]))
		if b.Weight != nil {
			m.w = append(m.w, b.Weight[i])
		}
	}
}

// sigmoid is σ(z), without overflow.
func sigmoid(z float64) float64 {
	e := math.Exp(-math.Abs(z))
	if z < 0 {
		return e / (1 + e)
	}
	return 1 / (1 + e)
}

// Done: the decisions are p ≥ threshold (the model's).
func (m *binaryMeter) Done(ev *Eval, _ int) {
	var w []float64
	if len(m.w) == len(m.pos) && len(m.w) > 0 {
		w = m.w
	}
	y, pred := make([]int32, len(m.pos)), make([]int32, len(m.pos))
	for i, p := range m.pos {
		if p {
			y[i] = 1
		}
		if m.prob[i] >= m.threshold {
			pred[i] = 1
		}
	}
	c := metrics.Confusion(y, pred, 2, w)
	r := metrics.Report(c)
	ev.ClassMetrics = &r
	ev.Confusion = make([][]int, 2)
	right, total := 0.0, 0.0
	for i := range c {
		ev.Confusion[i] = make([]int, 2)
		for j, v := range c[i] {
			ev.Confusion[i][j] = int(math.Round(v))
			total += v
			if i == j {
				right += v
			}
		}
	}
	ev.PerClass = []float64{r.Classes[0].Recall, r.Classes[1].Recall}
	ev.Metrics = map[string]float64{}
	if total > 0 {
		ev.Accuracy = right / total
		metrics.Put(ev.Metrics, "accuracy", ev.Accuracy)
		metrics.Put(ev.Metrics, "precision", r.Classes[1].Precision)
		metrics.Put(ev.Metrics, "recall", r.Classes[1].Recall)
		metrics.Put(ev.Metrics, "f1", r.Classes[1].F1)
		metrics.Put(ev.Metrics, "f1_macro", r.Macro.F1)
		metrics.Put(ev.Metrics, "recall_macro", r.Macro.Recall)
		// One sort of the scores for every ranking figure.
		var auc, ap float64
		if m.curves {
			var roc []metrics.ROCPoint
			var pr []metrics.PRPoint
			auc, ap, roc, pr = metrics.RankingCurves(m.pos, m.prob, w)
			ev.Curves = &Curves{ROC: roc, PR: pr, Threshold: m.threshold, PositiveRate: (c[1][0] + c[1][1]) / total}
		} else {
			auc, ap = metrics.Ranking(m.pos, m.prob, w)
		}
		metrics.Put(ev.Metrics, "roc_auc", auc)
		metrics.Put(ev.Metrics, "pr_auc", ap)
		metrics.Put(ev.Metrics, "log_loss", metrics.LogLossBinary(m.pos, m.prob, w))
	}
}

func (binary) EpochLine(loss float64, l2 string, train, val Eval) string {
	return fmt.Sprintf("loss %.4f%s  train_acc %.4f  val_acc %.4f  val_recall %.4f  val_roc_auc %.4f  val_loss %.4f",
		loss, l2, train.Accuracy, val.Accuracy, val.Metrics["recall"], val.Metrics["roc_auc"], val.Loss)
}

func (binary) Best(val Eval) string { return fmt.Sprintf("val_acc %.4f", val.Accuracy) }

func (binary) Test(test Eval) string {
	return fmt.Sprintf("test accuracy %.2f%% (%d samples), ROC-AUC %.4f, recall of the positive class %.4f, test loss %.4f (data loss, like val_loss; L2 term %.4f)",
		100*test.Accuracy, test.N, test.Metrics["roc_auc"], test.Metrics["recall"], test.Loss, test.RegLoss)
}

func (binary) ListBest(val Eval, epoch int) string {
	return fmt.Sprintf("%.2f%%%s @%d", 100*val.Accuracy, auc(val), epoch)
}

func (binary) ListTest(test Eval) string {
	return fmt.Sprintf("%.2f%%%s", 100*test.Accuracy, auc(test))
}

// auc is " auc 0.9951" when ev has the ROC-AUC (a split without both
// classes has none).
func auc(ev Eval) string {
	if v, ok := ev.Metrics["roc_auc"]; ok {
		return fmt.Sprintf(" auc %.4f", v)
	}
	return ""
}

// WriteEval writes the metrics (at the model's threshold, and from the
// probabilities), the per-class report and the 2×2 confusion matrix.
func (b binary) WriteEval(w io.Writer, ev Eval, _ int) {
	if len(ev.Classes) == 2 {
		fmt.Fprintf(w, "positive class %s (class 1), negative %s\n\n", ev.Classes[1], ev.Classes[0])
	}
	fmt.Fprintln(w, "metrics (↑ higher is better, ↓ lower; precision, recall and f1 of the positive class)")
	WriteMetrics(w, ev.Metrics, b.Metrics())
	fmt.Fprintln(w)
	writeClasses(w, ev)
}

func (binary) Predicts(string) error { return nil }

func (binary) Reports(string, string) error { return nil }

// Serve answers as a classifier does: the two classes' probabilities
// [1 − p, p] and the class at the model's threshold (infer's Predict).
func (binary) Serve(m Served) Answerer { return &classAnswer{m: m} }

// Curve: accuracy at the threshold, the train figure on a subsample.
func (binary) Curve() Curve { return classifier{}.Curve() }

func (binary) Pictures() string { return "" }
