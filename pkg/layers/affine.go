package layers

import "fmt"

// Affine is a fully connected layer: out = x·Wᵀ + b.
// W has shape [Out, In] and b [Out], as in PyTorch's nn.Linear.
type Affine[T Float] struct {
	In, Out int
	W, B    *Param[T]
	// SkipInputGrad makes Backward skip dx (and return nil): the first
	// layer of a network has no use for the gradient of its input.
	SkipInputGrad bool
	// OverwriteGrad makes Backward WRITE dW and db instead of adding to
	// them (dW from a GEMM with beta = 0). It is an opt-in fast path for a
	// caller that knows the gradients would be zero before this Backward,
	// such as a network whose every parameter gets exactly one gradient
	// per step: that caller then skips the clear. Default (false): the
	// accumulating contract of the package.
	OverwriteGrad bool

	x       *Matrix[T] // cache: the input of the last Forward (not a copy)
	out, dx *Matrix[T]
}

// NewAffine returns an In→Out affine layer with zero weights; the
// parameters are named prefix+"weight" and prefix+"bias".
func NewAffine[T Float](prefix string, in, out int) *Affine[T] {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("layers: NewAffine with in=%d, out=%d", in, out))
	}
	return &Affine[T]{
		In: in, Out: out,
		W: NewParam[T](prefix+"weight", true, out, in),
		B: NewParam[T](prefix+"bias", false, out),
	}
}

// Forward: x is (N, In), W is (Out, In), b is (Out); out is (N, Out).
func (l *Affine[T]) Forward(x *Matrix[T]) *Matrix[T] {
	if x.Cols != l.In {
		panic(fmt.Sprintf("layers: affine %s expects %d input columns, got %d", l.W.Name, l.In, x.Cols))
	}
	l.x = x
	l.out = ensure(l.out, x.Rows, l.Out)
	// out = b broadcast over rows, then out += x·Wᵀ in the GEMM (beta = 1):
	// the bias add costs a copy instead of a second pass.
	for i := 0; i < x.Rows; i++ {
		copy(l.out.Row(i), l.B.Data)
	}
	Gemm(false, true, 1, x, l.W.AsMatrix(false), 1, l.out)
	return l.out
}

// Backward: forward was out = x·Wᵀ + b, so
// dW += doutᵀ·x, db += Σ_rows dout, dx = dout·W
// (dW = doutᵀ·x and db = Σ_rows dout with OverwriteGrad).
func (l *Affine[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	x := l.x
	if dout.Rows != x.Rows || dout.Cols != l.Out {
		panic(fmt.Sprintf("layers: affine %s backward got dout %d×%d, want %d×%d", l.W.Name, dout.Rows, dout.Cols, x.Rows, l.Out))
	}
	var beta T = 1
	db := l.B.Grad
	if l.OverwriteGrad {
		beta = 0
		clear(db)
	}
	Gemm(true, false, 1, dout, x, beta, l.W.AsMatrix(true))
	for i := 0; i < dout.Rows; i++ {
		for j, g := range dout.Row(i) {
			db[j] += g
		}
	}
	if l.SkipInputGrad {
		return nil
	}
	l.dx = ensure(l.dx, x.Rows, l.In)
	Gemm(false, false, 1, dout, l.W.AsMatrix(false), 0, l.dx)
	return l.dx
}

// BackwardSGD is Backward followed by a plain SGD step on W and b,
// without materializing dW: the update is folded into the weight GEMM,
//
//	W ← (1 − lr·decay)·W − lr·doutᵀ·x   (one GEMM, alpha −lr, beta 1 − lr·decay)
//	b ← b − lr·Σ_rows dout
//
// which is W −= lr·(dW + decay·W), b −= lr·db as an optimizer would apply
// them after Backward (decay is the L2 coefficient on weights; biases have
// none). dx = dout·W is computed first, with the W of the forward pass.
// B.Grad receives db (written, not added); W.Grad is left untouched and
// does NOT hold this step's gradient. For a caller that needs no
// gradients, only the update (pkg/model's Net.LossSGD).
func (l *Affine[T]) BackwardSGD(dout *Matrix[T], lr, decay T) *Matrix[T] {
	x := l.x
	if dout.Rows != x.Rows || dout.Cols != l.Out {
		panic(fmt.Sprintf("layers: affine %s backward got dout %d×%d, want %d×%d", l.W.Name, dout.Rows, dout.Cols, x.Rows, l.Out))
	}
	db := l.B.Grad
	clear(db)
	for i := 0; i < dout.Rows; i++ {
		for j, g := range dout.Row(i) {
			db[j] += g
		}
	}
	var dx *Matrix[T]
	if !l.SkipInputGrad {
		l.dx = ensure(l.dx, x.Rows, l.In)
		Gemm(false, false, 1, dout, l.W.AsMatrix(false), 0, l.dx)
		dx = l.dx
	}
	Gemm(true, false, -lr, dout, x, 1-lr*decay, l.W.AsMatrix(false))
	for j, g := range db {
		l.B.Data[j] -= lr * g
	}
	return dx
}

// Params returns W and b.
func (l *Affine[T]) Params() []*Param[T] { return []*Param[T]{l.W, l.B} }
