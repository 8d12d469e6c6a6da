package task

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/gradcheck/suite"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/metrics"
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
	if !slices.Contains(layers.Losses, m.Loss) {
		bad("model.loss", "must be one of %s, got %q", strings.Join(layers.Losses, ", "), m.Loss)
	}
	if !(m.LabelSmoothing >= 0 && m.LabelSmoothing <= 1) {
		bad("model.label_smoothing", "must be in [0,1] (the ε of the targets (1−ε)·onehot + ε/classes; 0: off), got %g", m.LabelSmoothing)
	} else if m.LabelSmoothing > 0 && m.Loss != "softmax" {
		bad("model.label_smoothing", "applies to model.loss softmax, not %s", m.Loss)
	}
	if (classWeightsSet(set) || set["data.weight_column"]) && m.Loss != "softmax" {
		bad("model.loss", "%s takes no class or sample weights (train.class_weights, data.weight_column); use softmax", m.Loss)
	}
	if m.LabelSmoothing > 0 && (classWeightsSet(set) || set["data.weight_column"]) {
		bad("model.label_smoothing", "cannot be combined with class or sample weights (train.class_weights, data.weight_column)")
	}
}

// Takes: class weights.
func (classifier) Takes() []string { return []string{ClassWeightsKey} }

func (classifier) Omit() []string {
	return []string{"model.code_dim", "model.pos_weight", "model.threshold", "model.huber_delta"}
}

func (classifier) Spec(m Model, inputDim, classes, _ int) model.Spec {
	return model.Spec{
		InputDim: inputDim, Hidden: m.Hidden, Activations: m.ActivationList(),
		LeakyAlpha: m.LeakyAlpha, Classes: classes, Loss: m.Loss,
		Init: m.Init, WeightScale: m.WeightScale, Reg: m.Reg,
		BatchNorm: m.BatchNorm, Dropout: m.Dropout, LabelSmoothing: m.LabelSmoothing,
	}
}

func (classifier) CheckData(model.Spec, string) error { return nil }

func (classifier) Target() string { return data.TargetClass }

func (classifier) Labelled() bool { return true }

// Gradcheck: labels drawn at random, biases moved off the ReLU kinks.
func (classifier) Gradcheck(s model.Spec, seed uint64) (suite.Check, error) {
	return suite.ForSpec(s, seed, s.Loss, suite.ClassBatch), nil
}

func (classifier) NewMeter(classes int, confusion bool) Meter {
	m := &classMeter{full: confusion, k: classes, confusion: make([][]int, classes), wconf: metrics.NewConfusion(classes)}
	for i := range m.confusion {
		m.confusion[i] = make([]int, classes)
	}
	return m
}

// Metrics: accuracy; from the confusion matrix, precision, recall and F1
// with their macro and weighted means; from the softmax probabilities,
// one-vs-rest ROC-AUC and PR-AUC, log loss and the calibration error.
func (classifier) Metrics() []string {
	return []string{"accuracy", "precision_macro", "recall_macro", "f1_macro", "precision_weighted", "recall_weighted", "f1_weighted",
		"roc_auc", "pr_auc", "log_loss", "ece"}
}

// maxProbs bounds the probabilities a classMeter keeps for the metrics
// that need every row's scores (rows × classes, 8 bytes each: 128 MiB);
// beyond it those metrics are left out.
const maxProbs = 1 << 24

// classMeter counts the confusion matrix (and its weighted twin) and
// keeps each row's softmax probabilities, label and weight for the
// ranking and calibration metrics. Eval gets the confusion matrix, the
// per-class accuracy and the reliability bins when asked (full), the
// metrics always. With sample weights (Batch.Weight) every metric, the
// accuracy included, is weighted.
type classMeter struct {
	full      bool
	k         int
	confusion [][]int
	wconf     [][]float64
	y         []int32
	probs     []float64
	w         []float64
	weighted  bool
	tooMany   bool
}

func (*classMeter) Argmax() bool  { return true }
func (*classMeter) Outputs() bool { return true }

