package embed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/nnfc/nnfc/internal/blasbackend"
)

// logLikRef is LogLik as first written, with gonum/mat (a Cholesky, its
// InverseTo, element loops through At): the reference the fast LogLik is
// tested against. It returns L(θ) and, when grad is not nil (len NumParams), writes
// ∂L/∂θ into it. With G = ∂L/∂K = ½(K⁻¹YYᵀK⁻¹ − D·K⁻¹), symmetric:
//
//	linear: ∂L/∂X = 2αGX               (= αK⁻¹YYᵀK⁻¹X − αDK⁻¹X, the seed's)
//	rbf:    ∂L/∂x_i = −2γ Σ_j G_ij k_ij (x_i − x_j)
//	        ∂L/∂log α = Σ_ij G_ij k_ij (both kernels; k without the noise)
//	        ∂L/∂log β = −β⁻¹·tr(G)
//	        ∂L/∂log γ = −(γ/2) Σ_ij G_ij k_ij ‖x_i − x_j‖²
func (g *GPLVM) logLikRef(theta, grad []float64) (float64, error) {
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

func scaledSym(f float64, s *mat.SymDense) *mat.SymDense {
	var c mat.SymDense
	c.ScaleSym(f, s)
	return &c
}

// TestLogLikMatchesReference: the level-3 LogLik (on the backend
// blasbackend.Init registers: OpenBLAS's BLAS and LAPACK in the cgo build,
// gonum's in the pure-Go one) returns the reference's L and gradient to
// rounding, for both kernels, at the PCA initialization and at a random θ.
func TestLogLikMatchesReference(t *testing.T) {
	if err := blasbackend.Init(0); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, route := range []struct {
		kernel string
		solve  bool
	}{{Linear, false}, {RBF, false}, {Linear, true}, {RBF, true}} {
		kernel := route.kernel
		if route.solve {
			kernel += "(solve)"
		}
		g := &GPLVM{Y: Center(lowRank(120, 30, 5, 0.3, 3)), Q: 2, Kernel: route.kernel, solve: route.solve}
		againstRef(t, g, kernel, rng, func(name string, got, want []float64) {
			scale := 0.0
			for _, v := range want {
				scale = max(scale, math.Abs(v))
			}
			for i := range got {
				if math.Abs(got[i]-want[i]) > 1e-9*scale {
					t.Fatalf("%s/%s: ∂L/∂θ[%d] = %.12g, reference %.12g (largest |∂L/∂θ| %.3g)", kernel, name, i, got[i], want[i], scale)
				}
			}
		})
	}
}

// againstRef evaluates g at its PCA initialization and at a random θ near
// it (0.3 standard normal per entry, from rng): LogLik's L must be the
// reference's to 1e-10 relative and L alone (no gradient) the same number;
// check then judges the two gradients.
func againstRef(t *testing.T, g *GPLVM, label string, rng *rand.Rand, check func(name string, got, want []float64)) {
	t.Helper()
	x, a, b, c, err := g.Init()
	if err != nil {
		t.Fatal(err)
	}
	random := g.Theta(x, a, b, c)
	for i := range random {
		random[i] += 0.3 * rng.NormFloat64()
	}
	for name, theta := range map[string][]float64{"init": g.Theta(x, a, b, c), "random": random} {
		got, want := make([]float64, len(theta)), make([]float64, len(theta))
		l, err := g.LogLik(theta, got)
		if err != nil {
			t.Fatal(err)
		}
		lr, err := g.logLikRef(theta, want)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(l-lr) > 1e-10*math.Abs(lr) {
			t.Errorf("%s/%s: L %.15g, reference %.15g", label, name, l, lr)
		}
		check(name, got, want)
		if l2, _ := g.LogLik(theta, nil); l2 != l {
			t.Errorf("%s/%s: L without the gradient %.15g, with %.15g", label, name, l2, l)
		}
	}
}

// TestPCAMatchesSVD: PCA (an eigendecomposition of the covariance, or of
// the Gram matrix when D > N) gives gonum's SVD-based stat.PC's explained
// variance and scores, up to each component's sign.
func TestPCAMatchesSVD(t *testing.T) {
	if err := blasbackend.Init(0); err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{200, 30}, {25, 60}} {
		n, d := size[0], size[1]
		y := lowRank(n, d, 4, 0.2, 9)
		s, ev, err := PCA(y, 2)
		if err != nil {
			t.Fatal(err)
		}
		var pc stat.PC
		if !pc.PrincipalComponents(y, nil) {
			t.Fatal("stat.PC failed")
		}
		vars := pc.VarsTo(nil)
		var total float64
		for _, v := range vars {
			total += v
		}
		var vecs mat.Dense
		pc.VectorsTo(&vecs)
		var want mat.Dense
		want.Mul(Center(y), vecs.Slice(0, d, 0, 2))
		for k := range 2 {
			if math.Abs(ev[k]-vars[k]/total) > 1e-10 {
				t.Errorf("N=%d D=%d: component %d explains %.12g, stat.PC %.12g", n, d, k, ev[k], vars[k]/total)
			}
			sign := 1.0
			if s.At(0, k)*want.At(0, k) < 0 {
				sign = -1
			}
			for i := range n {
				if math.Abs(sign*s.At(i, k)-want.At(i, k)) > 1e-8*(1+math.Abs(want.At(i, k))) {
					t.Fatalf("N=%d D=%d: score (%d, %d) %.12g, stat.PC %.12g", n, d, i, k, s.At(i, k), want.At(i, k))
				}
			}
		}
	}
}
