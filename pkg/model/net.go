package model

import (
	"math"
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/optim"
)

// Net is a sequential fully connected network over element type T.
type Net[T layers.Float] struct {
	Spec      Spec
	Layers    []layers.Layer[T]
	Affine    []*layers.Affine[T]    // the affine layers, in order
	BatchNorm []*layers.BatchNorm[T] // one per hidden layer with Spec.BatchNorm
	Dropout   []*layers.Dropout[T]   // one per hidden layer with Spec.Dropout > 0
	Embedding *layers.Embedding[T]   // the first layer with Spec.Embed, else nil
	loss      layers.Loss[T]         // a classifier's
	head      head[T]                // the kind's loss and layer outputs
	// Fused selects the fused stage (layers.AffineReLU) for every Affine
	// directly followed by a ReLU; New sets it. With Fused = false every layer runs
	// its own Forward and Backward: the reference the fused path is tested
	// against. Both give the same results up to rounding.
	Fused bool

	fused     []*layers.AffineReLU[T] // fused[i] != nil: Layers[i], Layers[i+1] can run fused
	overwrite bool                    // every parameter is an affine's with OverwriteGrad: Loss skips the clear

	params     []*layers.Param[T]
	data, grad []T // every parameter's value / gradient, back to back
	buffers    []*layers.Buffer[T]
	stats      []T // every buffer's value, back to back
	dscores    *layers.Matrix[T]
	scores     *layers.Matrix[T] // output of the last forward pass
	inf        *inference[T]     // Infer's buffers (infer.go)
}

// New builds the network a valid spec describes and initializes its
// weights from rng; with a nil rng every affine parameter starts at zero
// (for loading weights from a file). Each hidden layer is Affine, then
// BatchNorm with Spec.BatchNorm, the activation, then Dropout with
// Spec.Dropout > 0, numbered as nn.Sequential numbers its modules.
// Batch normalization starts at γ = 1, β = 0, running mean 0, running
// variance 1; the network starts in training mode. The dropout
// generators are seeded from rng after the weights (the weights of a
// spec are the same with and without dropout), or from 0 with a nil rng;
// see SeedDropout.
func New[T layers.Float](spec Spec, rng *rand.Rand) (*Net[T], error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return build[T](spec, rng)
}

// fuse prepares the fast paths: the fused Affine+ReLU stages, and, when
// the affine layers (and the embedding tables) own every parameter (no
// batch normalization), each affine's and the embedding's OverwriteGrad,
// so that the one Backward per step writes its
// gradients and Loss need not clear them first.
func (n *Net[T]) fuse() {
	n.Fused = true
	n.fused = make([]*layers.AffineReLU[T], len(n.Layers))
	for i := 0; i+1 < len(n.Layers); i++ {
		a, ok1 := n.Layers[i].(*layers.Affine[T])
		r, ok2 := n.Layers[i+1].(*layers.ReLU[T])
		if ok1 && ok2 {
			n.fused[i] = &layers.AffineReLU[T]{A: a, R: r}
		}
	}
	owned := 0
	for _, a := range n.Affine {
		owned += len(a.Params())
	}
	if n.Embedding != nil {
		owned += len(n.Embedding.Params())
	}
	n.overwrite = owned == len(n.params)
	for _, a := range n.Affine {
		a.OverwriteGrad = n.overwrite
	}
	if n.Embedding != nil {
		n.Embedding.OverwriteGrad = n.overwrite
	}
}

// fusedAt returns the fused stage for Layers[i] and Layers[i+1], or nil
// when the reference path must run: Fused is off, or the layers are not
// the Affine and ReLU the stage was built for (a caller may have replaced
// them).
func (n *Net[T]) fusedAt(i int) *layers.AffineReLU[T] {
	if !n.Fused || i < 0 || i+1 >= len(n.Layers) || i >= len(n.fused) || n.fused[i] == nil {
		return nil
	}
	f := n.fused[i]
	if a, ok := n.Layers[i].(*layers.Affine[T]); !ok || a != f.A {
		return nil
	}
	if r, ok := n.Layers[i+1].(*layers.ReLU[T]); !ok || r != f.R {
		return nil
	}
	return f
}