func (m *classMeter) Add(b Batch) {
	if b.Weight != nil {
		m.weighted = true
	}
	for i, p := range b.Pred {
		t := b.Class[i]
		m.confusion[t][p]++
		wi := 1.0
		if b.Weight != nil {
			wi = b.Weight[i]
		}
		m.wconf[t][p] += wi
		m.w = append(m.w, wi)
	}
	m.y = append(m.y, b.Class[:len(b.Pred)]...)
	if m.tooMany || len(m.probs)+len(b.Pred)*m.k > maxProbs {
		m.tooMany, m.probs = true, nil
		return
	}
	at, n := len(m.probs), len(b.Pred)
	m.probs = slices.Grow(m.probs, n*b.Cols)[:at+n*b.Cols]
	dst := m.probs[at:]
	parts := min(max(b.Threads, 1), n/softmaxRows)
	if parts <= 1 {
		softmaxRows64(b.Out, dst, b.Cols, 0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { softmaxRows64(b.Out, dst, b.Cols, n*p/parts, n*(p+1)/parts) })
	}
	wg.Wait()
}

// softmaxRows is the fewest rows per goroutine when classMeter.Add
// shares its softmax out (Batch.Threads).
const softmaxRows = 128

// softmaxRows64 writes the softmax of rows [lo, hi) of out (cols each)
// into the same rows of p, in float64 with each row's maximum subtracted:
// the probabilities whatever the loss (for svm and mse, the softmax of
// their scores). Each row on its own: the same bits however the rows are
// shared out.
func softmaxRows64(out, p []float64, cols, lo, hi int) {
	for r := lo; r < hi; r++ {
		row, dst := out[r*cols:(r+1)*cols], p[r*cols:(r+1)*cols]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, v)
		}
		var sum float64
		for j, v := range row {
			e := math.Exp(v - mx)
			dst[j] = e
			sum += e
		}
		for j := range dst {
			dst[j] /= sum
		}
	}
}

