package suite

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Tied-weight linear autoencoder: W is k×d, each sample x a d-vector,
//
//	L = ½ Σ_n ‖WᵀW x_n − x_n‖²,  K_n = WᵀW x_n − x_n,
//	∇W = Σ_n (W K_n x_nᵀ + W x_n K_nᵀ).
//
// With the samples as the columns of X (d×N) and K = WᵀWX − X, the sums
// are the matrix products ∇W = W K Xᵀ + W X Kᵀ.
const aeK, aeD = 3, 5

func autoencoderCheck() Check {
	return Check{
		Name: "derivation/autoencoder",
		Doc: "∇W = W K xᵀ + W x Kᵀ of L = ½‖WᵀWx − x‖² (W 3×5; one sample and a batch of 4) vs finite differences " +
			"and vs two bias-free layers.Affine (encoder W, decoder Wᵀ); negative: the W x Kᵀ term dropped",
		Run:      func() []gradcheck.Result { return runAutoencoder(false) },
		Negative: func() []gradcheck.Result { return runAutoencoder(true) },
	}
}

func runAutoencoder(wrong bool) []gradcheck.Result {
	const check = "derivation/autoencoder"
	rng := rand.New(rand.NewPCG(11, 12))
	w := make([]float64, aeK*aeD) // row-major k×d
	for i := range w {
		w[i] = 0.5 * rng.NormFloat64()
	}
	var rs []gradcheck.Result
	for _, n := range []int{1, 4} {
		what := "one sample"
		if n > 1 {
			what = fmt.Sprintf("batch of %d", n)
		}
		x := randMatrix(rng, n, aeD) // one sample per row
		closed := autoencoderGrad(w, x, wrong)
		f := func() float64 { return autoencoderLoss(w, x) }
		numeric := gradcheck.Numerical(f, w, gradcheck.DefaultStep)
		rs = append(rs, compare(check, what+": ∇W closed form vs numerical", closed, numeric))
		if wrong {
			continue
		}
		composed, loss := autoencoderLayers(w, x)
		rs = append(rs,
			compare(check, what+": ∇W layers vs closed form", composed, closed),
			compare(check, what+": ∇W layers vs numerical", composed, numeric),
			compare(check, what+": L layers vs closed form", []float64{loss}, []float64{f()}),
		)
	}
	return rs
}

// autoencoderLoss is ½ Σ_n ‖WᵀW x_n − x_n‖² in plain loops (x is N×d, one
// sample per row, w row-major k×d).
func autoencoderLoss(w []float64, x *layers.Matrix[float64]) float64 {
	var l float64
	code := make([]float64, aeK)
	for n := range x.Rows {
		xn := x.Row(n)
		for a := range aeK { // code = W x
			code[a] = 0
			for i := range aeD {
				code[a] += w[a*aeD+i] * xn[i]
			}
		}
		for i := range aeD { // r = Wᵀ code − x
			r := -xn[i]
			for a := range aeK {
				r += w[a*aeD+i] * code[a]
			}
			l += 0.5 * r * r
		}
	}
	return l
}

// autoencoderGrad is the closed form ∇W = W K Xᵀ + W X Kᵀ with the
// samples as the columns of X; wrong drops the W X Kᵀ term.
func autoencoderGrad(w []float64, x *layers.Matrix[float64], wrong bool) []float64 {
	W := mat.NewDense(aeK, aeD, slices.Clone(w))
	X := mat.NewDense(x.Rows, aeD, slices.Clone(x.Data)).T() // d×N
	var wx, k, wk, g, t mat.Dense
	wx.Mul(W, X)      // W X, k×N
	k.Mul(W.T(), &wx) // WᵀW X
	k.Sub(&k, X)      // K = WᵀWX − X, d×N
	wk.Mul(W, &k)
	g.Mul(&wk, X.T()) // W K Xᵀ
	if !wrong {
		t.Mul(&wx, k.T()) // W X Kᵀ
		g.Add(&g, &t)
	}
	return slices.Clone(g.RawMatrix().Data)
}

// autoencoderLayers runs the autoencoder as two bias-free affine layers,
// encoder weight W (k×d) and decoder weight Wᵀ (d×k), with the upstream
// gradient of ½‖r − x‖², dr = r − x. W feeds both layers, so ∇W is the
// encoder's dW plus the transpose of the decoder's. It returns ∇W and L.
func autoencoderLayers(w []float64, x *layers.Matrix[float64]) ([]float64, float64) {
	enc := layers.NewAffine[float64]("enc.", aeD, aeK)
	dec := layers.NewAffine[float64]("dec.", aeK, aeD)
	enc.SkipInputGrad = true
	copy(enc.W.Data, w)
	for a := range aeK {
		for i := range aeD {
			dec.W.Data[i*aeK+a] = w[a*aeD+i]
		}
	}
	r := dec.Forward(enc.Forward(x))
	dr := layers.NewMatrix[float64](r.Rows, r.Cols)
	var loss float64
	for i, v := range r.Data {
		dr.Data[i] = v - x.Data[i]
		loss += 0.5 * dr.Data[i] * dr.Data[i]
	}
	enc.Backward(dec.Backward(dr))
	g := slices.Clone(enc.W.Grad)
	for a := range aeK {
		for i := range aeD {
			g[a*aeD+i] += dec.W.Grad[i*aeK+a]
		}
	}
	return g, loss
}
