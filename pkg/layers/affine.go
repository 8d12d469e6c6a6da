package layers

import (
	"fmt"

	"github.com/nnfc/nnfc/internal/vec"
)

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
	packed  Packed // W as the Packer holds it (Pack), or nil
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
	l.checkInput(x)
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

// Pack hands W to the registered Packer (SetPacker), which keeps it in
// the layout its GEMM reads fastest, for Infer: for inference, once the
// weights stop changing. Infer does not see a later change of W until the
// next Pack (Unpack drops the copy). A float64 layer, or a process
// without a Packer, keeps the plain path; Pack reports whether it packed.
func (l *Affine[T]) Pack() bool {
	l.packed = nil
	p := currentPacker()
	if w, ok := any(l.W.Data).([]float32); ok && p != nil {
		l.packed = p.Pack(w, l.Out, l.In)
	}
	return l.packed != nil
}

// Unpack drops the packed copy of W: Infer takes the plain path again.
func (l *Affine[T]) Unpack() { l.packed = nil }

// Packed reports whether Infer uses a packed copy of W (Pack).
func (l *Affine[T]) Packed() bool { return l.packed != nil }

// Infer writes x·Wᵀ + b into out (x.Rows × Out), the forward pass of
// inference: nothing is kept for Backward, and threads (0: the default)
// is the BLAS thread count of a packed product. With packed weights
// (Pack) it is one product with the bias added in it, the same sums
// rounded as the Packer's kernel rounds them; otherwise exactly
// Forward's arithmetic (b in every row, then the GEMM with beta = 1).
func (l *Affine[T]) Infer(x, out *Matrix[T], threads int) {
	if l.inferPacked(x, out, threads) {
		return
	}
	for i := 0; i < x.Rows; i++ {
		copy(out.Row(i), l.B.Data)
	}
	Gemm(false, true, 1, x, l.W.AsMatrix(false), 1, out)
}

// inferPacked checks Infer's shapes and, with packed weights (Pack),
// writes x·Wᵀ + b into out; false: nothing written, the plain path's.
func (l *Affine[T]) inferPacked(x, out *Matrix[T], threads int) bool {
	l.checkInput(x)
	if out.Rows != x.Rows || out.Cols != l.Out {
		panic(fmt.Sprintf("layers: affine %s Infer into %d×%d, want %d×%d", l.W.Name, out.Rows, out.Cols, x.Rows, l.Out))
	}
	return l.packed != nil && l.packed.Affine(f32(x.Data), x.Rows, f32(l.B.Data), f32(out.Data), threads)
}

