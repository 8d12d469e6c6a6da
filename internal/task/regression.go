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

// regression predicts one or several numbers per row (data.target: a
// column or a list of columns of a table): the classifier's layers with a
// linear output of one unit per target, the loss mse (default), mae or
// huber (model.huber_delta, default 1 like PyTorch's), trained on targets
// standardized on the training split. Its metrics are RMSE, MAE and R²
// per target, in the data's units; it monitors the validation RMSE.
type regression struct{}

func (regression) Name() string { return model.KindRegression }

// DefaultHuberDelta is model.huber_delta's default: PyTorch's
// nn.HuberLoss(delta=1.0), in the standardized units the targets are
// trained in (one training-split standard deviation).
const DefaultHuberDelta = 1.0

// Defaults: loss mse, huber_delta 1 with loss huber, monitoring the
// validation RMSE (in the data's units; lower is better).
func (regression) Defaults(m *Model, monitor *string, set map[string]bool) {
	if !set["model.loss"] {
		m.Loss = "mse"
	}
	if !set["model.huber_delta"] && m.Loss == "huber" {
		m.HuberDelta = DefaultHuberDelta
	}
	if !set["train.monitor"] {
		*monitor = "val_rmse"
	}
}

func (regression) Check(m Model, _ string, set map[string]bool, bad Bad) {
	if set["model.code_dim"] {
		bad("model.code_dim", "applies only to model.task autoencoder")
	}
	if set["model.label_smoothing"] {
		bad("model.label_smoothing", "applies only to model.task classification (model.loss softmax)")
	}
	if len(m.Activations) == 0 && !slices.Contains(layers.Activations, m.Activation) {
		bad("model.activation", "must be one of %s, got %q", strings.Join(layers.Activations, ", "), m.Activation)
	}
	if !slices.Contains(layers.RegressionLosses, m.Loss) {
		bad("model.loss", "must be one of %s with model.task regression, got %q", strings.Join(layers.RegressionLosses, ", "), m.Loss)
	}
	switch {
	case m.Loss == "huber" && (!(m.HuberDelta > 0) || math.IsInf(m.HuberDelta, 0)):
		bad("model.huber_delta", "must be a number > 0 (in training-split standard deviations of the target), got %g", m.HuberDelta)
	case m.Loss != "huber" && set["model.huber_delta"]:
		bad("model.huber_delta", "applies only to model.loss huber")
	}
}

// Takes: model.huber_delta (with model.loss huber, checked in Check).
func (regression) Takes() []string { return []string{"model.huber_delta"} }

func (regression) Omit() []string {
	return []string{"model.code_dim", "model.label_smoothing", "model.pos_weight", "model.threshold"}
}

func (regression) Spec(m Model, inputDim, _, targets int) model.Spec {
	s := model.Spec{Kind: model.KindRegression,
		InputDim: inputDim, Hidden: m.Hidden, Activations: m.ActivationList(),
		LeakyAlpha: m.LeakyAlpha, Targets: targets, Loss: m.Loss,
		Init: m.Init, WeightScale: m.WeightScale, Reg: m.Reg,
		BatchNorm: m.BatchNorm, Dropout: m.Dropout,
	}
	if m.Loss == "huber" {
		s.HuberDelta = m.HuberDelta
	}
	return s
}

func (regression) CheckData(s model.Spec, data string) error {
	if s.Targets < 1 {
		return fmt.Errorf("data.target: %s has no numeric target, and model.task regression predicts numbers (data.target names the column(s), data.source table)", data)
	}
	return nil
}

func (regression) Labelled() bool { return true }

func (regression) Target() string { return data.TargetNumber }

// Metrics: RMSE, MAE and R², each the mean over the targets.
func (regression) Metrics() []string { return []string{"rmse", "mae", "r2"} }

// Gradcheck: residuals kept off the losses' kinks, biases off ReLU's.
func (regression) Gradcheck(s model.Spec, seed uint64) (suite.Check, error) {
	return suite.ForSpec(s, seed, s.Loss, suite.ValueBatch), nil
}

func (regression) NewMeter(_ int, curves bool) Meter { return &regMeter{curves: curves} }

// regMeter keeps every output and target (in the data's units) and
// computes RMSE, MAE and R² per target at the end (pkg/metrics).
type regMeter struct {
	k              int
	out, target    []float64
	weight         []float64
	weighted, seen bool
	curves         bool
}

func (*regMeter) Argmax() bool  { return false }
func (*regMeter) Outputs() bool { return true }

func (m *regMeter) Add(b Batch) {
	if !m.seen {
		m.k, m.weighted, m.seen = b.K, b.Weight != nil, true
	}
	if b.K != m.k || b.Cols != m.k {
		panic(fmt.Sprintf("task: regression meter: %d outputs and %d targets per row, expected %d", b.Cols, b.K, m.k))
	}
	m.out = append(m.out, b.Out...)
	m.target = append(m.target, b.Target...)
	if m.weighted {
		m.weight = append(m.weight, b.Weight...)
	}
}

