package suite

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/pkg/gradcheck"
)

// GP-LVM log-likelihood of latent points X (N×Q) for data Y (N×D):
//
//	K = αXXᵀ + β⁻¹I,  L = −(D/2)·log|K| − ½·tr(K⁻¹YYᵀ),
//	∂L/∂X = α K⁻¹YYᵀK⁻¹X − α D K⁻¹X.
//
// (dL = −(D/2)tr(K⁻¹dK) + ½tr(K⁻¹YYᵀK⁻¹dK) with dK = α(dX Xᵀ + X dXᵀ), and
// tr(A dX Xᵀ) + tr(A X dXᵀ) = 2tr(XᵀA dX) for symmetric A.) Every K⁻¹ is a
// Cholesky solve; no inverse is formed.
const (
	gpN, gpQ, gpD     = 6, 2, 4
	gpAlpha, gpBeta   = 1.3, 2.0
	gpCheck           = "derivation/gplvm"
	gpMistakeDropD    = "negative, factor D dropped: ∂L/∂X vs numerical"
	gpMistakeFlipSign = "negative, sign of α D K⁻¹X flipped: ∂L/∂X vs numerical"
)

func gplvmCheck() Check {
	return Check{
		Name: gpCheck,
		Doc: "∂L/∂X = αK⁻¹YYᵀK⁻¹X − αDK⁻¹X of the GP-LVM log-likelihood (N=6, Q=2, D=4, α=1.3, β=2; Cholesky solves) " +
			"vs finite differences; negative: the factor D dropped, and the sign of its term flipped",
		Run:      func() []gradcheck.Result { return runGPLVM(false) },
		Negative: func() []gradcheck.Result { return runGPLVM(true) },
	}
}

func runGPLVM(wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(21, 22))
	xs := make([]float64, gpN*gpQ)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	X := mat.NewDense(gpN, gpQ, xs) // shares xs: the finite difference perturbs X
	Y := mat.NewDense(gpN, gpD, nil)
	for i := range gpN {
		for j := range gpD {
			Y.Set(i, j, rng.NormFloat64())
		}
	}
	f := func() float64 { return gplvmLoss(X, Y) }
	numeric := gradcheck.Numerical(f, xs, gradcheck.DefaultStep)
	if !wrong {
		return []gradcheck.Result{compare(gpCheck, "∂L/∂X closed form vs numerical", gplvmGrad(X, Y, gpD, 1), numeric)}
	}
	return []gradcheck.Result{
		compare(gpCheck, gpMistakeDropD, gplvmGrad(X, Y, 1, 1), numeric),
		compare(gpCheck, gpMistakeFlipSign, gplvmGrad(X, Y, gpD, -1), numeric),
	}
}

// gplvmChol factorizes K = αXXᵀ + β⁻¹I.
func gplvmChol(X *mat.Dense) *mat.Cholesky {
	var K mat.SymDense
	K.SymOuterK(gpAlpha, X)
	for i := range gpN {
		K.SetSym(i, i, K.At(i, i)+1/gpBeta)
	}
	var chol mat.Cholesky
	if !chol.Factorize(&K) {
		panic("suite: GP-LVM kernel matrix not positive definite")
	}
	return &chol
}

// gplvmLoss is L = −(D/2)·log|K| − ½·tr(K⁻¹YYᵀ), with
// tr(K⁻¹YYᵀ) = Σ Y ⊙ K⁻¹Y.
func gplvmLoss(X, Y *mat.Dense) float64 {
	chol := gplvmChol(X)
	var kiy mat.Dense
	if err := chol.SolveTo(&kiy, Y); err != nil {
		return math.NaN()
	}
	var tr float64
	for i := range gpN {
		for j := range gpD {
			tr += Y.At(i, j) * kiy.At(i, j)
		}
	}
	return -float64(gpD)/2*chol.LogDet() - 0.5*tr
}

// gplvmGrad is α K⁻¹Y (K⁻¹Y)ᵀX − sign·α·d·K⁻¹X: the right gradient for
// d = D and sign = 1, a student's mistake otherwise. K⁻¹YYᵀK⁻¹X is
// computed as (K⁻¹Y)((K⁻¹Y)ᵀX), K⁻¹ being symmetric.
func gplvmGrad(X, Y *mat.Dense, d, sign float64) []float64 {
	chol := gplvmChol(X)
	var kiy, kix, m, g mat.Dense
	if err := chol.SolveTo(&kiy, Y); err != nil {
		panic("suite: " + err.Error())
	}
	if err := chol.SolveTo(&kix, X); err != nil {
		panic("suite: " + err.Error())
	}
	m.Mul(kiy.T(), X) // D×Q
	g.Mul(&kiy, &m)   // K⁻¹YYᵀK⁻¹X, N×Q
	kix.Scale(sign*d, &kix)
	g.Sub(&g, &kix)
	g.Scale(gpAlpha, &g)
	return g.RawMatrix().Data
}