func (m *classMeter) Done(ev *Eval, _ int) {
	var w []float64 // nil: unweighted
	if m.weighted {
		w = m.w
	}
	r := metrics.Report(m.wconf)
	ev.ClassMetrics = &r
	ev.Metrics = map[string]float64{}
	if ev.N > 0 {
		var right, total float64
		for i, row := range m.wconf {
			right += row[i]
			for _, v := range row {
				total += v
			}
		}
		if total > 0 {
			ev.Accuracy = right / total
		}
		metrics.Put(ev.Metrics, "accuracy", ev.Accuracy)
		for _, f := range []struct {
			name string
			v    float64
		}{{"precision_macro", r.Macro.Precision}, {"recall_macro", r.Macro.Recall}, {"f1_macro", r.Macro.F1},
			{"precision_weighted", r.Weighted.Precision}, {"recall_weighted", r.Weighted.Recall}, {"f1_weighted", r.Weighted.F1}} {
			metrics.Put(ev.Metrics, f.name, f.v)
		}
	}
	if ev.N > 0 && !m.tooMany {
		auc, ap := metrics.OVRRanking(m.y, m.probs, m.k, w)
		metrics.Put(ev.Metrics, "roc_auc", auc)
		metrics.Put(ev.Metrics, "pr_auc", ap)
		metrics.Put(ev.Metrics, "log_loss", metrics.LogLoss(m.y, m.probs, m.k, w))
		conf, pred := metrics.TopClass(m.probs, m.k)
		correct := make([]bool, len(pred))
		for i, p := range pred {
			correct[i] = p == m.y[i]
		}
		bins := metrics.Reliability(conf, correct, w, metrics.Bins)
		metrics.Put(ev.Metrics, "ece", metrics.ECE(bins))
		if m.full {
			ev.Curves = &Curves{Reliability: bins}
		}
	}
	if !m.full {
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
	if val.N == 0 {
		return fmt.Sprintf("loss %.4f%s  train_acc %.4f  (no validation split)", loss, l2, train.Accuracy)
	}
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
func (c classifier) WriteEval(w io.Writer, ev Eval, _ int) {
	fmt.Fprintf(w, "accuracy  %.2f%%\n\n", 100*ev.Accuracy)
	fmt.Fprintln(w, "metrics (↑ higher is better, ↓ lower)")
	WriteMetrics(w, ev.Metrics, c.Metrics())
	fmt.Fprintln(w)
	writeClasses(w, ev)
}

// writeClasses writes the per-class report and the confusion matrix of
// ev, labelled by ev.Classes when the classes have names, else by index.
func writeClasses(w io.Writer, ev Eval) {
	if r := ev.ClassMetrics; r != nil {
		writeClassReport(w, *r, ev.Classes)
		fmt.Fprintln(w)
	}
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

// Serve: softmax probabilities, the arg-max label and, when the classes
// have names, the label's name, by nnfc predict's code (Served.Predict).
func (classifier) Serve(m Served) Answerer { return &classAnswer{m: m} }

type classAnswer struct{ m Served }

func (c *classAnswer) Outputs() []Column {
	out := []Column{
		{Name: "probabilities", Datatype: c.m.floatType(), Shape: []int{-1, c.m.Spec.Classes}},
		{Name: "label", Datatype: "INT64", Shape: []int{-1}},
	}
	if len(c.m.Classes) > 0 {
		out = append(out, Column{Name: "label_name", Datatype: "BYTES", Shape: []int{-1}})
	}
	return out
}

func (c *classAnswer) Answer(x []float32, n int) []Column {
	return c.answer(n, func(emit func(int, int32, []float64)) error { return c.m.Predict(x, n, emit) })
}

// Answer64: float64 rows through Predict64 (a float64 model's).
func (c *classAnswer) Answer64(x []float64, n int) []Column {
	return c.answer(n, func(emit func(int, int32, []float64)) error { return c.m.Predict64(x, n, emit) })
}

func (c *classAnswer) answer(n int, predict func(emit func(int, int32, []float64)) error) []Column {
	k := c.m.Spec.Classes
	probs := Column{Name: "probabilities", Datatype: c.m.floatType(), Shape: []int{n, k}}
	if probs.Datatype == "FP64" {
		probs.F64 = make([]float64, n*k)
	} else {
		probs.F32 = make([]float32, n*k)
	}
	label := make([]int64, n)
	err := predict(func(i int, class int32, p []float64) {
		label[i] = int64(class)
		if probs.F64 != nil {
			copy(probs.F64[i*k:], p)
		} else {
			for j, v := range p {
				probs.F32[i*k+j] = float32(v) // exact: the float32 softmax, widened and back
			}
		}
	})
	if err != nil {
		panic(err) // a classifier always predicts; nnfc serve reports it
	}
	out := []Column{probs, {Name: "label", Datatype: "INT64", Shape: []int{n}, I64: label}}
	if names := c.m.Classes; len(names) > 0 {
		s := make([]string, n)
		for i, l := range label {
			s[i] = names[l]
		}
		out = append(out, Column{Name: "label_name", Datatype: "BYTES", Shape: []int{n}, Str: s})
	}
	return out
}

// Curve: accuracy, the train figure on a subsample.
func (classifier) Curve() Curve {
	return Curve{Title: "accuracy", Axis: "accuracy", Train: "train_acc", Val: "val_acc",
		TrainName: "train (accuracy: a subsample)", Fraction: true}
}

func (classifier) Pictures() string { return "" }

// writeClassReport writes precision, recall, F1 and support per class and
// their macro and weighted means, as sklearn's classification_report.
func writeClassReport(w io.Writer, r metrics.ClassReport, names []string) {
	name := func(i int) string {
		if len(names) == len(r.Classes) {
			return names[i]
		}
		return fmt.Sprint(i)
	}
	wn := len("weighted mean")
	for i := range r.Classes {
		wn = max(wn, len(name(i)))
	}
	fmt.Fprintf(w, "%-*s  precision  recall      f1  support\n", wn, "class")
	row := func(label string, c metrics.Class) {
		fmt.Fprintf(w, "%-*s  %9.4f  %6.4f  %6.4f  %7.6g\n", wn, label, c.Precision, c.Recall, c.F1, c.Support)
	}
	for i, c := range r.Classes {
		row(name(i), c)
	}
	row("macro mean", r.Macro)
	row("weighted mean", r.Weighted)
}
