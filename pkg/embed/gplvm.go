package embed

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Kernels of the GP-LVM.
const (
	Linear = "linear" // k(X, X) = αXXᵀ
	RBF    = "rbf"    // k_ij = α·exp(−γ/2·‖x_i − x_j‖²)
)

// The GP-LVM's arithmetic (GPLVM.Float32): all float64, or mixed.
const (
	Float64 = "float64"
	Mixed   = "mixed"
)

// Precisions lists the arithmetic names.
var Precisions = []string{Float64, Mixed}

// Kernels lists the kernel names.
var Kernels = []string{Linear, RBF}

// GPLVM is the GP-LVM log-likelihood of data Y (N×D, centered) as a
// function of θ, the flat parameter vector: the latent points X (N×Q,
// row-major), then log α, log β and, for the RBF kernel, log γ. The
// hyperparameters are log-parametrized so that any θ is valid.
type GPLVM struct {
	Y      *mat.Dense
	Q      int
	Kernel string

	ws *workspace // LogLik's buffers
	// solve: L alone by one triangular solve (B = L⁻¹Y), the gradient's
	// K⁻¹Y by a second; else K⁻¹ first and K⁻¹Y as one symmetric product
	// (Dsymm, GEMM-shaped). Both return the same numbers to rounding
	// (TestLogLikMatchesReference); BenchmarkLogLik times each.
	solve bool
	// Float32 runs the gradient's two N×D products, A = K⁻¹Y and AAᵀ
	// (1.5 of one evaluation's 2.5 GFLOP at N = 1000, D = 512), in
	// float32, at about twice float64's rate; L itself (and so what the
	// line search compares), K's factorization and K⁻¹ stay float64, L
	// as tr(K⁻¹YYᵀ) = Σ K⁻¹ ⊙ YYᵀ with YYᵀ formed once.
	Float32 bool
}

// NumParams is len(θ): N·Q latent coordinates and the hyperparameters.
func (g *GPLVM) NumParams() int {
	n, _ := g.Y.Dims()
	if g.Kernel == RBF {
		return n*g.Q + 3
	}
	return n*g.Q + 2
}

// errNotPD reports a kernel matrix that lost positive definiteness.
var errNotPD = errors.New("embed: GP-LVM kernel matrix is not positive definite")

// LogLik returns L(θ) and, when grad is not nil (len NumParams), writes
// ∂L/∂θ into it. With G = ∂L/∂K = ½(K⁻¹YYᵀK⁻¹ − D·K⁻¹), symmetric:
//
//	linear: ∂L/∂X = 2αGX               (= αK⁻¹YYᵀK⁻¹X − αDK⁻¹X, the seed's)
//	rbf:    ∂L/∂x_i = −2γ Σ_j G_ij k_ij (x_i − x_j)
//	        ∂L/∂log α = Σ_ij G_ij k_ij (both kernels; k without the noise)
//	        ∂L/∂log β = −β⁻¹·tr(G)
//	        ∂L/∂log γ = −(γ/2) Σ_ij G_ij k_ij ‖x_i − x_j‖²
//
// Every N×N and N×D operation is one level-3 call on the registered BLAS
// and LAPACK (internal/blasbackend registers OpenBLAS's), in two stages.
// L alone (value): Dpotrf for K = LLᵀ and one Dtrsm for B = L⁻¹Y, so
// that log|K| = 2Σ log L_ii and tr(K⁻¹YYᵀ) = ‖B‖²: about a third of the
// arithmetic. The gradient (gradient) continues from there: a second
// Dtrsm for A = L⁻ᵀB = K⁻¹Y, Dpotri for K⁻¹ and one Dsyrk that forms G
// over it; the element-wise sums run over the lower triangles of flat
// buffers. The buffers are kept between calls: a GPLVM is not safe for
// concurrent use.
func (g *GPLVM) LogLik(theta, grad []float64) (float64, error) {
	l, err := g.value(theta)
	if err != nil || grad == nil {
		return l, err
	}
	return l, g.gradient(theta, grad)
}

