package layers

// Param is a learnable tensor: its value and the gradient of the loss with
// respect to it, side by side. Shape is [out, in] for a weight matrix and
// [out] for a bias, as in PyTorch's nn.Linear. Data and Grad may be views
// into one flat buffer owned by a network (see pkg/model).
type Param[T Float] struct {
	Name  string
	Shape []int
	Data  []T
	Grad  []T
	// Decay says whether L2 regularization applies (weights yes, biases no).
	Decay bool
}

// NewParam returns a zeroed parameter of the given shape.
func NewParam[T Float](name string, decay bool, shape ...int) *Param[T] {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return &Param[T]{Name: name, Shape: shape, Data: make([]T, n), Grad: make([]T, n), Decay: decay}
}

// Size is the number of elements.
func (p *Param[T]) Size() int { return len(p.Data) }

// ZeroGrad sets the gradient to zero. Layers accumulate (+=) into Grad, so
// it is zeroed once per step before the backward pass.
func (p *Param[T]) ZeroGrad() { clear(p.Grad) }

// AsMatrix views a 2-D parameter's value (or gradient, with grad=true) as a
// Matrix without copying.
func (p *Param[T]) AsMatrix(grad bool) *Matrix[T] {
	if len(p.Shape) != 2 {
		panic("layers: AsMatrix of a parameter that is not 2-D: " + p.Name)
	}
	d := p.Data
	if grad {
		d = p.Grad
	}
	return &Matrix[T]{Rows: p.Shape[0], Cols: p.Shape[1], Data: d}
}