// flatten moves every parameter into one value buffer and one gradient
// buffer, and every layer buffer into one more, and re-points the
// parameters and buffers at their slices.
func (n *Net[T]) flatten() {
	total, stats := 0, 0
	for _, l := range n.Layers {
		for _, p := range l.Params() {
			n.params = append(n.params, p)
			total += p.Size()
		}
		if s, ok := l.(layers.Stateful[T]); ok {
			for _, b := range s.Buffers() {
				n.buffers = append(n.buffers, b)
				stats += len(b.Data)
			}
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
	n.stats = make([]T, stats)
	off = 0
	for _, b := range n.buffers {
		k := len(b.Data)
		copy(n.stats[off:off+k], b.Data)
		b.Data = n.stats[off : off+k : off+k]
		off += k
	}
}

// Params lists the parameters in state_dict order.
func (n *Net[T]) Params() []*layers.Param[T] { return n.params }

// Flat returns the flat value and gradient buffers (views).
func (n *Net[T]) Flat() (data, grad []T) { return n.data, n.grad }

// Buffers lists the non-learnable state (batch normalization's running
// mean and variance) in state_dict order; empty without batch
// normalization. No optimizer and no L2 term touches them.
func (n *Net[T]) Buffers() []*layers.Buffer[T] { return n.buffers }

// FlatBuffers returns every buffer's value back to back (a view), the
// companion of Flat: a copy of both is a copy of the whole model state.
func (n *Net[T]) FlatBuffers() []T { return n.stats }

// SeedDropout restarts the mask generator of every dropout layer, each
// from its own seed derived from seed and its position. Reseeding with a
// value derived from (run seed, epoch, step) before each step makes the
// masks independent of where a run was interrupted and resumed.
func (n *Net[T]) SeedDropout(seed uint64) {
	for k, d := range n.Dropout {
		d.Seed(splitmix64(seed + uint64(k+1)*0x9e3779b97f4a7c15))
	}
}

// splitmix64 is the finalizer of Steele et al.'s SplitMix64: nearby
// inputs give unrelated outputs.
func splitmix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

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
	for i := 0; i < len(n.Layers); i++ {
		if f := n.fusedAt(i); f != nil {
			h = f.Forward(h)
			i++
			continue
		}
		h = n.Layers[i].Forward(h)
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

// Loss runs forward and backward on the batch (x, t) and returns the
// total loss (data loss + L2 term) and the data loss alone. Afterwards
// every parameter's Grad holds ∂loss/∂param, including reg·W for weights.
// t is the batch's target, of the kind's type (a classifier's
// layers.Classes(y); the autoencoder's is its input, t is ignored).
func (n *Net[T]) Loss(x *layers.Matrix[T], t layers.Target[T]) (loss, dataLoss float64) {
	scores := n.Scores(x)
	dataLoss = n.dataLoss(scores, x, t)
	if !n.canFuse() {
		clear(n.grad)
	}
	n.backward(nil, 0)
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

// TrainStep is one training step on the batch (x, t): forward, loss,
// backward and opt's update with learning rate lr. It returns the total
// loss and the data loss, as Loss does.
//
// When opt can update inside the backward pass (an optim.Fuser) and the
// affine layers and embedding tables own every parameter (no batch
// normalization), each
// parameter is updated as soon as its gradient is ready (layers.Update;
// for plain SGD the weights' update is folded into their gradient GEMM
// and their Grad is not written; an embedding table's gradient is
// written and applied whole, layers.Embedding.BackwardUpdate). Otherwise TrainStep is Loss, then
// opt.Step(lr): the reference. When the loss is not finite, the
// parameters are not touched and opt does not count a step.
func (n *Net[T]) TrainStep(x *layers.Matrix[T], t layers.Target[T], opt optim.Optimizer[T], lr float64) (loss, dataLoss float64) {
	f, ok := opt.(optim.Fuser[T])
	if !ok || !n.canFuse() {
		loss, dataLoss = n.Loss(x, t)
		if finite(loss) {
			opt.Step(lr)
		}
		return loss, dataLoss
	}
	dataLoss = n.dataLoss(n.Scores(x), x, t)
	loss = dataLoss + n.RegLoss()
	if finite(loss) {
		n.backward(f.Fused(lr), T(n.Spec.Reg))
	}
	return loss, dataLoss
}

// backward runs the backward pass from dscores, layer by layer (fused
// stages as one), with u's update of each affine's parameters inside it
// and decay its L2 coefficient, or gradients only with a nil u.
func (n *Net[T]) backward(u layers.Update[T], decay T) {
	d := n.dscores
	for i := len(n.Layers) - 1; i >= 0; i-- {
		if f := n.fusedAt(i - 1); f != nil {
			if u != nil {
				d = f.BackwardUpdate(d, u, decay)
			} else {
				d = f.Backward(d)
			}
			i--
			continue
		}
		if a, ok := n.Layers[i].(*layers.Affine[T]); ok && u != nil {
			d = a.BackwardUpdate(d, u, decay)
			continue
		}
		if e, ok := n.Layers[i].(*layers.Embedding[T]); ok && u != nil {
			d = e.BackwardUpdate(d, u, decay)
			continue
		}
		d = n.Layers[i].Backward(d)
	}
}

// canFuse reports whether the affine layers own every parameter (no
// batch normalization) and all still overwrite their gradients: then one
// backward pass writes every gradient once, Loss need not clear them, and
// TrainStep can update inside the backward pass.
func (n *Net[T]) canFuse() bool { return n.overwrite && n.everyAffineOverwrites() }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// everyAffineOverwrites reports whether every affine (and the embedding)
// still has OverwriteGrad (a caller may have turned it off to
// accumulate).
func (n *Net[T]) everyAffineOverwrites() bool {
	for _, a := range n.Affine {
		if !a.OverwriteGrad {
			return false
		}
	}
	return n.Embedding == nil || n.Embedding.OverwriteGrad
}

// LastScores returns the scores of the last forward pass.
func (n *Net[T]) LastScores() *layers.Matrix[T] { return n.scores }

// EvalLoss returns the data loss of a batch without touching gradients.
func (n *Net[T]) EvalLoss(x *layers.Matrix[T], t layers.Target[T]) float64 {
	return n.dataLoss(n.Scores(x), x, t)
}

// OutputLoss returns the data loss of the outputs out of a forward pass
// (Infer's) for the batch (x, t), as EvalLoss computes it from Scores'.
func (n *Net[T]) OutputLoss(out, x *layers.Matrix[T], t layers.Target[T]) float64 {
	return n.dataLoss(out, x, t)
}

// dataLoss is the kind's loss of the output for the batch (x, t), with
// its gradient in dscores.
func (n *Net[T]) dataLoss(scores, x *layers.Matrix[T], t layers.Target[T]) float64 {
	n.dscores.Resize(scores.Rows, scores.Cols)
	return n.head.loss(scores, x, t, n.dscores)
}

// prober is a head whose kind defines its outputs' probabilities and
// decisions otherwise than a classifier's softmax and arg-max.
type prober[T layers.Float] interface {
	probs(scores, probs *layers.Matrix[T])
	decide(probs *layers.Matrix[T], pred []int32)
}

// Probs writes the probabilities the network's outputs scores stand for
// into probs (resized): a classifier's softmax over its classes, a binary
// model's [1 − σ(z), σ(z)], a multilabel model's σ of each label's logit.
func (n *Net[T]) Probs(scores, probs *layers.Matrix[T]) {
	if p, ok := n.head.(prober[T]); ok {
		p.probs(scores, probs)
		return
	}
	probs.Resize(scores.Rows, scores.Cols)
	layers.Softmax(scores, probs)
}

// Decide writes the predicted class of each row of the outputs scores
// (probs their Probs) into pred: the arg-max of the scores, or, for a
// binary model, class 1 where its probability reaches Spec.Threshold.
func (n *Net[T]) Decide(scores, probs *layers.Matrix[T], pred []int32) {
	if p, ok := n.head.(prober[T]); ok {
		p.decide(probs, pred)
		return
	}
	Predict(scores, pred)
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