// value computes L(θ) and leaves in the workspace what gradient needs:
// the kernel without the noise (kf), the Cholesky factor L and B = L⁻¹Y.
func (g *GPLVM) value(theta []float64) (float64, error) {
	n, d := g.Y.Dims()
	q := g.Q
	if len(theta) != g.NumParams() {
		panic(fmt.Sprintf("embed: θ has %d entries, want %d", len(theta), g.NumParams()))
	}
	w := g.workspace(n, d)
	w.stage = 0
	x := theta[:n*q] // N×Q, row-major
	alpha, beta := math.Exp(theta[n*q]), math.Exp(theta[n*q+1])
	// kf, the kernel without the noise term, in its lower triangle.
	kf := w.kf
	switch g.Kernel {
	case Linear:
		blas64.Syrk(blas.NoTrans, alpha, blas64.General{Rows: n, Cols: q, Stride: q, Data: x}, 0, sym(n, kf))
	case RBF:
		gamma := math.Exp(theta[n*q+2])
		triangle(n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				row := kf[i*n : i*n+i+1]
				if q == 2 {
					// sqDist's arithmetic, in the same order, without
					// its loop: the same bits, ~15% less time.
					xi0, xi1 := x[2*i], x[2*i+1]
					xs := x[:2*len(row)]
					for j := range row {
						t0, t1 := xi0-xs[2*j], xi1-xs[2*j+1]
						r := t0 * t0
						r += t1 * t1
						row[j] = alpha * math.Exp(-gamma/2*r)
					}
					continue
				}
				xi := x[i*q : i*q+q]
				for j := range row {
					row[j] = alpha * math.Exp(-gamma/2*sqDist(xi, x[j*q:j*q+q]))
				}
			}
		})
	default:
		panic("embed: unknown kernel " + g.Kernel)
	}
	// K = kf + β⁻¹I, factored in place: its lower triangle becomes L.
	l := w.l
	for i := range n {
		copy(l[i*n:i*n+i+1], kf[i*n:i*n+i+1])
		l[i*n+i] += 1 / beta
	}
	if _, ok := lapack64.Potrf(sym(n, l)); !ok {
		return math.Inf(-1), errNotPD
	}
	var logDet float64
	for i := range n {
		logDet += 2 * math.Log(l[i*n+i])
	}
	yr := g.Y.RawMatrix()
	var tr float64 // tr(K⁻¹YYᵀ)
	if g.solve {
		// B = L⁻¹Y, tr = tr(BᵀB) = ‖B‖².
		b := w.a
		for i := range n {
			copy(b[i*d:(i+1)*d], yr.Data[i*yr.Stride:i*yr.Stride+d])
		}
		blas64.Trsm(blas.Left, blas.NoTrans, 1, w.lower(), w.ag())
		tr = dot(b, b)
	} else if g.Float32 {
		// K⁻¹ over L, then tr = Σ K⁻¹ ⊙ S over the lower triangles.
		if _, ok := lapack64.Potri(w.lower()); !ok {
			return math.Inf(-1), errNotPD
		}
		s := w.yyt(g.Y)
		for i := range n {
			li, si := l[i*n:i*n+i], s[i*n:i*n+i]
			tr += 2*dot(li, si) + l[i*n+i]*s[i*n+i]
		}
	} else {
		// K⁻¹ over L, then A = K⁻¹Y and tr = Σ Y ⊙ A.
		if _, ok := lapack64.Potri(w.lower()); !ok {
			return math.Inf(-1), errNotPD
		}
		blas64.Symm(blas.Left, 1, sym(n, l), blas64.General{Rows: n, Cols: d, Stride: yr.Stride, Data: yr.Data}, 0, w.ag())
		for i := range n {
			tr += dot(yr.Data[i*yr.Stride:i*yr.Stride+d], w.a[i*d:(i+1)*d])
		}
	}
	w.stage = 1
	return -float64(d)/2*logDet - 0.5*tr, nil
}

