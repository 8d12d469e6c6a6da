package task

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/gradcheck/suite"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/metrics"
	"github.com/nnfc/nnfc/pkg/model"
)

// multilabel is model.task multilabel: k independent yes/no labels per
// row, one sigmoid output each, binary cross-entropy from the logits
// averaged over the labels (layers.BCEWithLogits with a 0/1 target
// matrix; model.pos_weight weighs every label's positives), and a
// decision threshold (model.threshold) stored in the model. Its target is
// a table's k columns of 0/1 (data.target: [a, b, c]) or one column of
// labels separated by ";" (data.target: tags; the labels are those of
// the training rows). It monitors the validation micro F1.
type multilabel struct{}

func (multilabel) Name() string { return model.KindMultilabel }

// Defaults: train.monitor val_f1_micro.
func (multilabel) Defaults(_ *Model, monitor *string, set map[string]bool) {
	if !set["train.monitor"] {
		*monitor = "val_f1_micro"
	}
}

func (multilabel) Check(m Model, _ string, set map[string]bool, bad Bad) {
	if set["model.code_dim"] {
		bad("model.code_dim", "applies only to model.task autoencoder")
	}
	if set["model.loss"] {
		bad("model.loss", "does not apply to model.task multilabel (its loss is binary cross-entropy from each label's logit, not %q; model.pos_weight weighs the positives)", m.Loss)
	}
	if len(m.Activations) == 0 && !slices.Contains(layers.Activations, m.Activation) {
		bad("model.activation", "must be one of %s, got %q", strings.Join(layers.Activations, ", "), m.Activation)
	}
	if set["model.label_smoothing"] {
		bad("model.label_smoothing", "does not apply to model.task multilabel (it smooths softmax targets)")
	}
	checkSigmoid(m, bad)
}

// Takes: pos_weight (one for every label) and the threshold. Class
// weights are refused (checkTaskKeys): a label's weight is its
// pos_weight, and that is one number for all labels here.
func (multilabel) Takes() []string { return []string{"model.pos_weight", "model.threshold"} }

func (multilabel) Omit() []string {
	return []string{"model.code_dim", "model.loss", "model.label_smoothing", "model.huber_delta"}
}

// Spec: one logit per label (Classes = the labels, data.Dataset.K).
func (multilabel) Spec(m Model, inputDim, _, targets int) model.Spec {
	return model.Spec{
		Kind: model.KindMultilabel, InputDim: inputDim, Hidden: m.Hidden, Activations: m.ActivationList(),
		LeakyAlpha: m.LeakyAlpha, Classes: targets, Loss: model.LossBCE,
		Init: m.Init, WeightScale: m.WeightScale, Reg: m.Reg,
		BatchNorm: m.BatchNorm, Dropout: m.Dropout, PosWeight: m.PosWeight, Threshold: m.Threshold,
	}
}

func (multilabel) CheckData(s model.Spec, data string) error {
	if s.Classes < 1 {
		return fmt.Errorf("data.target: %s has no labels, and model.task multilabel predicts them (data.target: [a, b] of 0/1 columns, or one column of labels separated by %q; data.source table)", data, LabelSep)
	}
	return nil
}

// LabelSep joins the labels of a row in nnfc predict's and serve's
// outputs, as the training data separate them (data.LabelSep).
const LabelSep = data.LabelSep

// Announce is the line nnfc train prints about the labels.
func (multilabel) Announce(s model.Spec, names []string) string {
	return fmt.Sprintf("%d labels: %s; each predicted where its probability ≥ %g (model.threshold)", s.Classes, strings.Join(labelNames(names, s.Classes), ", "), s.Threshold)
}

// labelNames are names when there are k, else 0 … k−1.
func labelNames(names []string, k int) []string {
	if len(names) == k {
		return names
	}
	out := make([]string, k)
	for j := range out {
		out[j] = strconv.Itoa(j)
	}
	return out
}

func (multilabel) Labelled() bool { return true }

func (multilabel) Target() string { return data.TargetLabels }

// Gradcheck: the configured network on a random batch with random 0/1
// labels (suite.ValueBatch's inputs, kept off ReLU's kinks).
func (multilabel) Gradcheck(s model.Spec, seed uint64) (suite.Check, error) {
	return suite.ForSpec(s, seed, model.LossBCE, labelBatch), nil
}

