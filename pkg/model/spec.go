package model

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/nnfc/nnfc/pkg/layers"
)

// Spec describes a fully connected network, or (Kind autoencoder) the
// seed's tied-weight autoencoder.
type Spec struct {
	// Kind is "" or classifier, or autoencoder: then CodeDim is the code
	// width m, Activations holds its one activation f (or identity), the
	// loss is the reconstruction ½‖f(Wᵀf(Wx)) − x‖² and Classes is 0.
	Kind     string `json:"kind,omitempty"`
	CodeDim  int    `json:"code_dim,omitempty"`
	InputDim int    `json:"input_dim"`
	Hidden   []int  `json:"hidden"`
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
	// BatchNorm puts a batch normalization layer (PyTorch's BatchNorm1d)
	// between each hidden affine layer and its activation. Its γ and β
	// are learnable (no L2 term); its running mean and variance are
	// saved in the model file.
	BatchNorm bool `json:"batchnorm,omitempty"`
	// Dropout is the drop probability (PyTorch's nn.Dropout(p), not the
	// course's keep probability) of an inverted dropout layer after each
	// hidden activation; 0 means no dropout layers.
	Dropout float64 `json:"dropout,omitempty"`
}

// Validate reports every problem with the spec, each naming its field.
func (s Spec) Validate() error {
	switch s.Kind {
	case "", KindClassifier:
	case KindAutoencoder:
		return errors.Join(s.validateAutoencoder()...)
	default:
		return fmt.Errorf("kind: unknown %q, want %s or %s", s.Kind, KindClassifier, KindAutoencoder)
	}
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.InputDim <= 0 {
		bad("input_dim: must be > 0, got %d", s.InputDim)
	}
	if len(s.Hidden) > MaxHidden {
		bad("hidden: %d layers, at most %d are allowed", len(s.Hidden), MaxHidden)
	}
	for i, h := range s.Hidden[:min(len(s.Hidden), MaxHidden)] {
		if h <= 0 {
			bad("hidden[%d]: must be > 0, got %d", i, h)
		}
	}
	if len(s.Activations) != len(s.Hidden) {
		bad("activations: need one per hidden layer (%d), got %d", len(s.Hidden), len(s.Activations))
	}
	for i, a := range s.Activations[:min(len(s.Activations), MaxHidden)] {
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
	if !(s.Dropout >= 0 && s.Dropout < 1) {
		bad("dropout: must be in [0,1), got %g", s.Dropout)
	}
	if len(s.Hidden) == 0 {
		if s.BatchNorm {
			bad("batchnorm: applies to hidden layers, and there are none")
		}
		if s.Dropout > 0 {
			bad("dropout: applies to hidden layers, and there are none")
		}
	}
	return errors.Join(errs...)
}

// Dims returns the layer widths: input, hidden..., classes.
func (s Spec) Dims() []int {
	if s.IsAutoencoder() {
		return []int{s.InputDim, s.CodeDim, s.InputDim}
	}
	return append(append([]int{s.InputDim}, s.Hidden...), s.Classes)
}

// NumParams is the number of learnable scalars (batch normalization's
// running statistics are not learnable and not counted).
func (s Spec) NumParams() int {
	if s.IsAutoencoder() {
		return s.CodeDim * s.InputDim
	}
	d := s.Dims()
	n := 0
	for i := 0; i+1 < len(d); i++ {
		n += d[i]*d[i+1] + d[i+1]
	}
	if s.BatchNorm {
		for _, h := range s.Hidden {
			n += 2 * h // γ and β
		}
	}
	return n
}

// MaxHidden is the most hidden layers a spec may have.
const MaxHidden = 1000

// TensorShape names one tensor of a network and its shape.
type TensorShape struct {
	Name  string
	Shape []int
}

// TensorShapes lists the tensors of the network New builds from s (names
// and shapes, in state_dict order, as Tensors returns them) without
// building it: a model file's tensors are checked against it before any
// weight is allocated.
func (s Spec) TensorShapes() []TensorShape {
	if s.IsAutoencoder() {
		return []TensorShape{{WeightName, []int{s.CodeDim, s.InputDim}}}
	}
	var ts []TensorShape
	dims := s.Dims()
	k := 0 // module index, as nn.Sequential numbers them
	for i := 0; i+1 < len(dims); i++ {
		p := strconv.Itoa(k) + "."
		ts = append(ts, TensorShape{p + "weight", []int{dims[i+1], dims[i]}}, TensorShape{p + "bias", []int{dims[i+1]}})
		k++
		if i < len(s.Hidden) {
			if s.BatchNorm {
				p := strconv.Itoa(k) + "."
				for _, n := range []string{"weight", "bias", "running_mean", "running_var"} {
					ts = append(ts, TensorShape{p + n, []int{dims[i+1]}})
				}
				k++
			}
			k++ // activation
			if s.Dropout > 0 {
				k++
			}
		}
	}
	return ts
}

// Values is the number of values the network's tensors hold: parameters
// and batch normalization's running statistics. It is a float64 so that
// the spec of a corrupt or hostile file cannot overflow it.
func (s Spec) Values() float64 {
	if s.IsAutoencoder() {
		return float64(s.CodeDim) * float64(s.InputDim)
	}
	d := s.Dims()
	n := 0.0
	for i := 0; i+1 < len(d); i++ {
		n += float64(d[i])*float64(d[i+1]) + float64(d[i+1])
	}
	if s.BatchNorm {
		for _, h := range s.Hidden {
			n += 4 * float64(h) // γ, β, running mean and variance
		}
	}
	return n
}