// gradient writes ∂L/∂θ into grad, continuing from value(θ) at the same
// θ (the workspace must hold its stage).
func (g *GPLVM) gradient(theta, grad []float64) error {
	n, d := g.Y.Dims()
	q := g.Q
	w := g.ws
	if w == nil || w.stage != 1 {
		panic("embed: gradient without value at the same θ")
	}
	w.stage = 2 // L's and B's buffers are overwritten below
	x := theta[:n*q]
	alpha, beta := math.Exp(theta[n*q]), math.Exp(theta[n*q+1])
	kf, lt, ag := w.kf, w.lower(), w.ag()
	if g.solve {
		// A = L⁻ᵀB = K⁻¹Y, over B, and K⁻¹ over L.
		blas64.Trsm(blas.Left, blas.Trans, 1, lt, ag)
		if _, ok := lapack64.Potri(lt); !ok {
			return errNotPD
		}
	}
	// G = ½AAᵀ − (D/2)K⁻¹, over K⁻¹.
	gm := w.l
	if g.Float32 {
		w.halfAAT32(g.Y)
	} else {
		blas64.Syrk(blas.NoTrans, 0.5, ag, -float64(d)/2, sym(n, gm))
	}
	var trG float64
	for i := range n {
		trG += gm[i*n+i]
	}
	gx := grad[:n*q]
	xg := blas64.General{Rows: n, Cols: q, Stride: q, Data: x}
	var sumGK float64 // Σ_ij G_ij k_ij
	switch g.Kernel {
	case Linear:
		// ∂L/∂X = 2αGX; Σ_ij G_ij·α x_i·x_j = Σ_i x_i·(αGX)_i.
		blas64.Symm(blas.Left, 2*alpha, sym(n, gm), xg, 0, blas64.General{Rows: n, Cols: q, Stride: q, Data: gx})
		sumGK = dot(x, gx) / 2
	case RBF:
		// With W = G ⊙ k (symmetric), s = W·1 and X̃ = X − 1x̄ᵀ (the
		// centered points: differences do not change),
		//	∂L/∂x_i = −2γ Σ_j W_ij (x_i − x_j) = −2γ (s_i x̃_i − (WX̃)_i)
		//	Σ_ij W_ij ‖x_i − x_j‖² = 2 Σ_i (s_i ‖x̃_i‖² − x̃_i·(WX̃)_i)
		// and Σ_ij W_ij = Σ_i s_i: one Dsymm of W by [X̃ 1] (N×(Q+1)).
		gamma := math.Exp(theta[n*q+2])
		triangle(n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				gi, ki := gm[i*n:i*n+i+1], kf[i*n:i*n+i+1]
				for j := range gi {
					gi[j] *= ki[j]
				}
			}
		})
		q1 := q + 1
		xe, p := w.xe(q1), w.p(q1)
		mean := make([]float64, q)
		for i := range n {
			for k := range q {
				mean[k] += x[i*q+k] / float64(n)
			}
		}
		for i := range n {
			for k := range q {
				xe[i*q1+k] = x[i*q+k] - mean[k]
			}
			xe[i*q1+q] = 1
		}
		blas64.Symm(blas.Left, 1, sym(n, gm), blas64.General{Rows: n, Cols: q1, Stride: q1, Data: xe}, 0,
			blas64.General{Rows: n, Cols: q1, Stride: q1, Data: p})
		var sumGKR float64
		for i := range n {
			xi, pi, si := xe[i*q1:i*q1+q], p[i*q1:i*q1+q], p[i*q1+q]
			sumGK += si
			sumGKR += 2 * (si*dot(xi, xi) - dot(xi, pi))
			for k := range q {
				gx[i*q+k] = -2 * gamma * (si*xi[k] - pi[k])
			}
		}
		grad[n*q+2] = -gamma / 2 * sumGKR
	}
	grad[n*q] = sumGK
	grad[n*q+1] = -trG / beta
	return nil
}

// workspace holds LogLik's buffers: kf and L (N×N, lower triangles used),
// B and then A (N×D), and how far the evaluation at the last θ got: 0
// nothing usable, 1 value's (kf, the factor L, B), 2 the gradient's (L's
// and B's buffers overwritten).
type workspace struct {
	n, d     int
	kf, l, a []float64
	stage    int
	xeb, pb  []float64
	s        []float64 // YYᵀ (Float32)
	y32, a32 []float32 // Y and A (Float32)
	k32      []float32 // K⁻¹, then ½AAᵀ (Float32)
}

// yyt returns S = YYᵀ (N×N, lower triangle), formed at the first call.
func (w *workspace) yyt(y *mat.Dense) []float64 {
	if w.s == nil {
		yr := y.RawMatrix()
		w.s = make([]float64, w.n*w.n)
		blas64.Syrk(blas.NoTrans, 1, blas64.General{Rows: w.n, Cols: w.d, Stride: yr.Stride, Data: yr.Data}, 0, sym(w.n, w.s))
	}
	return w.s
}

