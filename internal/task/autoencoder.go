package task

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/gradcheck/suite"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/metrics"
	"github.com/nnfc/nnfc/pkg/model"
)

// autoencoder is the seed's tied-weight autoencoder: its target is its
// input, its metric the reconstruction MSE per input entry, and it
// monitors the validation loss (it has no accuracy).
type autoencoder struct{}

func (autoencoder) Name() string { return model.KindAutoencoder }

// Defaults: the identity activation, no hidden layers, and monitoring the
// validation loss.
func (autoencoder) Defaults(m *Model, monitor *string, set map[string]bool) {
	if !set["model.activation"] {
		m.Activation = model.Identity
	}
	if !set["model.hidden"] {
		m.Hidden = nil
	}
	if !set["train.monitor"] {
		*monitor = "val_loss"
	}
}

// Check reports the keys that do not fit model.kind autoencoder.
// model.code_dim below the input dimension is checked when the data is
// read (CheckData).
func (autoencoder) Check(m Model, _ string, set map[string]bool, bad Bad) {
	if m.CodeDim <= 0 {
		bad("model.code_dim", "must be > 0 with model.kind autoencoder (the code width m), got %d", m.CodeDim)
	}
	acts := append([]string{model.Identity}, layers.Activations...)
	if !slices.Contains(acts, m.Activation) {
		bad("model.activation", "must be one of %s with model.kind autoencoder, got %q", strings.Join(acts, ", "), m.Activation)
	}
	for k, used := range map[string]bool{"model.hidden": len(m.Hidden) > 0, "model.activations": len(m.Activations) > 0,
		"model.loss": set["model.loss"], "model.batchnorm": m.BatchNorm, "model.dropout": m.Dropout > 0, "model.label_smoothing": m.LabelSmoothing > 0} {
		if used {
			bad(k, "does not apply to model.kind autoencoder (its one layer is the code, model.code_dim; its loss the reconstruction error)")
		}
	}
	if set["data.weight_column"] {
		bad("data.weight_column", "does not apply to model.kind autoencoder")
	}
}

func (autoencoder) Omit() []string {
	return []string{"model.hidden", "model.activations", "model.loss", "model.batchnorm", "model.dropout", "model.label_smoothing", "model.pos_weight", "model.threshold", "model.huber_delta"}
}

func (autoencoder) Spec(m Model, inputDim, _, _ int) model.Spec {
	return model.Spec{Kind: model.KindAutoencoder, InputDim: inputDim, CodeDim: m.CodeDim,
		Activations: []string{m.Activation}, LeakyAlpha: m.LeakyAlpha,
		Init: m.Init, WeightScale: m.WeightScale, Reg: m.Reg}
}

func (autoencoder) CheckData(s model.Spec, data string) error {
	if s.CodeDim >= s.InputDim {
		return fmt.Errorf("model.code_dim: must be below the input dimension %d of %s, got %d", s.InputDim, data, s.CodeDim)
	}
	return nil
}

func (autoencoder) Labelled() bool { return false }

// Target: an autoencoder's target is its input; its data's labels are
// classes (read, not trained on).
func (autoencoder) Target() string { return data.TargetClass }

// Metrics: the reconstruction MSE per entry (it has no accuracy).
func (autoencoder) Metrics() []string { return []string{"mse"} }

// Gradcheck: the target is the input; with relu or leaky_relu, no bias
// keeps the pre-activations off the kink at 0.
func (autoencoder) Gradcheck(s model.Spec, seed uint64) (suite.Check, error) {
	if a := s.Activations[0]; a == "relu" || a == "leaky_relu" {
		return suite.Check{}, fmt.Errorf("model.activation %s: an autoencoder has no bias to keep its pre-activations off the kink at 0, so finite differences cannot check it; nnfc gradcheck --only layer/%s --only net/autoencoder checks its parts", a, a)
	}
	return suite.ForSpec(s, seed, "autoencoder", suite.InputBatch), nil
}

func (autoencoder) NewMeter(int, bool) Meter { return mseMeter{} }

// mseMeter turns the reconstruction loss ½‖r − x‖² per sample into the
// MSE per input entry.
type mseMeter struct{}

func (mseMeter) Argmax() bool  { return false }
func (mseMeter) Outputs() bool { return false }
func (mseMeter) Add(Batch)     {}

