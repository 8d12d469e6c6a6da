package embed

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

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
func (g *GPLVM) LogLik(theta, grad []float64) (float64, error) {
	n, d := g.Y.Dims()
	q := g.Q
	if len(theta) != g.NumParams() {
		panic(fmt.Sprintf("embed: θ has %d entries, want %d", len(theta), g.NumParams()))
	}
	x := mat.NewDense(n, q, slices.Clone(theta[:n*q]))
	alpha, beta := math.Exp(theta[n*q]), math.Exp(theta[n*q+1])
	gamma := 0.0
	if g.Kernel == RBF {
		gamma = math.Exp(theta[n*q+2])
	}
	kf := mat.NewSymDense(n, nil) // the kernel without the noise term
	switch g.Kernel {
	case Linear:
		kf.SymOuterK(alpha, x)
	case RBF:
		for i := range n {
			for j := i; j < n; j++ {
				var r2 float64
				for k := range q {
					t := x.At(i, k) - x.At(j, k)
					r2 += t * t
				}
				kf.SetSym(i, j, alpha*math.Exp(-gamma/2*r2))
			}
		}
	default:
		panic("embed: unknown kernel " + g.Kernel)
	}
	K := mat.NewSymDense(n, nil)
	K.CopySym(kf)
	for i := range n {
		K.SetSym(i, i, K.At(i, i)+1/beta)
	}
	var chol mat.Cholesky
	if !chol.Factorize(K) {
		return math.Inf(-1), errNotPD
	}
	var a mat.Dense // K⁻¹Y
	if err := chol.SolveTo(&a, g.Y); err != nil {
		return math.Inf(-1), errNotPD
	}
	tr := mat.Sum(elementMul(g.Y, &a)) // tr(K⁻¹YYᵀ) = Σ Y ⊙ K⁻¹Y
	L := -float64(d)/2*chol.LogDet() - 0.5*tr
	if grad == nil {
		return L, nil
	}
	var kinv mat.SymDense
	if err := chol.InverseTo(&kinv); err != nil {
		return math.Inf(-1), errNotPD
	}
	G := mat.NewSymDense(n, nil)
	G.SymOuterK(0.5, &a) // ½ K⁻¹YYᵀK⁻¹ (K⁻¹Y (K⁻¹Y)ᵀ)
	G.AddSym(G, scaledSym(-0.5*float64(d), &kinv))
	var sumGK, sumGKR, trG float64
	for i := range n {
		trG += G.At(i, i)
		for j := range n {
			sumGK += G.At(i, j) * kf.At(i, j)
		}
	}
	gx := mat.NewDense(n, q, grad[:n*q])
	switch g.Kernel {
	case Linear:
		gx.Mul(G, x)
		gx.Scale(2*alpha, gx)
	case RBF:
		gx.Zero()
		for i := range n {
			for j := range n {
				w := G.At(i, j) * kf.At(i, j)
				var r2 float64
				for k := range q {
					t := x.At(i, k) - x.At(j, k)
					r2 += t * t
					grad[i*q+k] += -2 * gamma * w * t
				}
				sumGKR += w * r2
			}
		}
		grad[n*q+2] = -gamma / 2 * sumGKR
	}
	grad[n*q] = sumGK
	grad[n*q+1] = -trG / beta
	return L, nil
}

func elementMul(a, b mat.Matrix) *mat.Dense {
	var c mat.Dense
	c.MulElem(a, b)
	return &c
}

func scaledSym(f float64, s *mat.SymDense) *mat.SymDense {
	var c mat.SymDense
	c.ScaleSym(f, s)
	return &c
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
	var s mat.SymDense
	s.SymOuterK(1/float64(d), y)
	var eig mat.EigenSym
	if !eig.Factorize(&s, false) {
		return 0, errors.New("embed: eigendecomposition failed")
	}
	lam := eig.Values(nil)
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