// halfAAT32 overwrites K⁻¹ in w.l's lower triangle with
// G = ½AAᵀ − (D/2)K⁻¹, A = K⁻¹Y, the two products in float32: K⁻¹ is
// rounded to a full symmetric float32 matrix, A = K⁻¹Y by one Sgemm, ½AAᵀ
// by one Ssyrk, and G is formed in float64.
func (w *workspace) halfAAT32(y *mat.Dense) {
	n, d := w.n, w.d
	if w.y32 == nil {
		yr := y.RawMatrix()
		w.y32 = make([]float32, n*d)
		for i := range n {
			for j, v := range yr.Data[i*yr.Stride : i*yr.Stride+d] {
				w.y32[i*d+j] = float32(v)
			}
		}
		w.k32 = make([]float32, n*n)
		w.a32 = make([]float32, n*d)
	}
	l, k32 := w.l, w.k32
	// The lower triangle and its mirror, in 64×64 blocks.
	const bs = 64
	triangle(n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			for j, v := range l[i*n : i*n+i+1] {
				k32[i*n+j] = float32(v)
			}
		}
	})
	for ib := 0; ib < n; ib += bs {
		for jb := 0; jb <= ib; jb += bs {
			for i := ib; i < min(ib+bs, n); i++ {
				for j := jb; j < min(jb+bs, i); j++ {
					k32[j*n+i] = k32[i*n+j]
				}
			}
		}
	}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, blas32.General{Rows: n, Cols: n, Stride: n, Data: k32},
		blas32.General{Rows: n, Cols: d, Stride: d, Data: w.y32}, 0, blas32.General{Rows: n, Cols: d, Stride: d, Data: w.a32})
	// ½AAᵀ over k32's lower triangle.
	blas32.Syrk(blas.NoTrans, 0.5, blas32.General{Rows: n, Cols: d, Stride: d, Data: w.a32}, 0,
		blas32.Symmetric{Uplo: blas.Lower, N: n, Stride: n, Data: k32})
	hd := float64(d) / 2
	triangle(n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			li, hr := l[i*n:i*n+i+1], k32[i*n:i*n+i+1]
			for j := range li {
				li[j] = float64(hr[j]) - hd*li[j]
			}
		}
	})
}

// xe and p are the RBF gradient's N×(Q+1) buffers.
func (w *workspace) xe(q1 int) []float64 {
	if len(w.xeb) != w.n*q1 {
		w.xeb = make([]float64, w.n*q1)
	}
	return w.xeb
}

func (w *workspace) p(q1 int) []float64 {
	if len(w.pb) != w.n*q1 {
		w.pb = make([]float64, w.n*q1)
	}
	return w.pb
}

// chunks is how many pieces triangle cuts the rows into.
const chunks = 8

// triangle calls f(c, lo, hi) for the chunks c of rows [lo, hi) of an
// n×n lower triangle, cut so that each holds about the same number of
// entries, on up to GOMAXPROCS goroutines. The RBF kernel's exponentials
// and G ⊙ k run here: on one core, about a tenth of an evaluation beside
// the BLAS calls.
func triangle(n int, f func(c, lo, hi int)) {
	bounds := [chunks + 1]int{}
	for c := 1; c < chunks; c++ {
		bounds[c] = int(float64(n) * math.Sqrt(float64(c)/chunks))
	}
	bounds[chunks] = n
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 || n < 64 {
		for c := range chunks {
			f(c, bounds[c], bounds[c+1])
		}
		return
	}
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := int(next.Add(1)) - 1; c < chunks; c = int(next.Add(1)) - 1 {
				f(c, bounds[c], bounds[c+1])
			}
		}()
	}
	wg.Wait()
}

// lower is the Cholesky factor in l's lower triangle.
func (w *workspace) lower() blas64.Triangular {
	return blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: w.n, Stride: w.n, Data: w.l}
}

// ag is the N×D buffer a as a matrix.
func (w *workspace) ag() blas64.General {
	return blas64.General{Rows: w.n, Cols: w.d, Stride: w.d, Data: w.a}
}

func (g *GPLVM) workspace(n, d int) *workspace {
	if g.ws == nil || g.ws.n != n || g.ws.d != d {
		g.ws = &workspace{n: n, d: d, kf: make([]float64, n*n), l: make([]float64, n*n), a: make([]float64, n*d)}
	}
	return g.ws
}

// sym is the N×N row-major buffer s as a symmetric matrix stored in its
// lower triangle.
func sym(n int, s []float64) blas64.Symmetric {
	return blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: n, Data: s}
}

func sqDist(a, b []float64) float64 {
	var s float64
	for k := range a {
		t := a[k] - b[k]
		s += t * t
	}
	return s
}

func elementMul(a, b mat.Matrix) *mat.Dense {
	var c mat.Dense
	c.MulElem(a, b)
	return &c
}

func dot(a, b []float64) float64 {
	var s float64
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}

