package model

import (
	"errors"
	"fmt"
	"slices"

	"github.com/nnfc/nnfc/pkg/layers"
)

// Spec describes a fully connected network.
type Spec struct {
	InputDim int   `json:"input_dim"`
	Hidden   []int `json:"hidden"`
	// Activations has one name per hidden layer (see layers.Activations).
	Activations []string `json:"activations"`
	// LeakyAlpha is the negative slope of leaky_relu.
	LeakyAlpha float64 `json:"leaky_alpha,omitempty"`
	Classes    int     `json:"classes"`
	Loss       string  `json:"loss"` // softmax | svm | mse
	Init       string  `json:"init"` // he | xavier | normal
	// WeightScale is the standard deviation of the "normal" initializer.
	WeightScale float64 `json:"weight_scale,omitempty"`
	// Reg is the L2 strength: the loss gains 0.5·Reg·ΣW² over weights
	// (not biases), as in the course code.
	Reg float64 `json:"reg"`
}

// Validate reports every problem with the spec, each naming its field.
func (s Spec) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.InputDim <= 0 {
		bad("input_dim: must be > 0, got %d", s.InputDim)
	}
	for i, h := range s.Hidden {
		if h <= 0 {
			bad("hidden[%d]: must be > 0, got %d", i, h)
		}
	}
	if len(s.Activations) != len(s.Hidden) {
		bad("activations: need one per hidden layer (%d), got %d", len(s.Hidden), len(s.Activations))
	}
	for i, a := range s.Activations {
		if !slices.Contains(layers.Activations, a) {
			bad("activations[%d]: unknown %q, want one of %v", i, a, layers.Activations)
		}
	}
	if s.Classes < 2 {
		bad("classes: must be ≥ 2, got %d", s.Classes)
	}
	if !slices.Contains(layers.Losses, s.Loss) {
		bad("loss: unknown %q, want one of %v", s.Loss, layers.Losses)
	}
	if !slices.Contains(layers.Inits, s.Init) {
		bad("init: unknown %q, want one of %v", s.Init, layers.Inits)
	}
	if s.Init == layers.InitNormal && !(s.WeightScale > 0) {
		bad("weight_scale: must be > 0 with init normal, got %g", s.WeightScale)
	}
	if !(s.Reg >= 0) {
		bad("reg: must be ≥ 0, got %g", s.Reg)
	}
	if s.LeakyAlpha < 0 || s.LeakyAlpha >= 1 {
		bad("leaky_alpha: must be in [0,1), got %g", s.LeakyAlpha)
	}
	return errors.Join(errs...)
}

// Dims returns the layer widths: input, hidden..., classes.
func (s Spec) Dims() []int {
	return append(append([]int{s.InputDim}, s.Hidden...), s.Classes)
}

// NumParams is the number of learnable scalars.
func (s Spec) NumParams() int {
	d := s.Dims()
	n := 0
	for i := 0; i+1 < len(d); i++ {
		n += d[i]*d[i+1] + d[i+1]
	}
	return n
}
