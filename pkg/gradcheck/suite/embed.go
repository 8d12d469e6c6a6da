package suite

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/pkg/embed"
	"github.com/nnfc/nnfc/pkg/gradcheck"
)

// The GP-LVM that `nnfc embed` optimizes (pkg/embed): the same L as
// derivation/gplvm, with its hyperparameters learned too, log-parametrized
// (θ = X, log α, log β[, log γ]):
//
//	G = ∂L/∂K = ½(K⁻¹YYᵀK⁻¹ − D·K⁻¹),
//	∂L/∂log α = Σ G ⊙ k(X, X),  ∂L/∂log β = −β⁻¹·tr(G),
//	linear: ∂L/∂X = 2αGX;  rbf: ∂L/∂x_i = −2γ Σ_j G_ij k_ij (x_i − x_j),
//	rbf: ∂L/∂log γ = −(γ/2) Σ G_ij k_ij ‖x_i − x_j‖².
const embedN, embedQ, embedD = 7, 2, 5

func embedChecks() []Check {
	var cs []Check
	for _, kernel := range embed.Kernels {
		doc := "embed's GP-LVM, linear kernel: ∂L/∂X, ∂L/∂log α, ∂L/∂log β (N=7, Q=2, D=5) vs finite differences; " +
			"negative: ∂L/∂α given for ∂L/∂log α (chain factor α forgotten), and the sign of ∂L/∂log β flipped"
		if kernel == embed.RBF {
			doc = "embed's GP-LVM, RBF kernel: ∂L/∂X, ∂L/∂log α, ∂L/∂log β, ∂L/∂log γ (N=7, Q=2, D=5) vs finite differences; " +
				"negative: ∂L/∂X halved (the G_ji half of the symmetric sum forgotten), and the factor γ of ∂L/∂log γ dropped"
		}
		cs = append(cs, Check{
			Name:     "embed/gplvm/" + kernel,
			Doc:      doc,
			Run:      func() []gradcheck.Result { return runEmbedGPLVM(kernel, false) },
			Negative: func() []gradcheck.Result { return runEmbedGPLVM(kernel, true) },
		})
	}
	return cs
}

func runEmbedGPLVM(kernel string, wrong bool) []gradcheck.Result {
	check := "embed/gplvm/" + kernel
	rng := rand.New(rand.NewPCG(31, 32))
	y := mat.NewDense(embedN, embedD, nil)
	for i := range embedN {
		for j := range embedD {
			y.Set(i, j, rng.NormFloat64())
		}
	}
	g := &embed.GPLVM{Y: embed.Center(y), Q: embedQ, Kernel: kernel}
	x := mat.NewDense(embedN, embedQ, nil)
	for i := range embedN {
		for k := range embedQ {
			x.Set(i, k, rng.NormFloat64())
		}
	}
	const alpha, beta, gamma = 1.3, 2.0, 0.7
	theta := g.Theta(x, alpha, beta, gamma)
	grad := make([]float64, len(theta))
	if _, err := g.LogLik(theta, grad); err != nil {
		return []gradcheck.Result{{Check: check, Tensor: "θ", Err: err.Error()}}
	}
	f := func() float64 {
		l, err := g.LogLik(theta, nil)
		if err != nil {
			return math.NaN()
		}
		return l
	}
	num := gradcheck.Numerical(f, theta, gradcheck.DefaultStep)
	nq := embedN * embedQ
	if !wrong {
		rs := []gradcheck.Result{
			compare(check, "∂L/∂X", grad[:nq], num[:nq]),
			compare(check, "∂L/∂log α, ∂L/∂log β", grad[nq:nq+2], num[nq:nq+2]),
		}
		if kernel == embed.RBF {
			rs = append(rs, compare(check, "∂L/∂log γ", grad[nq+2:], num[nq+2:]))
		}
		return rs
	}
	if kernel == embed.Linear {
		return []gradcheck.Result{
			compare(check, "negative, ∂L/∂α for ∂L/∂log α", []float64{grad[nq] / alpha}, num[nq:nq+1]),
			compare(check, "negative, sign of ∂L/∂log β flipped", []float64{-grad[nq+1]}, num[nq+1:nq+2]),
		}
	}
	half := make([]float64, nq)
	for i := range half {
		half[i] = grad[i] / 2
	}
	return []gradcheck.Result{
		compare(check, "negative, ∂L/∂X halved", half, num[:nq]),
		compare(check, "negative, factor γ of ∂L/∂log γ dropped", []float64{grad[nq+2] / gamma}, num[nq+2:]),
	}
}
