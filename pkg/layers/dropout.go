package layers

import (
	"fmt"
	"math/rand/v2"
)

// dropoutStream is the second PCG seed word of every Dropout generator
// ("drop"); the first is the seed the caller gives.
const dropoutStream = 0x64726f70

// Dropout is inverted dropout: in training mode each unit is zeroed with
// probability P (the DROP rate, as in PyTorch's nn.Dropout(p); the course
// code's p is the keep probability 1−P) and the kept units are scaled by
// 1/(1−P), so that E[out] = x and evaluation needs no rescaling. In
// evaluation mode it is the identity. A new Dropout is in training mode,
// as a new PyTorch module is.
//
// The mask comes from a PCG generator (math/rand/v2) owned by the layer
// and seeded at construction, so a run is reproducible; Seed restarts it.
type Dropout[T Float] struct {
	P T // drop probability, in [0, 1)
	// FixedMask makes a training-mode Forward reuse the last mask when the
	// batch has the same shape, instead of drawing a new one: the function
	// of x is then fixed, which gradient checking needs.
	FixedMask bool

	training bool
	src      *rand.PCG
	drop     uint64     // a unit is dropped when its 32-bit uniform is < drop = P·2³²
	mask     *Matrix[T] // cache: 0 or 1/(1−P) per entry, from the last training Forward
	masked   bool       // cache: whether the last Forward applied the mask
	out, dx  *Matrix[T]
}

// NewDropout returns a dropout layer with drop probability p in [0, 1),
// in training mode, its generator seeded with seed.
func NewDropout[T Float](p float64, seed uint64) *Dropout[T] {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("layers: NewDropout with p=%g, want 0 ≤ p < 1", p))
	}
	return &Dropout[T]{
		P:        T(p),
		training: true,
		src:      rand.NewPCG(seed, dropoutStream),
		drop:     uint64(p * (1 << 32)),
		mask:     &Matrix[T]{},
	}
}

// Seed restarts the mask generator as NewDropout(p, seed) left it, and
// forgets the last mask.
func (l *Dropout[T]) Seed(seed uint64) {
	l.src.Seed(seed, dropoutStream)
	l.mask.Resize(0, 0)
}

// SetTraining switches between training (random mask) and evaluation
// (identity).
func (l *Dropout[T]) SetTraining(training bool) { l.training = training }

// Training reports the mode.
func (l *Dropout[T]) Training() bool { return l.training }

// Forward: x is (N, D), out is (N, D). Training: out = x ⊙ mask with
// mask_ij = 1/(1−P) with probability 1−P and 0 otherwise (the cache);
// evaluation: out = x (a copy: out belongs to the layer).
func (l *Dropout[T]) Forward(x *Matrix[T]) *Matrix[T] {
	l.out = ensure(l.out, x.Rows, x.Cols)
	l.masked = l.training
	if !l.training {
		copy(l.out.Data, x.Data)
		return l.out
	}
	if !l.FixedMask || l.mask.Rows != x.Rows || l.mask.Cols != x.Cols {
		l.draw(x.Rows, x.Cols)
	}
	for i, m := range l.mask.Data {
		l.out.Data[i] = x.Data[i] * m
	}
	return l.out
}

// InferInPlace is Forward in evaluation mode (the identity) over x: it
// leaves x as it is.
func (l *Dropout[T]) InferInPlace(*Matrix[T]) {}

// draw fills the mask for a rows×cols batch. Each 64-bit PCG draw gives
// two 32-bit uniforms u (half the generator calls of one draw per unit);
// a unit is dropped when u < P·2³², so the drop rate is P to within 2⁻³².
func (l *Dropout[T]) draw(rows, cols int) {
	l.mask.Resize(rows, cols)
	m := l.mask.Data
	if l.drop == 0 { // P = 0: keep everything, and leave the generator alone
		for i := range m {
			m[i] = 1
		}
		return
	}
	scale := 1 / (1 - l.P)
	keep := func(u uint64) T {
		if u < l.drop {
			return 0
		}
		return scale
	}
	i := 0
	for ; i+1 < len(m); i += 2 {
		u := l.src.Uint64()
		m[i], m[i+1] = keep(u&0xffffffff), keep(u>>32)
	}
	if i < len(m) {
		m[i] = keep(l.src.Uint64() >> 32)
	}
}

// Backward: forward was out = x ⊙ mask, so dx = dout ⊙ mask (each kept
// unit passes its gradient scaled by 1/(1−P), a dropped one passes 0); in
// evaluation out = x, so dx = dout.
func (l *Dropout[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	checkSame("dropout", l.out, dout)
	l.dx = ensure(l.dx, dout.Rows, dout.Cols)
	if !l.masked {
		copy(l.dx.Data, dout.Data)
		return l.dx
	}
	for i, m := range l.mask.Data {
		l.dx.Data[i] = dout.Data[i] * m
	}
	return l.dx
}

// Params is empty.
func (l *Dropout[T]) Params() []*Param[T] { return nil }

// Mask returns the mask of the last training-mode Forward (entries 0 or
// 1/(1−P)), owned by the layer. An evaluation Forward leaves it alone, so
// a FixedMask survives evaluation passes.
func (l *Dropout[T]) Mask() *Matrix[T] { return l.mask }
