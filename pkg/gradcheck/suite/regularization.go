package suite

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Checks of the regularization layers, batch normalization and dropout:
//
// layer/batchnorm: the input, γ and β gradients of a training-mode
// batchnorm layer on an 8×5 batch whose feature j is N(12, (j+1)²) (the
// course's x = 5·randn + 12, far from the normalized scale). Negative
// twin: dx = γ·invstd·dout, as if the batch mean and variance did not
// depend on x.
//
// layer/dropout: the input gradient of dropout with p = 0.3 and a fixed
// mask on a 6×7 batch. Negative twin: dx = dout at kept units, the
// 1/(1−p) forgotten.
//
// net/batchnorm/h={1,2,3}/{relu,swish,tanh,sigmoid}/reg={0,0.3},
// net/dropout/h=…/…/reg=… (p = 0.4) and net/bn_dropout/h=3/…/reg=0.3
// (p = 0.3): every parameter of a 4-7-3, 4-7-6-3 or 4-7-6-5-3 softmax
// net in training mode, batch 8, γ and β drawn away from 1 and 0,
// dropout masks fixed, ReLU inputs kept kinkMargin from 0 by shifting the
// bias (affine b or batchnorm β) that feeds them. Negative twins: the
// batchnorm layers of the net replaced by the stats-constant backward
// above, or the dropout layers by the one without 1/(1−p).
//
// The batchnorm nets use step regStep and a noise floor; see there.

// regStep is the finite-difference step of the batchnorm net checks.
// Batch normalization divides by the batch standard deviation of its
// input, 0.1–0.3 after a sigmoid or tanh layer, so the loss's higher
// derivatives are much larger than a plain net's: at DefaultStep (1e-3)
// the five-point stencil's h⁴ truncation error alone reached 3e-7
// relative on some seeds of such nets (30 seeds per activation,
// measured); 3e-4 divides it by (10/3)⁴ ≈ 120.
const regStep = 3e-4

// Drop probabilities of the dropout net checks.
const (
	netDropout   = 0.4
	bothDropout  = 0.3
	layerDropout = 0.3
)

func regularizationLayerChecks() []Check {
	return []Check{{
		Name: "layer/batchnorm",
		Doc: "input, γ and β gradients of training-mode batchnorm (8×5 batch, features N(12, (j+1)²)); " +
			"negative: dx = γ·invstd·dout, batch mean and variance treated as constants",
		Run:      func() []gradcheck.Result { return runBatchNormLayer(false) },
		Negative: func() []gradcheck.Result { return runBatchNormLayer(true) },
	}, {
		Name:     "layer/dropout",
		Doc:      fmt.Sprintf("input gradient of dropout (p=%g, fixed mask, 6×7 batch); negative: the 1/(1−p) of kept units forgotten", layerDropout),
		Run:      func() []gradcheck.Result { return runDropoutLayer(false) },
		Negative: func() []gradcheck.Result { return runDropoutLayer(true) },
	}}
}

func runBatchNormLayer(wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, d = 8, 5
	bn := layers.NewBatchNorm[float64]("", d)
	for j := range d {
		bn.Gamma.Data[j] = 0.5 + rng.Float64()
		bn.Beta.Data[j] = rng.NormFloat64()
	}
	x := layers.NewMatrix[float64](n, d)
	for i := range n {
		for j := range d {
			x.Data[i*d+j] = 12 + float64(j+1)*rng.NormFloat64()
		}
	}
	var l layers.Layer[float64] = bn
	if wrong {
		l = &bnConstStats{BatchNorm: bn}
	}
	return gradcheck.Layer("layer/batchnorm", l, x, rng, threshold)
}

func runDropoutLayer(wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(7, 8))
	d := layers.NewDropout[float64](layerDropout, 1)
	d.FixedMask = true
	var l layers.Layer[float64] = d
	if wrong {
		l = &dropoutNoScale{Dropout: d}
	}
	return gradcheck.Layer("layer/dropout", l, randMatrix(rng, 6, 7), rng, threshold)
}

