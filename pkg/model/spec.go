package model

import "errors"

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
	// ClassWeights, when set, weigh each class in the loss (a classifier
	// with softmax: one per class; binary: negative, positive), as
	// train.class_weights resolved them on the training split; a resumed
	// run trains with these.
	ClassWeights []float64 `json:"class_weights,omitempty"`
	// PosWeight and Threshold are the sigmoid kinds' (binary.go).
	PosWeight float64 `json:"pos_weight,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
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