// labelBatch is suite.ValueBatch with its targets replaced by 0/1 labels.
func labelBatch(net *model.Net[float64], n int, rng *rand.Rand) (*layers.Matrix[float64], layers.Target[float64], error) {
	x, t, err := suite.ValueBatch(net, n, rng)
	if err != nil {
		return nil, t, err
	}
	for i := range t.Value.Data {
		t.Value.Data[i] = float64(rng.IntN(2))
	}
	return x, t, nil
}

// Metrics: at the threshold, the pooled (micro), per-label mean (macro)
// and support-weighted F1, micro precision and recall, the share of rows
// with every label right and of wrong decisions; from the probabilities,
// the labels' mean ROC-AUC, PR-AUC and log loss.
func (multilabel) Metrics() []string {
	return []string{"f1_micro", "f1_macro", "f1_weighted", "precision_micro", "recall_micro", "subset_accuracy", "hamming_loss", "roc_auc", "pr_auc", "log_loss"}
}

func (multilabel) NewMeter(int, bool) Meter { return &labelMeter{threshold: 0.5} }

// NewMeterFor is the meter of a multilabel model: its decisions are at
// the model's threshold.
func (multilabel) NewMeterFor(s model.Spec, _ bool) Meter {
	return &labelMeter{threshold: s.Threshold}
}

// labelMeter keeps every row's labels, probabilities and weight: the
// ranking metrics need them all.
type labelMeter struct {
	threshold float64
	k         int
	y         []bool
	p, w      []float64
	weighted  bool
}

func (*labelMeter) Argmax() bool  { return false }
func (*labelMeter) Outputs() bool { return true }

func (m *labelMeter) Add(b Batch) {
	if m.k == 0 {
		m.k, m.weighted = b.Cols, b.Weight != nil
	}
	if b.K != m.k || b.Cols != m.k {
		panic(fmt.Sprintf("task: multilabel meter: %d outputs and %d labels per row, expected %d", b.Cols, b.K, m.k))
	}
	for k, v := range b.Target {
		m.y = append(m.y, v == 1)
		m.p = append(m.p, sigmoid(b.Out[k]))
	}
	if m.weighted {
		m.w = append(m.w, b.Weight...)
	}
}

// Done: metrics.Multilabel at the threshold, its figures into
// Eval.Metrics, the per-label report into Eval.Labels; Accuracy is the
// subset accuracy.
func (m *labelMeter) Done(ev *Eval, _ int) {
	if m.k == 0 || len(m.y) == 0 {
		return
	}
	var w []float64
	if m.weighted {
		w = m.w
	}
	t := make([]float64, m.k)
	for j := range t {
		t[j] = m.threshold
	}
	r := metrics.Multilabel(m.y, m.p, m.k, t, w)
	ev.Labels = &r
	ev.Accuracy = r.SubsetAccuracy
	ev.Metrics = map[string]float64{}
	metrics.Put(ev.Metrics, "f1_micro", r.Micro.F1)
	metrics.Put(ev.Metrics, "f1_macro", r.Macro.F1)
	metrics.Put(ev.Metrics, "f1_weighted", r.Weighted.F1)
	metrics.Put(ev.Metrics, "precision_micro", r.Micro.Precision)
	metrics.Put(ev.Metrics, "recall_micro", r.Micro.Recall)
	metrics.Put(ev.Metrics, "subset_accuracy", r.SubsetAccuracy)
	metrics.Put(ev.Metrics, "hamming_loss", r.HammingLoss)
	metrics.Put(ev.Metrics, "roc_auc", metrics.MeanDefined(r.ROCAUC))
	metrics.Put(ev.Metrics, "pr_auc", metrics.MeanDefined(r.PRAUC))
	metrics.Put(ev.Metrics, "log_loss", metrics.LogLossLabels(m.y, m.p, m.k, w))
}

func (multilabel) EpochLine(loss float64, l2 string, train, val Eval) string {
	return fmt.Sprintf("loss %.4f%s  train_f1_micro %s  val_f1_micro %s  val_subset_acc %s  val_hamming %s  val_loss %.4f", loss, l2,
		figure(train, "f1_micro", "%.4f"), figure(val, "f1_micro", "%.4f"), figure(val, "subset_accuracy", "%.4f"), figure(val, "hamming_loss", "%.4f"), val.Loss)
}

func (multilabel) Best(val Eval) string {
	return fmt.Sprintf("val_f1_micro %s (val_subset_accuracy %s)", figure(val, "f1_micro", "%.4f"), figure(val, "subset_accuracy", "%.4f"))
}

