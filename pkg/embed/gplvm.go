package embed

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/blas"
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
// and LAPACK (internal/blasbackend registers OpenBLAS's): Dpotrf for K =
// LLᵀ, two Dtrsm for K⁻¹Y, Dpotri for K⁻¹ and one Dsyrk that forms G
// over it; the element-wise sums run over the lower triangles of flat
// buffers. The buffers are kept between calls: a GPLVM is not safe for
// concurrent use.
func (g *GPLVM) LogLik(theta, grad []float64) (float64, error) {
	n, d := g.Y.Dims()
	q := g.Q
	if len(theta) != g.NumParams() {
		panic(fmt.Sprintf("embed: θ has %d entries, want %d", len(theta), g.NumParams()))
	}
	w := g.workspace(n, d)
	x := theta[:n*q] // N×Q, row-major
	alpha, beta := math.Exp(theta[n*q]), math.Exp(theta[n*q+1])
	gamma := 0.0
	// kf, the kernel without the noise term, in its lower triangle.
	kf := w.kf
	switch g.Kernel {
	case Linear:
		blas64.Syrk(blas.NoTrans, alpha, blas64.General{Rows: n, Cols: q, Stride: q, Data: x}, 0, sym(n, kf))
	case RBF:
		gamma = math.Exp(theta[n*q+2])
		for i := range n {
			xi := x[i*q : i*q+q]
			row := kf[i*n : i*n+i+1]
			for j := range row {
				row[j] = alpha * math.Exp(-gamma/2*sqDist(xi, x[j*q:j*q+q]))
			}
		}
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
	// A = K⁻¹Y = L⁻ᵀ(L⁻¹Y).
	yr := g.Y.RawMatrix()
	a := w.a
	for i := range n {
		copy(a[i*d:(i+1)*d], yr.Data[i*yr.Stride:i*yr.Stride+d])
	}
	lt := blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: n, Data: l}
	ag := blas64.General{Rows: n, Cols: d, Stride: d, Data: a}
	blas64.Trsm(blas.Left, blas.NoTrans, 1, lt, ag)
	blas64.Trsm(blas.Left, blas.Trans, 1, lt, ag)
	var tr float64 // tr(K⁻¹YYᵀ) = Σ Y ⊙ K⁻¹Y
	for i := range n {
		tr += dot(yr.Data[i*yr.Stride:i*yr.Stride+d], a[i*d:(i+1)*d])
	}
	L := -float64(d)/2*logDet - 0.5*tr
	if grad == nil {
		return L, nil
	}
	// G = ½AAᵀ − (D/2)K⁻¹, in the lower triangle of L's buffer.
	if _, ok := lapack64.Potri(lt); !ok {
		return math.Inf(-1), errNotPD
	}
	gm := l
	blas64.Syrk(blas.NoTrans, 0.5, ag, -float64(d)/2, sym(n, gm))
	var sumGK, sumGKR, trG float64
	for i := range n {
		gi, ki := gm[i*n:i*n+i], kf[i*n:i*n+i]
		sumGK += 2*dot(gi, ki) + gm[i*n+i]*kf[i*n+i]
		trG += gm[i*n+i]
	}
	gx := grad[:n*q]
	switch g.Kernel {
	case Linear:
		// ∂L/∂X = 2αGX.
		blas64.Symm(blas.Left, 2*alpha, sym(n, gm), blas64.General{Rows: n, Cols: q, Stride: q, Data: x}, 0,
			blas64.General{Rows: n, Cols: q, Stride: q, Data: gx})
	case RBF:
		clear(gx)
		// Each pair j < i once: G and k are symmetric.
		for i := range n {
			xi, gxi := x[i*q:i*q+q], gx[i*q:i*q+q]
			gi, ki := gm[i*n:i*n+i], kf[i*n:i*n+i]
			for j := range gi {
				wij := gi[j] * ki[j]
				xj, gxj := x[j*q:j*q+q], gx[j*q:j*q+q]
				var r2 float64
				for k := range xi {
					t := xi[k] - xj[k]
					r2 += t * t
					gxi[k] -= 2 * gamma * wij * t
					gxj[k] += 2 * gamma * wij * t
				}
				sumGKR += 2 * wij * r2
			}
		}
		grad[n*q+2] = -gamma / 2 * sumGKR
	}
	grad[n*q] = sumGK
	grad[n*q+1] = -trG / beta
	return L, nil
}

// workspace holds LogLik's buffers: kf and L (N×N, lower triangles used),
// A (N×D).
type workspace struct {
	n, d     int
	kf, l, a []float64
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
	Iterations, Evals  int
	Status             string // why L-BFGS stopped
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
	// Func and Grad are called at the same points; evaluate once.
	var lastX, lastG []float64
	var lastF float64
	eval := func(theta []float64) {
		if lastX != nil && slices.Equal(theta, lastX) {
			return
		}
		lastX = slices.Clone(theta)
		lastG = make([]float64, len(theta))
		l, err := g.LogLik(theta, lastG)
		if err != nil {
			lastF = math.Inf(1)
			for i := range lastG {
				lastG[i] = math.NaN()
			}
			return
		}
		lastF = -l
		for i := range lastG {
			lastG[i] = -lastG[i]
		}
	}
	p := optimize.Problem{
		Func: func(theta []float64) float64 { eval(theta); return lastF },
		Grad: func(grad, theta []float64) { eval(theta); copy(grad, lastG) },
	}
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
		LogLikInit: l0, LogLik: l1, Iterations: res.Stats.MajorIterations, Evals: res.Stats.FuncEvaluations,
		Status: stopReason(res.Status, err, maxIter)}
	if g.Kernel == RBF {
		fit.Gamma = math.Exp(theta[n*g.Q+2])
	}
	return fit, nil
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