// Done: per target and their means (sklearn's uniform_average) into
// Eval.Metrics; with curves, the values for the report's pictures.
func (m *regMeter) Done(ev *Eval, _ int) {
	if m.k == 0 || len(m.target) == 0 {
		return
	}
	var w []float64
	if m.weighted {
		w = m.weight
	}
	ev.Targets = metrics.Regress(m.target, m.out, m.k, w)
	mean := metrics.Mean(ev.Targets)
	ev.Metrics = map[string]float64{}
	metrics.Put(ev.Metrics, "rmse", mean.RMSE)
	metrics.Put(ev.Metrics, "mae", mean.MAE)
	metrics.Put(ev.Metrics, "r2", mean.R2)
	if m.curves {
		ev.Curves = &Curves{Actual: m.target, Predicted: m.out, K: m.k}
	}
}

// figure is ev's metric name ("rmse") as text, "–" when undefined.
func figure(ev Eval, name, format string) string {
	if v, ok := ev.Metrics[name]; ok {
		return fmt.Sprintf(format, v)
	}
	return "–"
}

func (regression) EpochLine(loss float64, l2 string, train, val Eval) string {
	return fmt.Sprintf("loss %.4f%s  train_rmse %s  val_rmse %s  val_r2 %s  val_loss %.4f", loss, l2,
		figure(train, "rmse", "%.4g"), figure(val, "rmse", "%.4g"), figure(val, "r2", "%.4f"), val.Loss)
}

func (regression) Best(val Eval) string {
	return fmt.Sprintf("val_rmse %s (val_r2 %s)", figure(val, "rmse", "%.4g"), figure(val, "r2", "%.4f"))
}

func (regression) Test(test Eval) string {
	return fmt.Sprintf("test RMSE %s, MAE %s, R² %s (%d samples, the data's units), test loss %.4f (data loss, like val_loss; L2 term %.4f)",
		figure(test, "rmse", "%.4g"), figure(test, "mae", "%.4g"), figure(test, "r2", "%.4f"), test.N, test.Loss, test.RegLoss)
}

func (regression) ListBest(val Eval, epoch int) string {
	return fmt.Sprintf("R² %s @%d", figure(val, "r2", "%.3f"), epoch)
}

func (regression) ListTest(test Eval) string { return "R² " + figure(test, "r2", "%.3f") }

// WriteEval writes RMSE, MAE and R² per target, in the data's units, and
// their means over the targets when there are several.
func (regression) WriteEval(w io.Writer, ev Eval, _ int) {
	wn := len("target")
	for _, n := range ev.TargetNames {
		wn = max(wn, len(n))
	}
	fmt.Fprintf(w, "%-*s  %12s  %12s  %8s\n", wn, "target", "RMSE", "MAE", "R²")
	for j, t := range ev.Targets {
		name := fmt.Sprint(j)
		if j < len(ev.TargetNames) {
			name = ev.TargetNames[j]
		}
		fmt.Fprintf(w, "%-*s  %12.6g  %12.6g  %8.4f\n", wn, name, t.RMSE, t.MAE, t.R2)
	}
	if len(ev.Targets) > 1 {
		m := metrics.Mean(ev.Targets)
		fmt.Fprintf(w, "%-*s  %12.6g  %12.6g  %8.4f\n", wn, "(mean)", m.RMSE, m.MAE, m.R2)
	}
}

// Predicts: nnfc predict writes each row's values in the data's units,
// one column per target, named after it (infer.Model.Values).
func (regression) Predicts(string) error { return nil }

func (regression) Reports(string, string) error { return nil }

// Curve: the RMSE in the data's units, the train figure on a subsample.
func (regression) Curve() Curve {
	return Curve{Title: "RMSE", Axis: "RMSE (the target's units)", Train: "train_rmse", Val: "val_rmse", TrainName: "train (a subsample)"}
}

func (regression) Pictures() string { return "" }

// Serve: the predicted numbers in the data's units, one column per
// target, named after it.
func (regression) Serve(m Served) Answerer {
	if m.Net64 != nil {
		return &valueAnswer[float64]{net: m.Net64, m: m}
	}
	return &valueAnswer[float32]{net: m.Net32, m: m}
}

type valueAnswer[T layers.Float] struct {
	net *model.Net[T]
	m   Served
	buf layers.Matrix[T]
}

func (a *valueAnswer[T]) Outputs() []Column {
	return []Column{{Name: "predictions", Datatype: "FP64", Shape: []int{-1, a.m.Spec.Targets}}}
}

func (a *valueAnswer[T]) Answer(x []float32, n int) []Column {
	return a.answer(input(&a.buf, x, n, a.m.Spec.InputDim), n)
}

func (a *valueAnswer[T]) Answer64(x []float64, n int) []Column {
	return a.answer(input64(&a.buf, x, n, a.m.Spec.InputDim), n)
}

func (a *valueAnswer[T]) answer(in *layers.Matrix[T], n int) []Column {
	out := a.net.Infer(in)
	c := Column{Name: "predictions", Datatype: "FP64", Shape: []int{n, out.Cols}, F64: make([]float64, n*out.Cols)}
	for i, v := range out.Data[:n*out.Cols] {
		c.F64[i] = float64(v)
	}
	if a.m.TargetMean != nil {
		Unscale(c.F64, a.m.TargetMean, a.m.TargetStd)
	}
	return []Column{c}
}
