package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/layers"
)

// Net is a sequential fully connected network over element type T.
type Net[T layers.Float] struct {
	Spec   Spec
	Layers []layers.Layer[T]
	Affine []*layers.Affine[T] // the affine layers, in order
	loss   layers.Loss[T]

	params     []*layers.Param[T]
	data, grad []T // every parameter's value / gradient, back to back
	dscores    *layers.Matrix[T]
	scores     *layers.Matrix[T] // output of the last forward pass
}

// New builds the network a valid spec describes and initializes its
// weights from rng; with a nil rng every parameter starts at zero (for
// loading weights from a file).
func New[T layers.Float](spec Spec, rng *rand.Rand) (*Net[T], error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	n := &Net[T]{Spec: spec, dscores: &layers.Matrix[T]{}}
	dims := spec.Dims()
	for i := 0; i+1 < len(dims); i++ {
		a := layers.NewAffine[T](fmt.Sprintf("%d.", len(n.Layers)), dims[i], dims[i+1])
		if rng != nil {
			if err := layers.InitAffine(a, spec.Init, spec.WeightScale, rng); err != nil {
				return nil, err
			}
		}
		n.Layers = append(n.Layers, a)
		n.Affine = append(n.Affine, a)
		if i < len(spec.Hidden) {
			act, err := layers.NewActivation[T](spec.Activations[i], spec.LeakyAlpha)
			if err != nil {
				return nil, err
			}
			n.Layers = append(n.Layers, act)
		}
	}
	n.Affine[0].SkipInputGrad = true
	loss, err := layers.NewLoss[T](spec.Loss)
	if err != nil {
		return nil, err
	}
	n.loss = loss
	n.flatten()
	return n, nil
}

// flatten moves every parameter into one value buffer and one gradient
// buffer and re-points the parameters at their slices.
func (n *Net[T]) flatten() {
	total := 0
	for _, l := range n.Layers {
		for _, p := range l.Params() {
			n.params = append(n.params, p)
			total += p.Size()
		}
	}
	n.data, n.grad = make([]T, total), make([]T, total)
	off := 0
	for _, p := range n.params {
		k := p.Size()
		copy(n.data[off:off+k], p.Data)
		p.Data, p.Grad = n.data[off:off+k:off+k], n.grad[off:off+k:off+k]
		off += k
	}
}

// Params lists the parameters in state_dict order.
func (n *Net[T]) Params() []*layers.Param[T] { return n.params }

// Flat returns the flat value and gradient buffers (views).
func (n *Net[T]) Flat() (data, grad []T) { return n.data, n.grad }

// SetTraining switches layers that behave differently in training.
func (n *Net[T]) SetTraining(training bool) {
	for _, l := range n.Layers {
		if t, ok := l.(layers.Trainer); ok {
			t.SetTraining(training)
		}
	}
}

// Scores runs the forward pass and returns the class scores (N×Classes),
// owned by the network and overwritten by the next call.
func (n *Net[T]) Scores(x *layers.Matrix[T]) *layers.Matrix[T] {
	h := x
	for _, l := range n.Layers {
		h = l.Forward(h)
	}
	n.scores = h
	return h
}

// RegLoss is 0.5·reg·ΣW² over the weights.
func (n *Net[T]) RegLoss() float64 {
	if n.Spec.Reg == 0 {
		return 0
	}
	var s float64
	for _, p := range n.params {
		if p.Decay {
			for _, w := range p.Data {
				s += float64(w) * float64(w)
			}
		}
	}
	return 0.5 * n.Spec.Reg * s
}

// Loss runs forward and backward on the batch (x, y) and returns the
// total loss (data loss + L2 term) and the data loss alone. Afterwards
// every parameter's Grad holds ∂loss/∂param, including reg·W for weights.
func (n *Net[T]) Loss(x *layers.Matrix[T], y []int32) (loss, dataLoss float64) {
	scores := n.Scores(x)
	n.dscores.Resize(scores.Rows, scores.Cols)
	dataLoss = n.loss.Loss(scores, y, n.dscores)
	clear(n.grad)
	d := n.dscores
	for i := len(n.Layers) - 1; i >= 0; i-- {
		d = n.Layers[i].Backward(d)
	}
	if reg := T(n.Spec.Reg); reg != 0 {
		for _, p := range n.params {
			if p.Decay {
				for i, w := range p.Data {
					p.Grad[i] += reg * w
				}
			}
		}
	}
	return dataLoss + n.RegLoss(), dataLoss
}

// LastScores returns the scores of the last forward pass.
func (n *Net[T]) LastScores() *layers.Matrix[T] { return n.scores }

// EvalLoss returns the data loss of a batch without touching gradients.
func (n *Net[T]) EvalLoss(x *layers.Matrix[T], y []int32) float64 {
	scores := n.Scores(x)
	n.dscores.Resize(scores.Rows, scores.Cols)
	return n.loss.Loss(scores, y, n.dscores)
}

// Predict writes the arg-max class of each row of scores into pred.
func Predict[T layers.Float](scores *layers.Matrix[T], pred []int32) {
	for i := 0; i < scores.Rows; i++ {
		row := scores.Row(i)
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		pred[i] = int32(best)
	}
}