// bnConstStats is a training-mode batchnorm whose backward treats the
// batch mean and variance as constants: dx = γ·invstd·dout. Its forward
// and its γ, β gradients are the real ones.
type bnConstStats struct {
	*layers.BatchNorm[float64]
	x *layers.Matrix[float64]
}

func (m *bnConstStats) Forward(x *layers.Matrix[float64]) *layers.Matrix[float64] {
	m.x = x
	return m.BatchNorm.Forward(x)
}

func (m *bnConstStats) Backward(dout *layers.Matrix[float64]) *layers.Matrix[float64] {
	dx := m.BatchNorm.Backward(dout)
	n, d := m.x.Rows, m.x.Cols
	for j := range d {
		var mu, ss float64
		for i := range n {
			mu += m.x.At(i, j)
		}
		mu /= float64(n)
		for i := range n {
			ss += (m.x.At(i, j) - mu) * (m.x.At(i, j) - mu)
		}
		k := m.Gamma.Data[j] / math.Sqrt(ss/float64(n)+m.Eps)
		for i := range n {
			dx.Data[i*d+j] = k * dout.At(i, j)
		}
	}
	return dx
}

// dropoutNoScale is dropout whose backward passes dout unscaled at kept
// units: the 1/(1−p) forgotten.
type dropoutNoScale struct{ *layers.Dropout[float64] }

func (m *dropoutNoScale) Backward(dout *layers.Matrix[float64]) *layers.Matrix[float64] {
	dx := m.Dropout.Backward(dout)
	for i, v := range m.Mask().Data {
		if v != 0 {
			dx.Data[i] = dout.Data[i]
		}
	}
	return dx
}

// regNetHidden are the hidden widths of the regularized net checks.
var regNetHidden = [][]int{{7}, {7, 6}, {7, 6, 5}}

func regularizationNetChecks() []Check {
	var cs []Check
	acts := []string{"relu", "swish", "tanh", "sigmoid"}
	add := func(kind string, hidden []int, act string, reg float64) {
		a := make([]string, len(hidden))
		for i := range a {
			a[i] = act
		}
		spec := model.Spec{InputDim: 4, Hidden: hidden, Activations: a, Classes: 3, Loss: "softmax",
			Init: layers.InitXavier, Reg: reg}
		var what, mistake string
		switch kind {
		case "batchnorm":
			spec.BatchNorm = true
			what, mistake = "batchnorm", "batchnorm backward with the batch statistics treated as constants"
		case "dropout":
			spec.Dropout = netDropout
			what, mistake = fmt.Sprintf("dropout p=%g (fixed masks)", netDropout), "dropout backward without 1/(1−p)"
		case "bn_dropout":
			spec.BatchNorm, spec.Dropout = true, bothDropout
			what, mistake = fmt.Sprintf("batchnorm and dropout p=%g (fixed masks)", bothDropout), "both mistakes above"
		}
		name := fmt.Sprintf("net/%s/h=%d/%s/reg=%g", kind, len(hidden), act, reg)
		seed := uint64(len(cs) + 101)
		doc := fmt.Sprintf("every parameter of a %s net with %s (softmax, batch 8", dimString(spec), what)
		if spec.BatchNorm {
			doc += ", step 3e-4, rounding-noise floor"
		}
		if act == "relu" {
			doc += "; biases shifted so ReLU inputs stay ≥ 0.05 from the kink"
		}
		cs = append(cs, Check{
			Name:     name,
			Doc:      doc + "); negative: " + mistake,
			Run:      func() []gradcheck.Result { return runRegNet(name, spec, seed, false) },
			Negative: func() []gradcheck.Result { return runRegNet(name, spec, seed, true) },
		})
	}
	for _, kind := range []string{"batchnorm", "dropout"} {
		for _, hidden := range regNetHidden {
			for _, act := range acts {
				for _, reg := range []float64{0, 0.3} {
					add(kind, hidden, act, reg)
				}
			}
		}
	}
	for _, act := range acts {
		add("bn_dropout", regNetHidden[2], act, 0.3)
	}
	return cs
}

