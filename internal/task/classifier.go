package task

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// classifier is the default task: a fully connected network scoring one
// class per row, with accuracy, per-class accuracy and the confusion
// matrix as its metrics, and validation accuracy monitored by default.
type classifier struct{}

func (classifier) Name() string { return model.KindClassifier }

func (classifier) Defaults(*Model, *string, map[string]bool) {}

func (classifier) Check(m Model, _ string, set map[string]bool, bad Bad) {
	if set["model.code_dim"] {
		bad("model.code_dim", "applies only to model.kind autoencoder")
	}
	if len(m.Activations) == 0 && !slices.Contains(layers.Activations, m.Activation) {
		bad("model.activation", "must be one of %s, got %q", strings.Join(layers.Activations, ", "), m.Activation)
	}
	checkSigmoidKeys(model.KindClassifier, set, bad)
	if set["data.positive"] {
		bad("data.positive", "applies only to model.task binary (the positive class)")
	}
	if (classWeightsSet(set) || set["data.weight_column"]) && m.Loss != "softmax" {
		bad("model.loss", "%s takes no class or sample weights (train.class_weights, data.weight_column); use softmax", m.Loss)
	}
}

func (classifier) Omit() []string {
	return []string{"model.code_dim", "model.pos_weight", "model.threshold"}
}

func (classifier) Spec(m Model, inputDim, classes int) model.Spec {
	return model.Spec{
		InputDim: inputDim, Hidden: m.Hidden, Activations: m.ActivationList(),
		LeakyAlpha: m.LeakyAlpha, Classes: classes, Loss: m.Loss,
		Init: m.Init, WeightScale: m.WeightScale, Reg: m.Reg,
		BatchNorm: m.BatchNorm, Dropout: m.Dropout,
	}
}

func (classifier) CheckData(model.Spec, string) error { return nil }

func (classifier) Labelled() bool { return true }

func (classifier) Gradcheckable(model.Spec) error { return nil }

func (classifier) NewMeter(classes int, confusion bool) Meter {
	m := &classMeter{}
	if confusion {
		m.confusion = make([][]int, classes)
		for i := range m.confusion {
			m.confusion[i] = make([]int, classes)
		}
	}
	return m
}

// classMeter counts correct predictions and, when asked, the confusion
// matrix.
type classMeter struct {
	correct   int
	confusion [][]int
}

func (*classMeter) Argmax() bool { return true }

func (m *classMeter) Add(pred, y []int32) {
	for i, p := range pred {
		if p == y[i] {
			m.correct++
		}
		if m.confusion != nil {
			m.confusion[y[i]][p]++
		}
	}
}

func (m *classMeter) Done(ev *Eval, _ int) {
	if ev.N > 0 {
		ev.Accuracy = float64(m.correct) / float64(ev.N)
	}
	if m.confusion == nil {
		return
	}
	ev.Confusion = m.confusion
	ev.PerClass = make([]float64, len(m.confusion))
	for i, row := range m.confusion {
		total := 0
		for _, v := range row {
			total += v
		}
		if total > 0 {
			ev.PerClass[i] = float64(row[i]) / float64(total)
		}
	}
}

func (classifier) EpochLine(loss float64, l2 string, train, val Eval) string {
	return fmt.Sprintf("loss %.4f%s  train_acc %.4f  val_acc %.4f  val_loss %.4f", loss, l2, train.Accuracy, val.Accuracy, val.Loss)
}

func (classifier) Best(val Eval) string { return fmt.Sprintf("val_acc %.4f", val.Accuracy) }

func (classifier) Test(test Eval) string {
	return fmt.Sprintf("test accuracy %.2f%% (%d samples), test loss %.4f (data loss, like val_loss; L2 term %.4f)",
		100*test.Accuracy, test.N, test.Loss, test.RegLoss)
}

func (classifier) ListBest(val Eval, epoch int) string {
	return fmt.Sprintf("%.2f%% @%d", 100*val.Accuracy, epoch)
}

func (classifier) ListTest(test Eval) string { return fmt.Sprintf("%.2f%%", 100*test.Accuracy) }

// WriteEval writes the accuracy and a table of per-class accuracy and
// the confusion matrix, its rows and columns labelled by ev.Classes when
// the classes have names, else by index.
func (classifier) WriteEval(w io.Writer, ev Eval, _ int) {
	fmt.Fprintf(w, "accuracy  %.2f%%\n\n", 100*ev.Accuracy)
	if len(ev.Classes) != len(ev.Confusion) {
		fmt.Fprintln(w, "class  accuracy  confusion (rows: true class, columns: predicted)")
		for i, row := range ev.Confusion {
			cells := make([]string, len(row))
			for j, v := range row {
				cells[j] = fmt.Sprintf("%5d", v)
			}
			fmt.Fprintf(w, "%5d  %7.2f%%  %s\n", i, 100*ev.PerClass[i], strings.Join(cells, " "))
		}
		return
	}
	wn, wc := len("class"), 5
	for _, n := range ev.Classes {
		wn, wc = max(wn, len(n)), max(wc, len(n))
	}
	head := make([]string, len(ev.Classes))
	for j, n := range ev.Classes {
		head[j] = fmt.Sprintf("%*s", wc, n)
	}
	fmt.Fprintln(w, "confusion: rows are the true class, columns the predicted one")
	fmt.Fprintf(w, "%-*s  accuracy  %s\n", wn, "class", strings.Join(head, " "))
	for i, row := range ev.Confusion {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = fmt.Sprintf("%*d", wc, v)
		}
		fmt.Fprintf(w, "%-*s  %7.2f%%  %s\n", wn, ev.Classes[i], 100*ev.PerClass[i], strings.Join(cells, " "))
	}
}

func (classifier) Predicts(string) error { return nil }

func (classifier) Reports(string, string) error { return nil }