func (multilabel) Test(test Eval) string {
	return fmt.Sprintf("test F1 micro %s, macro %s, subset accuracy %s, Hamming loss %s, ROC-AUC %s (%d samples), test loss %.4f (data loss, like val_loss; L2 term %.4f)",
		figure(test, "f1_micro", "%.4f"), figure(test, "f1_macro", "%.4f"), figure(test, "subset_accuracy", "%.4f"), figure(test, "hamming_loss", "%.4f"),
		figure(test, "roc_auc", "%.4f"), test.N, test.Loss, test.RegLoss)
}

func (multilabel) ListBest(val Eval, epoch int) string {
	return fmt.Sprintf("F1µ %s @%d", figure(val, "f1_micro", "%.4f"), epoch)
}

func (multilabel) ListTest(test Eval) string { return "F1µ " + figure(test, "f1_micro", "%.4f") }

// WriteEval writes the metrics and the per-label table (precision,
// recall, F1, support, ROC-AUC, PR-AUC) with the micro, macro and
// weighted means, as sklearn's classification_report of an indicator
// matrix.
func (l multilabel) WriteEval(w io.Writer, ev Eval, _ int) {
	fmt.Fprintln(w, "metrics (↑ higher is better, ↓ lower; decisions at the model's threshold)")
	WriteMetrics(w, ev.Metrics, l.Metrics())
	if ev.Labels == nil {
		return
	}
	fmt.Fprintln(w)
	writeLabelReport(w, *ev.Labels, ev.TargetNames)
}

// writeLabelReport writes the per-label rows and their means.
func writeLabelReport(w io.Writer, r metrics.LabelReport, names []string) {
	names = labelNames(names, len(r.Labels))
	wn := len("weighted mean")
	for _, n := range names {
		wn = max(wn, len(n))
	}
	auc := func(v *float64) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf("%.4f", *v)
	}
	fmt.Fprintf(w, "%-*s  precision  recall      f1  support  roc_auc   pr_auc\n", wn, "label")
	row := func(label string, c metrics.Class, a, p string) {
		fmt.Fprintf(w, "%-*s  %9.4f  %6.4f  %6.4f  %7.6g  %7s  %7s\n", wn, label, c.Precision, c.Recall, c.F1, c.Support, a, p)
	}
	for j, c := range r.Labels {
		row(names[j], c, auc(r.ROCAUC[j]), auc(r.PRAUC[j]))
	}
	fmt.Fprintln(w)
	row("micro mean", r.Micro, "", "")
	mean := func(v []*float64) string {
		m := metrics.MeanDefined(v)
		return auc(&m)
	}
	row("macro mean", r.Macro, mean(r.ROCAUC), mean(r.PRAUC))
	row("weighted mean", r.Weighted, "", "")
	fmt.Fprintf(w, "subset accuracy %.4f, Hamming loss %.4f (support: rows with the label)\n", r.SubsetAccuracy, r.HammingLoss)
}

func (multilabel) Predicts(string) error { return nil }

func (multilabel) Reports(string, string) error { return nil }

// PredictColumns are nnfc predict's columns after the row index: the
// labels predicted (joined by LabelSep), then each label's probability.
func (multilabel) PredictColumns(s model.Spec, names []string) []string {
	cols := []string{"labels"}
	for _, n := range labelNames(names, s.Classes) {
		cols = append(cols, "p_"+n)
	}
	return cols
}

// AppendPrediction appends a row's fields (PredictColumns) to line; the
// CSV quoting of the labels is quote's.
func (multilabel) AppendPrediction(line []byte, s model.Spec, names []string, probs []float64, quote func([]byte, string) []byte) []byte {
	line = quote(line, predictedLabels(s, names, probs))
	for _, v := range probs {
		line = append(line, ',')
		line = strconv.AppendFloat(line, v, 'g', 6, 32)
	}
	return line
}

// predictedLabels joins the names of the labels whose probability
// reaches the model's threshold.
func predictedLabels(s model.Spec, names []string, probs []float64) string {
	names = labelNames(names, s.Classes)
	var on []string
	for j, p := range probs {
		if p >= s.Threshold {
			on = append(on, names[j])
		}
	}
	return strings.Join(on, LabelSep)
}