// runRegNet builds spec's network in float64 from seed, with γ and β
// drawn away from 1 and 0 and the dropout masks fixed, draws a batch of
// 8, keeps ReLU inputs off the kink, and checks every parameter. With
// batchnorm the step is regStep and the relative error's floor the
// rounding noise of the loss at that step (regNoiseFloor); a bias that
// feeds batchnorm has true gradient 0 (the normalization subtracts the
// batch mean) and so is compared, like every entry below the floor, to
// within the noise. wrong swaps in the wrong backward passes.
func runRegNet(check string, spec model.Spec, seed uint64, wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(seed, 0x6e6e6663))
	net, err := model.New[float64](spec, rng)
	if err != nil {
		return []gradcheck.Result{{Check: check, Threshold: threshold, Err: err.Error()}}
	}
	for _, bn := range net.BatchNorm {
		for j := range bn.D {
			bn.Gamma.Data[j] = 0.5 + rng.Float64()
			bn.Beta.Data[j] = 0.5 * rng.NormFloat64()
		}
	}
	for _, d := range net.Dropout {
		d.FixedMask = true
	}
	x := randMatrix(rng, 8, spec.InputDim)
	y := make([]int32, 8)
	for i := range y {
		y[i] = int32(rng.IntN(spec.Classes))
	}
	offKinks(net, x)
	if wrong {
		for i, l := range net.Layers {
			switch l := l.(type) {
			case *layers.BatchNorm[float64]:
				net.Layers[i] = &bnConstStats{BatchNorm: l}
			case *layers.Dropout[float64]:
				net.Layers[i] = &dropoutNoScale{Dropout: l}
			}
		}
	}
	net.Loss(x, layers.Classes[float64](y))
	analytic := make([][]float64, len(net.Params()))
	for i, p := range net.Params() {
		analytic[i] = slices.Clone(p.Grad)
	}
	f := func() float64 { return net.EvalLoss(x, layers.Classes[float64](y)) + net.RegLoss() }
	h, cmp := gradcheck.DefaultStep, compare
	if spec.BatchNorm {
		h = regStep
		floor := regNoiseFloor(f(), h)
		cmp = func(check, tensor string, a, n []float64) gradcheck.Result {
			return compareFloor(check, tensor, a, n, floor)
		}
	}
	var rs []gradcheck.Result
	for i, p := range net.Params() {
		rs = append(rs, cmp(check, p.Name, analytic[i], gradcheck.Numerical(f, p.Data, h)))
	}
	return rs
}

// regNoiseFloor is noiseFloor for a step h: the rounding noise of a
// five-point difference, (18/12h)·16 ulps·|l|, over the threshold. For a
// loss near 1.1 and h = 3e-4 it is 2e-4: smaller entries must agree to
// within 2e-11 absolutely, larger ones are compared as the course does.
func regNoiseFloor(l, h float64) float64 {
	const eps = 0x1p-52
	noise := 18 / (12 * h) * 16 * eps * max(math.Abs(l), 1)
	return max(1e-8, noise/threshold)
}

// offKinks runs x through net layer by layer and, before each ReLU or
// LeakyReLU, shifts the bias that feeds it (an affine b or a batchnorm β,
// both added to the output column as is) by kinkShift, so that every
// input of the activation is at least kinkMargin from 0. Dropout masks
// are drawn here and, being fixed, stay.
func offKinks(net *model.Net[float64], x *layers.Matrix[float64]) {
	h := x
	for i, l := range net.Layers {
		out := l.Forward(h)
		if i+1 < len(net.Layers) {
			switch net.Layers[i+1].(type) {
			case *layers.ReLU[float64], *layers.LeakyReLU[float64]:
				var b []float64
				switch l := l.(type) {
				case *layers.Affine[float64]:
					b = l.B.Data
				case *layers.BatchNorm[float64]:
					b = l.Beta.Data
				}
				for j := range b {
					b[j] += kinkShift(out, j)
				}
				out = l.Forward(h)
			}
		}
		h = out
	}
}
