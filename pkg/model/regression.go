package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/nnfc/nnfc/pkg/layers"
)

// KindRegression is a fully connected network predicting Spec.Targets
// numbers per row: the classifier's layers with a linear output of one
// unit per target column, trained with Spec.Loss (mse, mae, or huber
// with Spec.HuberDelta) against the float target of each row
// (layers.Target.Value). Its outputs are in the standardized units the
// target was trained in; the data's scaling (stored with the model's
// preprocessing) maps them back.
const KindRegression = "regression"

// regression is the Kind of the regression network: a classifier's
// layers, tensors and file versions, with its own output width and loss.
type regression struct{ classifier }

func (regression) Name() string { return KindRegression }

func (regression) Validate(s Spec) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	validateSequential(s, bad)
	if s.Targets < 1 {
		bad("targets: must be ≥ 1, got %d", s.Targets)
	}
	if s.Classes != 0 {
		bad("classes: must be 0 for a regression (it has targets), got %d", s.Classes)
	}
	if !slices.Contains(layers.RegressionLosses, s.Loss) {
		bad("loss: unknown %q for a regression, want one of %v", s.Loss, layers.RegressionLosses)
	}
	switch {
	case s.Loss == "huber" && (!(s.HuberDelta > 0) || math.IsInf(s.HuberDelta, 0)):
		bad("huber_delta: must be a finite number > 0 with loss huber, got %g", s.HuberDelta)
	case s.Loss != "huber" && s.HuberDelta != 0:
		bad("huber_delta: applies to loss huber only, got %g with loss %s", s.HuberDelta, s.Loss)
	}
	return errs
}

func (regression) Dims(s Spec) []int {
	return append(append([]int{s.InputDim}, s.Hidden...), s.Targets)
}

func (regression) LayerNames(s Spec) []string {
	names := classifier{}.LayerNames(s)
	names[len(names)-1] = "outputs"
	return names
}

// newRegression builds the network a valid regression spec describes.
func newRegression[T layers.Float](spec Spec, rng *rand.Rand) (*Net[T], error) {
	loss, err := layers.NewRegressionLoss[T](spec.Loss, spec.HuberDelta)
	if err != nil {
		return nil, err
	}
	return newSequential(spec, rng, loss)
}