// A RowPredictor is a task whose nnfc predict rows are not one class and
// its probabilities (multilabel): PredictColumns names the fields after
// the row index, AppendPrediction appends them for one row's
// probabilities (net.Probs) with quote quoting a text field for CSV.
type RowPredictor interface {
	PredictColumns(s model.Spec, names []string) []string
	AppendPrediction(line []byte, s model.Spec, names []string, probs []float64, quote func([]byte, string) []byte) []byte
}

// Headlines: the micro F1 (with micro precision and recall), the subset
// accuracy (and how many rows have a wrong label) and the Hamming loss.
func (multilabel) Headlines(ev Eval) []Headline {
	wrong := ""
	if ev.Labels != nil {
		wrong = fmt.Sprintf(", %d with a wrong label", int(math.Round(float64(ev.N)*(1-ev.Labels.SubsetAccuracy))))
	}
	return []Headline{
		{Name: "micro F1", Value: figure(ev, "f1_micro", "%.4f"), Note: fmt.Sprintf("every label's decisions pooled: precision %s, recall %s",
			figure(ev, "precision_micro", "%.4f"), figure(ev, "recall_micro", "%.4f"))},
		{Name: "subset accuracy", Value: figure(ev, "subset_accuracy", "%.4f"), Note: fmt.Sprintf("rows with every label right; %d samples%s", ev.N, wrong)},
		{Name: "Hamming loss", Value: figure(ev, "hamming_loss", "%.4f"), Note: "share of wrong label decisions"},
	}
}

func (multilabel) EpochColumns() []EpochColumn {
	return []EpochColumn{{Head: "train F1 (micro)", Key: "train_f1_micro"},
		{Head: "val F1 (micro)", Key: "val_f1_micro", Val: true}, {Head: "val subset acc", Key: "val_subset_accuracy", Val: true},
		{Head: "val loss", Key: "val_loss", Val: true}}
}

// Curve: the micro F1, the train figure on a subsample.
func (multilabel) Curve() Curve {
	return Curve{Title: "F1 (micro)", Axis: "micro F1", Train: "train_f1_micro", Val: "val_f1_micro",
		TrainName: "train (a subsample)", Fraction: true}
}

func (multilabel) Pictures() string { return "" }

// Serve: each label's probability, the 0/1 decisions at the model's
// threshold (as the ONNX graph's labels output), and the labels set,
// joined by LabelSep.
func (multilabel) Serve(m Served) Answerer { return &labelAnswer{m: m} }

type labelAnswer struct{ m Served }

func (a *labelAnswer) Outputs() []Column {
	k := a.m.Spec.Classes
	return []Column{
		{Name: "probabilities", Datatype: a.m.floatType(), Shape: []int{-1, k}},
		{Name: "labels", Datatype: "INT64", Shape: []int{-1, k}},
		{Name: "label_names", Datatype: "BYTES", Shape: []int{-1}},
	}
}

func (a *labelAnswer) Answer(x []float32, n int) []Column {
	return a.answer(n, func(emit func(int, int32, []float64)) error { return a.m.Predict(x, n, emit) })
}

// Answer64: float64 rows through Predict64 (a float64 model's), as nnfc
// predict reads such a model's table rows (Dataset.X64).
func (a *labelAnswer) Answer64(x []float64, n int) []Column {
	return a.answer(n, func(emit func(int, int32, []float64)) error { return a.m.Predict64(x, n, emit) })
}

func (a *labelAnswer) answer(n int, predict func(emit func(int, int32, []float64)) error) []Column {
	k := a.m.Spec.Classes
	probs := Column{Name: "probabilities", Datatype: a.m.floatType(), Shape: []int{n, k}}
	if probs.Datatype == "FP64" {
		probs.F64 = make([]float64, n*k)
	} else {
		probs.F32 = make([]float32, n*k)
	}
	on := make([]int64, n*k)
	names := make([]string, n)
	err := predict(func(i int, _ int32, p []float64) {
		for j, v := range p {
			if v >= a.m.Spec.Threshold {
				on[i*k+j] = 1
			}
			if probs.F64 != nil {
				probs.F64[i*k+j] = v
			} else {
				probs.F32[i*k+j] = float32(v) // exact: the float32 sigmoid, widened and back
			}
		}
		names[i] = predictedLabels(a.m.Spec, a.m.Classes, p)
	})
	if err != nil {
		panic(err) // a multilabel model always predicts; nnfc serve reports it
	}
	return []Column{probs, {Name: "labels", Datatype: "INT64", Shape: []int{n, k}, I64: on}, {Name: "label_names", Datatype: "BYTES", Shape: []int{n}, Str: names}}
}