// Backward: forward was out = x·Wᵀ + b, so
// dW += doutᵀ·x, db += Σ_rows dout, dx = dout·W
// (dW = doutᵀ·x and db = Σ_rows dout with OverwriteGrad).
func (l *Affine[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	l.checkDout(dout, l.x.Rows)
	if l.OverwriteGrad {
		clear(l.B.Grad)
	}
	sumRows(dout, l.B.Grad)
	return l.backwardGemms(dout, nil, 0)
}

// BackwardUpdate is Backward with the optimizer step u applied to W and b
// inside it (see Update): db = Σ_rows dout and dx = dout·W with the W of
// the forward pass, then W's gradient dW = doutᵀ·x (+ decay·W, the L2
// term; decay = 0 adds none) and its update. When u's update of W is
// linear (plain SGD) it is folded into the weight GEMM,
//
//	W ← (1 − k·decay)·W − k·doutᵀ·x   (one GEMM, alpha −k, beta 1 − k·decay)
//
// and W.Grad is left untouched: it does NOT hold this step's gradient.
// When u hands its float32 rule to vec.GemmRule32 (RuleUpdate, with the
// kernel on), dW goes from the GEMM's registers into the rule and W.Grad
// is left untouched too. Otherwise W.Grad and B.Grad are written (not
// added to) and applied.
func (l *Affine[T]) BackwardUpdate(dout *Matrix[T], u Update[T], decay T) *Matrix[T] {
	l.checkDout(dout, l.x.Rows)
	clear(l.B.Grad)
	sumRows(dout, l.B.Grad)
	return l.backwardGemms(dout, u, decay)
}

// backwardGemms finishes a backward pass from dz, the gradient of
// z = x·Wᵀ + b, once db holds Σ_rows dz: dx = dz·W first (the forward's W,
// before any update), then dW = dzᵀ·x, accumulated or written as
// OverwriteGrad says (u nil), or with u's update of W and b (u non-nil).
// AffineReLU shares it.
func (l *Affine[T]) backwardGemms(dz *Matrix[T], u Update[T], decay T) *Matrix[T] {
	var dx *Matrix[T]
	if !l.SkipInputGrad {
		l.dx = ensure(l.dx, l.x.Rows, l.In)
		Gemm(false, false, 1, dz, l.W.AsMatrix(false), 0, l.dx)
		dx = l.dx
	}
	switch k, linear := linearStep(u, l.W); {
	case u == nil:
		var beta T = 1
		if l.OverwriteGrad {
			beta = 0
		}
		Gemm(true, false, 1, dz, l.x, beta, l.W.AsMatrix(true))
	case linear:
		Gemm(true, false, -k, dz, l.x, 1-k*decay, l.W.AsMatrix(false))
		u.Apply(l.B, 0, l.Out)
	default:
		if !l.gemmRule(dz, u, decay) {
			l.updateByRows(dz, u, decay)
		}
		u.Apply(l.B, 0, l.Out)
	}
	return dx
}

// RuleUpdate is an Update that can hand a float32 weight's rule to
// vec.GemmRule32, which computes the weight's gradient and applies the
// rule in one pass without storing the gradient. pkg/optim's rules other
// than SGD are.
type RuleUpdate interface {
	// Rule32 returns p's rule for this step, or false when it has none.
	Rule32(p *Param[float32]) (vec.Rule32, bool)
}

// gemmRule computes W's gradient and applies u's update of W through
// vec.GemmRule32 when the weights are float32, u is a RuleUpdate and the
// kernel is available and on (the oneDNN backend turns it on); W.Grad is
// then not written. It reports false, having done nothing, otherwise.
func (l *Affine[T]) gemmRule(dz *Matrix[T], u Update[T], decay T) bool {
	ru, ok := u.(RuleUpdate)
	w, f32 := any(l.W).(*Param[float32])
	if !ok || !f32 || !vec.GemmRules() {
		return false
	}
	r, ok := ru.Rule32(w)
	if !ok {
		return false
	}
	d, x := any(dz).(*Matrix[float32]), any(l.x).(*Matrix[float32])
	return vec.GemmRule32(r, w.Data, float32(decay), d.Data, d.Cols, x.Data, d.Rows, l.Out, l.In)
}

// UpdateRows is how many rows of W updateByRows handles at a time: for
// the 784-wide first layer of the benchmark, 64 rows of dW are 196 KiB
// in float32, inside a core's L2 (1 MiB on Zen 5) with room for the same
// rows of W and of the rule's state. A variable for benchmarks; 0 or
// less: all rows at once.
var UpdateRows = 64

// updateByRows computes W's gradient a block of rows at a time,
// dW[r0:r1] = dz[:, r0:r1]ᵀ·x (+ decay·W[r0:r1]), and applies u to that
// block right after its GEMM, while it is in cache, instead of writing
// all of dW and reading it back in a second pass. Each entry of dW is the
// same dot product as in the whole GEMM; whether a BLAS gives it the same
// bits in a smaller call is the BLAS's affair (the tests hold the two to
// rounding, and bit for bit where the backend is deterministic in it).
func (l *Affine[T]) updateByRows(dz *Matrix[T], u Update[T], decay T) {
	rows := UpdateRows
	if rows <= 0 || rows > l.Out || wholeUpdate[T]() {
		rows = l.Out
	}
	n, in := dz.Rows, l.In
	for r0 := 0; r0 < l.Out; r0 += rows {
		r1 := min(r0+rows, l.Out)
		// op(A) = dz[:, r0:r1]ᵀ: rows r0..r1 of dzᵀ, columns of dz that
		// are dz.Cols apart.
		gemm(true, false, r1-r0, in, n, 1, dz.Data[r0:], dz.Cols, l.x.Data, in, 0, l.W.Grad[r0*in:r1*in], in)
		addDecay(l.W, decay, r0*in, r1*in)
		u.Apply(l.W, r0*in, r1*in)
	}
}

// wholeUpdate reports whether updateByRows computes all of dW in one GEMM
// before applying the update: for float32 on a team of two threads or
// more (vec.Team), where a block's GEMM is too small to share out and
// would leave the other core idle, while the whole GEMM and the update
// after it (vec's rules, shared out over the same team) use both.
func wholeUpdate[T Float]() bool {
	var zero T
	_, f32 := any(zero).(float32)
	return f32 && vec.Team() > 1
}

// linearStep is u.Linear(w), false for a nil u.
func linearStep[T Float](u Update[T], w *Param[T]) (T, bool) {
	if u == nil {
		return 0, false
	}
	return u.Linear(w)
}

// addDecay adds the L2 term decay·w to w's gradient over [lo, hi), as a
// network's Loss adds it after the backward pass (nothing when decay = 0).
func addDecay[T Float](w *Param[T], decay T, lo, hi int) {
	if decay == 0 {
		return
	}
	g := w.Grad[lo:hi]
	for i, v := range w.Data[lo:hi] {
		g[i] += decay * v
	}
}

// sumRows adds the column sums of d into db, row by row.
func sumRows[T Float](d *Matrix[T], db []T) {
	for i := 0; i < d.Rows; i++ {
		for j, g := range d.Row(i) {
			db[j] += g
		}
	}
}

func (l *Affine[T]) checkInput(x *Matrix[T]) {
	if x.Cols != l.In {
		panic(fmt.Sprintf("layers: affine %s expects %d input columns, got %d", l.W.Name, l.In, x.Cols))
	}
}

func (l *Affine[T]) checkDout(dout *Matrix[T], rows int) {
	if dout.Rows != rows || dout.Cols != l.Out {
		panic(fmt.Sprintf("layers: affine %s backward got dout %d×%d, want %d×%d", l.W.Name, dout.Rows, dout.Cols, rows, l.Out))
	}
}

// Params returns W and b.
func (l *Affine[T]) Params() []*Param[T] { return []*Param[T]{l.W, l.B} }