// Theta packs latent points and hyperparameters into θ (gamma is ignored
// for the linear kernel).
func (g *GPLVM) Theta(x *mat.Dense, alpha, beta, gamma float64) []float64 {
	n, q := x.Dims()
	theta := make([]float64, 0, g.NumParams())
	for i := range n {
		for k := range q {
			theta = append(theta, x.At(i, k))
		}
	}
	theta = append(theta, math.Log(alpha), math.Log(beta))
	if g.Kernel == RBF {
		theta = append(theta, math.Log(gamma))
	}
	return theta
}

// Fit is the outcome of Optimize.
type Fit struct {
	X                  *mat.Dense // N×Q latent points at the optimum
	Alpha, Beta, Gamma float64    // Gamma: RBF only
	LogLikInit, LogLik float64    // L at the initialization and at the optimum
	Iterations         int
	// Values counts the evaluations of L (its initialization's
	// included), Gradients those of which the gradient was needed too
	// (the rest are a line search's rejected trial points).
	Values, Gradients int
	Status            string // why L-BFGS stopped
}

// Options control Optimize.
type Options struct {
	MaxIter int // L-BFGS major iterations; 0: 1000
	// Progress, if set, is called at every major iteration with its
	// number and L.
	Progress func(iter int, loglik float64)
}

// Init returns the initialization of Optimize: the PCA scores, each
// column scaled to unit variance (Lawrence's practice), α the mean
// variance of Y's entries, β its inverse, and γ = 1.
func (g *GPLVM) Init() (x *mat.Dense, alpha, beta, gamma float64, err error) {
	x, _, err = PCA(g.Y, g.Q)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	n, d := g.Y.Dims()
	for k := range g.Q {
		var s float64
		for i := range n {
			s += x.At(i, k) * x.At(i, k)
		}
		sd := math.Sqrt(s / float64(n))
		if sd == 0 {
			sd = 1
		}
		for i := range n {
			x.Set(i, k, x.At(i, k)/sd)
		}
	}
	v := mat.Sum(elementMul(g.Y, g.Y)) / float64(n*d)
	if !(v > 0) {
		return nil, 0, 0, 0, errors.New("embed: GP-LVM: the data has no variance")
	}
	return x, v, 1 / v, 1, nil
}

// Optimize maximizes L over X and the hyperparameters with L-BFGS from
// Init. L at the optimum is never below L at the initialization (L-BFGS
// only accepts steps that decrease −L; a failing line search keeps the
// best point).
func (g *GPLVM) Optimize(o Options) (*Fit, error) {
	n, _ := g.Y.Dims()
	x0, a0, b0, c0, err := g.Init()
	if err != nil {
		return nil, err
	}
	theta0 := g.Theta(x0, a0, b0, c0)
	l0, err := g.LogLik(theta0, nil)
	if err != nil {
		return nil, fmt.Errorf("embed: GP-LVM at the PCA initialization: %v", err)
	}
	e := &evaluator{g: g, x: slices.Clone(theta0), f: -l0, ok: true, grad: make([]float64, len(theta0))}
	p := optimize.Problem{Func: e.Func, Grad: e.Grad}
	maxIter := o.MaxIter
	if maxIter <= 0 {
		maxIter = 1000
	}
	settings := &optimize.Settings{
		MajorIterations:   maxIter,
		GradientThreshold: 1e-8,
		Converger:         &optimize.FunctionConverge{Relative: 1e-12, Iterations: 20},
		Recorder:          &recorder{progress: o.Progress},
	}
	res, err := optimize.Minimize(p, theta0, settings, &optimize.LBFGS{})
	if res == nil {
		return nil, fmt.Errorf("embed: GP-LVM: %v", err)
	}
	// Any stop (iteration limit, a line search that cannot progress) keeps
	// the best location found, which is no worse than the start.
	theta := res.X
	l1 := -res.F
	if !(l1 >= l0) || math.IsNaN(l1) {
		theta, l1 = theta0, l0
	}
	fit := &Fit{X: mat.NewDense(n, g.Q, slices.Clone(theta[:n*g.Q])),
		Alpha: math.Exp(theta[n*g.Q]), Beta: math.Exp(theta[n*g.Q+1]),
		LogLikInit: l0, LogLik: l1, Iterations: res.Stats.MajorIterations,
		Values: e.values + 1, Gradients: e.grads,
		Status: stopReason(res.Status, err, maxIter)}
	if g.Kernel == RBF {
		fit.Gamma = math.Exp(theta[n*g.Q+2])
	}
	return fit, nil
}