func (mseMeter) Done(ev *Eval, inputDim int) {
	if ev.N > 0 {
		ev.MSE = 2 * ev.Loss / float64(inputDim)
		ev.Metrics = map[string]float64{}
		metrics.Put(ev.Metrics, "mse", ev.MSE)
	}
}

func (autoencoder) EpochLine(loss float64, l2 string, train, val Eval) string {
	if val.N == 0 {
		return fmt.Sprintf("loss %.5f%s  train_mse %.6f  (no validation split)", loss, l2, train.MSE)
	}
	return fmt.Sprintf("loss %.5f%s  train_mse %.6f  val_mse %.6f  val_loss %.5f", loss, l2, train.MSE, val.MSE, val.Loss)
}

func (autoencoder) Best(val Eval) string { return fmt.Sprintf("val_mse %.6f", val.MSE) }

func (autoencoder) Test(test Eval) string {
	return fmt.Sprintf("test reconstruction MSE %.6f per entry (%d samples), test loss %.5f (data loss, like val_loss; L2 term %.4f)",
		test.MSE, test.N, test.Loss, test.RegLoss)
}

func (autoencoder) ListBest(val Eval, epoch int) string {
	return fmt.Sprintf("mse %.5f @%d", val.MSE, epoch)
}

func (autoencoder) ListTest(test Eval) string { return fmt.Sprintf("mse %.5f", test.MSE) }

// WriteEval: the loss is the mean of ½‖r − x‖² per sample; the MSE is
// per input entry, in the normalized units the model sees.
func (autoencoder) WriteEval(w io.Writer, ev Eval, inputDim int) {
	fmt.Fprintf(w, "reconstruction MSE  %.6f per entry (mean of (r − x)² over %d samples × %d inputs, normalized units)\n", ev.MSE, ev.N, inputDim)
}

func (autoencoder) Predicts(path string) error {
	return fmt.Errorf("%s: an autoencoder predicts no classes; use nnfc eval for its reconstruction error, nnfc embed --layer code for its codes", path)
}

func (autoencoder) Reports(path, dir string) error {
	return fmt.Errorf("%s: an autoencoder (model.kind autoencoder): nnfc report covers classifiers; nnfc plot --run %s draws its reconstruction curves and images", path, dir)
}

// Serve: the reconstruction, in the data's units (the stored
// normalization undone), and the code f(x·Wᵀ).
func (autoencoder) Serve(m Served) Answerer {
	if m.Net64 != nil {
		return &codeAnswer[float64]{net: m.Net64, m: m}
	}
	return &codeAnswer[float32]{net: m.Net32, m: m}
}

type codeAnswer[T layers.Float] struct {
	net *model.Net[T]
	m   Served
	buf layers.Matrix[T]
}

func (a *codeAnswer[T]) Outputs() []Column {
	dt := a.m.floatType()
	return []Column{
		{Name: "reconstruction", Datatype: dt, Shape: []int{-1, a.m.Spec.InputDim}},
		{Name: "code", Datatype: dt, Shape: []int{-1, a.m.Spec.CodeDim}},
	}
}

func (a *codeAnswer[T]) Answer(x []float32, n int) []Column {
	D := a.m.Spec.InputDim
	in := input(&a.buf, x, n, D)
	code := columnOf("code", a.net.Code(in))
	rec := columnOf("reconstruction", a.net.Scores(in))
	if norm := a.m.Norm; norm != nil {
		// x' = (x − shift)·scale, so x = x'/scale + shift.
		for i := range rec.F32 {
			j := i % D
			rec.F32[i] = rec.F32[i]/norm.Scale[j] + norm.Shift[j]
		}
		for i := range rec.F64 {
			j := i % D
			rec.F64[i] = rec.F64[i]/float64(norm.Scale[j]) + float64(norm.Shift[j])
		}
	}
	return []Column{rec, code}
}

// Curve: the reconstruction MSE (an autoencoder has no accuracy).
func (autoencoder) Curve() Curve {
	return Curve{Title: "reconstruction MSE", Axis: "MSE per input entry", Train: "train_mse", Val: "val_mse", TrainName: "train"}
}

// Pictures: reconstructions.png and weights.png, of 28×28 images.
func (autoencoder) Pictures() string { return "autoencoder" }
