package suite

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Two-layer swish net with softmax over C classes, for one sample x:
//
//	z1 = W1x + b1,  h1 = swish(z1) = z1⊙σ(z1),  s = W2h1 + b2,  p = softmax(s),
//	L = −log p_y,
//	∂L/∂W2 = (p − e_y) h1ᵀ,  ∂L/∂b2 = p − e_y,
//	∂L/∂z1 = (h1 + σ(z1)⊙(1 − h1)) ⊙ (W2ᵀ(p − e_y)),
//	∂L/∂W1 = ∂L/∂z1 xᵀ,  ∂L/∂b1 = ∂L/∂z1.
//
// For a batch, L is the mean over the samples (as model.Net's loss is),
// and so is every gradient.
const swD, swH, swC = 5, 6, 7

// swishParams are W1 (H×D), b1 (H), W2 (C×H), b2 (C), row-major, in
// model.Net's state_dict order.
type swishParams struct{ w1, b1, w2, b2 []float64 }

func (p *swishParams) tensors() [][]float64 { return [][]float64{p.w1, p.b1, p.w2, p.b2} }

var swishNames = []string{"W1", "b1", "W2", "b2"}

func swishnetCheck() Check {
	return Check{
		Name: "derivation/swishnet",
		Doc: "closed-form gradients of a 5-6-7 swish net with softmax (one sample and a batch of 4) vs finite differences " +
			"and vs model.Net; negative: ∂h1/∂z1 = σ(z1)⊙(1−σ(z1))",
		Run:      func() []gradcheck.Result { return runSwishnet(false) },
		Negative: func() []gradcheck.Result { return runSwishnet(true) },
	}
}

func runSwishnet(wrong bool) []gradcheck.Result {
	const check = "derivation/swishnet"
	rng := rand.New(rand.NewPCG(31, 32))
	p := &swishParams{make([]float64, swH*swD), make([]float64, swH), make([]float64, swC*swH), make([]float64, swC)}
	for _, t := range p.tensors() {
		fan := float64(swD)
		if len(t) == swC*swH {
			fan = swH
		}
		for i := range t {
			t[i] = rng.NormFloat64() / math.Sqrt(fan)
		}
	}
	var rs []gradcheck.Result
	for _, n := range []int{1, 4} {
		what := "one sample"
		if n > 1 {
			what = fmt.Sprintf("batch of %d", n)
		}
		x := randMatrix(rng, n, swD)
		y := make([]int32, n)
		for i := range y {
			y[i] = int32(rng.IntN(swC))
		}
		closed, loss := swishnetGrad(p, x, y, wrong)
		f := func() float64 { _, l := swishnetGrad(p, x, y, false); return l }
		numeric := make([][]float64, 4)
		for k, t := range p.tensors() {
			numeric[k] = gradcheck.Numerical(f, t, gradcheck.DefaultStep)
			rs = append(rs, compare(check, what+": "+swishNames[k]+" closed form vs numerical", closed[k], numeric[k]))
		}
		if wrong {
			continue
		}
		net, netLoss := swishnetModel(p, x, y)
		for k, q := range net.Params() {
			rs = append(rs, compare(check, what+": "+swishNames[k]+" closed form vs model.Net", closed[k], q.Grad))
		}
		rs = append(rs, compare(check, what+": L closed form vs model.Net", []float64{loss}, []float64{netLoss}))
	}
	return rs
}

// swishnetGrad returns the closed-form gradients (W1, b1, W2, b2) and the
// loss, both means over the batch, in plain loops. wrong uses
// σ(z1)⊙(1−σ(z1)) for ∂h1/∂z1.
func swishnetGrad(p *swishParams, x *layers.Matrix[float64], y []int32, wrong bool) ([][]float64, float64) {
	g := [][]float64{make([]float64, swH*swD), make([]float64, swH), make([]float64, swC*swH), make([]float64, swC)}
	dw1, db1, dw2, db2 := g[0], g[1], g[2], g[3]
	inv := 1 / float64(x.Rows)
	var loss float64
	z1, sig, h1, s, e, dz1 := make([]float64, swH), make([]float64, swH), make([]float64, swH),
		make([]float64, swC), make([]float64, swC), make([]float64, swH)
	for n := range x.Rows {
		xn, yn := x.Row(n), int(y[n])
		for j := range swH { // z1 = W1x + b1, h1 = z1⊙σ(z1)
			z1[j] = p.b1[j]
			for i := range swD {
				z1[j] += p.w1[j*swD+i] * xn[i]
			}
			sig[j] = sigmoid(z1[j])
			h1[j] = z1[j] * sig[j]
		}
		m := math.Inf(-1)
		for c := range swC { // s = W2h1 + b2
			s[c] = p.b2[c]
			for j := range swH {
				s[c] += p.w2[c*swH+j] * h1[j]
			}
			m = max(m, s[c])
		}
		var sum float64
		for c := range swC {
			sum += math.Exp(s[c] - m)
		}
		loss += (math.Log(sum) + m - s[yn]) * inv // −log p_y = logsumexp(s) − s_y
		for c := range swC {                      // e = (p − e_y)/N
			e[c] = math.Exp(s[c]-m) / sum
			if c == yn {
				e[c]--
			}
			e[c] *= inv
			db2[c] += e[c]
			for j := range swH {
				dw2[c*swH+j] += e[c] * h1[j]
			}
		}
		for j := range swH { // ∂L/∂z1 = (h1 + σ⊙(1−h1)) ⊙ W2ᵀe
			var back float64
			for c := range swC {
				back += p.w2[c*swH+j] * e[c]
			}
			deriv := h1[j] + sig[j]*(1-h1[j])
			if wrong {
				deriv = sig[j] * (1 - sig[j])
			}
			dz1[j] = deriv * back
			db1[j] += dz1[j]
			for i := range swD {
				dw1[j*swD+i] += dz1[j] * xn[i]
			}
		}
	}
	return g, loss
}

// swishnetModel copies p into a model.Net of the same architecture and
// returns it after a forward and backward pass on (x, y), with its loss.
func swishnetModel(p *swishParams, x *layers.Matrix[float64], y []int32) (*model.Net[float64], float64) {
	spec := model.Spec{InputDim: swD, Hidden: []int{swH}, Activations: []string{"swish"}, Classes: swC,
		Loss: "softmax", Init: layers.InitXavier}
	net, err := model.New[float64](spec, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		panic("suite: " + err.Error())
	}
	for k, q := range net.Params() {
		copy(q.Data, p.tensors()[k])
	}
	loss, _ := net.Loss(x, layers.Classes[float64](y))
	return net, loss
}