// evaluator is −L and −∂L/∂θ for gonum's minimizer. The line search
// asks for −L alone at a trial point (Func) and for the gradient only at
// a point it may accept (Grad, at the same θ): value runs once per point
// and gradient, which costs about twice as much, only when asked.
type evaluator struct {
	g       *GPLVM
	x       []float64 // θ of the last value
	f       float64   // −L at x, +Inf where K is not positive definite
	ok      bool      // value succeeded at x
	grad    []float64 // −∂L/∂θ at x, when hasGrad
	hasGrad bool

	values, grads int
}

func (e *evaluator) at(theta []float64) {
	if slices.Equal(theta, e.x) {
		return
	}
	e.x = append(e.x[:0], theta...)
	e.hasGrad = false
	e.values++
	l, err := e.g.value(theta)
	e.f, e.ok = -l, err == nil
	if !e.ok {
		e.f = math.Inf(1)
	}
}

// Func is −L(θ).
func (e *evaluator) Func(theta []float64) float64 {
	e.at(theta)
	return e.f
}

// Grad writes −∂L/∂θ into grad.
func (e *evaluator) Grad(grad, theta []float64) {
	e.at(theta)
	if !e.hasGrad {
		e.hasGrad = true
		e.grads++
		if !e.ok || e.g.gradient(theta, e.grad) != nil {
			for i := range e.grad {
				e.grad[i] = math.NaN()
			}
		} else {
			for i := range e.grad {
				e.grad[i] = -e.grad[i]
			}
		}
	}
	copy(grad, e.grad)
}

// stopReason says in words why L-BFGS stopped. A line search that finds
// no step improving L (gonum's Failure "linesearch: failed to converge")
// is how L-BFGS ends at a maximum to rounding, as a rule: it is reported
// as convergence, not as a failure (Optimize keeps the best point).
func stopReason(s optimize.Status, err error, maxIter int) string {
	switch {
	case s == optimize.GradientThreshold:
		return "converged: the gradient is below 1e-8"
	case s == optimize.FunctionConvergence:
		return "converged: L changed by less than 1e-12 relative in 20 iterations"
	case s == optimize.IterationLimit:
		return fmt.Sprintf("the iteration limit, %d", maxIter)
	case s == optimize.Failure && err != nil && strings.Contains(err.Error(), "linesearch"):
		return "converged: no step along the search direction improves L"
	case err != nil:
		return s.String() + ": " + err.Error()
	}
	return s.String()
}

type recorder struct {
	progress func(int, float64)
	iter     int
}

func (r *recorder) Init() error { return nil }

func (r *recorder) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op == optimize.MajorIteration && r.progress != nil {
		r.iter++
		r.progress(r.iter, -loc.F)
	}
	return nil
}

// ClosedFormPPCA is the maximum over X, α and β of the linear-kernel L for
// centered data Y (N×D) and q latent dimensions (Tipping & Bishop 1999, in
// the dual form of Lawrence 2005): with λ_1 ≥ … ≥ λ_N the eigenvalues of
// YYᵀ/D and σ² = Σ_{i>q} λ_i/(N−q),
//
//	L* = −(D/2)·(Σ_{i≤q} log λ_i + (N−q)·log σ² + N).
//
// It is an error when σ² is 0 to rounding (the data has rank ≤ q: L is
// unbounded as β → ∞).
func ClosedFormPPCA(y *mat.Dense, q int) (float64, error) {
	n, d := y.Dims()
	// The eigenvalues of YYᵀ/D (N×N) are those of YᵀY/D (D×D) and N−D
	// zeros: the smaller of the two is decomposed.
	var s mat.SymDense
	if d < n {
		s.SymOuterK(1/float64(d), y.T())
	} else {
		s.SymOuterK(1/float64(d), y)
	}
	var eig mat.EigenSym
	if !eig.Factorize(&s, false) {
		return 0, errors.New("embed: eigendecomposition failed")
	}
	lam := eig.Values(nil)
	for len(lam) < n {
		lam = append(lam, 0)
	}
	slices.Sort(lam)
	slices.Reverse(lam)
	var logTop, rest float64
	for i, l := range lam {
		if i < q {
			logTop += math.Log(l)
		} else {
			rest += max(l, 0)
		}
	}
	sigma2 := rest / float64(n-q)
	if !(sigma2 > 1e-12*lam[0]) {
		return 0, fmt.Errorf("embed: the data has rank ≤ %d: the likelihood is unbounded", q)
	}
	return -float64(d) / 2 * (logTop + float64(n-q)*math.Log(sigma2) + float64(n)), nil
}
