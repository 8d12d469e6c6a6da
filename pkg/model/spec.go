package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Spec describes a network: a fully connected classifier, or another kind
// of model (Kinds; kind.go).
type Spec struct {
	// Kind is one of Kinds ("" is classifier); the kind's file says which
	// fields it uses (autoencoder.go: CodeDim, one activation, no classes).
	Kind     string `json:"kind,omitempty"`
	CodeDim  int    `json:"code_dim,omitempty"`
	InputDim int    `json:"input_dim"`
	Hidden   []int  `json:"hidden"`
	// Activations has one name per hidden layer (see layers.Activations).
	Activations []string `json:"activations"`
	// LeakyAlpha is the negative slope of leaky_relu.
	LeakyAlpha float64 `json:"leaky_alpha,omitempty"`
	Classes    int     `json:"classes"`
	// Targets is a regression's number of outputs, one per target
	// column (data.Dataset.K).
	Targets int    `json:"targets,omitempty"`
	Loss    string `json:"loss"` // softmax | svm | mse; a regression's mse | mae | huber
	// HuberDelta is the threshold of a regression's huber loss.
	HuberDelta float64 `json:"huber_delta,omitempty"`
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
	// ClassWeights, when set, weigh each class in the loss (a classifier
	// with softmax: one per class; binary: negative, positive), as
	// train.class_weights resolved them on the training split; a resumed
	// run trains with these.
	ClassWeights []float64 `json:"class_weights,omitempty"`
	// PosWeight and Threshold are the sigmoid kinds' (binary.go).
	PosWeight float64 `json:"pos_weight,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	// LabelSmoothing is the ε of a softmax classifier's smoothed targets
	// (layers.SmoothedSoftmaxCrossEntropy; PyTorch's label_smoothing);
	// 0 is plain cross-entropy.
	LabelSmoothing float64 `json:"label_smoothing,omitempty"`
	// Embed lists the input columns that hold a category index (a table's
	// categorical columns encoded "embed", pkg/data), each looked up in a
	// learned Vocab×Dim table by a layers.Embedding, the network's first
	// layer: the first affine layer takes the other inputs, in order, then
	// each table's row, so Dims()[0] = InputDim − len(Embed) + Σ Dim. The
	// tables are the tensors embed.K.weight, initialized N(0, 1) as
	// PyTorch's nn.Embedding, and L2-regularized as weights are.
	Embed []layers.EmbedColumn `json:"embed,omitempty"`
}

// Validate reports every problem with the spec, each naming its field.
func (s Spec) Validate() error {
	k, err := KindOf(s)
	if err != nil {
		return err
	}
	return errors.Join(k.Validate(s)...)
}

// Dims returns the layer widths: input, hidden..., output.
func (s Spec) Dims() []int { return s.kind().Dims(s) }

// NumParams is the number of learnable scalars (batch normalization's
// running statistics are not learnable and not counted).
func (s Spec) NumParams() int { return s.kind().NumParams(s) }

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
func (s Spec) TensorShapes() []TensorShape { return s.kind().TensorShapes(s) }

// Values is the number of values the network's tensors hold: parameters
// and batch normalization's running statistics. It is a float64 so that
// the spec of a corrupt or hostile file cannot overflow it.
func (s Spec) Values() float64 {
	n := 0.0
	for _, t := range s.TensorShapes() {
		v := 1.0
		for _, d := range t.Shape {
			v *= float64(d)
		}
		n += v
	}
	return n
}

// Largest embedding a spec may have: a category index must be exact in
// float32 (2^24), and a table row at most MaxEmbedDim wide.
const (
	MaxEmbedVocab = 1 << 24
	MaxEmbedDim   = data.MaxEmbedDim
)

// CheckIndices reports the first value of x (rows of s.InputDim inputs,
// named name) in an index column of s.Embed that is not a category index
// of its table (an integer in [0, Vocab)), naming the row and the column.
// An embedding panics on such an index (a programmer error once inputs
// are checked): a model's inputs from outside are checked here first.
func CheckIndices[T layers.Float](s Spec, name string, x []T) error {
	D := s.InputDim
	if len(s.Embed) == 0 || D <= 0 {
		return nil
	}
	for i := 0; i+D <= len(x); i += D {
		for k, c := range s.Embed {
			v := float64(x[i+c.Col])
			if !(v >= 0 && v < float64(c.Vocab)) || v != math.Trunc(v) {
				return fmt.Errorf("%s: sample %d, input %d: %v is not a category index of embedding %d (an integer in 0..%d)", name, i/D, c.Col, v, k, c.Vocab-1)
			}
		}
	}
	return nil
}

// embedWidth is the width of the first affine layer's input: the inputs
// that are not category indices, and every embedding's row.
func (s Spec) embedWidth() int {
	w := s.InputDim - len(s.Embed)
	for _, c := range s.Embed {
		w += c.Dim
	}
	return w
}

// validateEmbed reports the problems of s.Embed, each naming its entry.
func (s Spec) validateEmbed() []error {
	var errs []error
	seen := map[int]bool{}
	for k, c := range s.Embed {
		bad := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("embed[%d]: %s", k, fmt.Sprintf(format, a...)))
		}
		switch {
		case c.Col < 0 || c.Col >= s.InputDim:
			bad("input column %d, the network has inputs 0..%d", c.Col, s.InputDim-1)
		case seen[c.Col]:
			bad("input column %d is embedded twice", c.Col)
		}
		seen[c.Col] = true
		if c.Vocab < 1 || c.Vocab > MaxEmbedVocab {
			bad("vocab must be in 1..%d, got %d", MaxEmbedVocab, c.Vocab)
		}
		if c.Dim < 1 || c.Dim > MaxEmbedDim {
			bad("dim must be in 1..%d, got %d", MaxEmbedDim, c.Dim)
		}
	}
	return errs
}
