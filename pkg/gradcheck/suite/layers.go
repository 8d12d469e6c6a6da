package suite

import (
	"math"
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
)

// leakyAlpha is the LeakyReLU slope of the layer and network checks.
const leakyAlpha = 0.1

// layerMistakes is what each layer's negative twin gets wrong.
var layerMistakes = map[string]string{
	"affine":     "db averaged instead of summed over the batch (a missing factor N)",
	"relu":       "dx = dout without the mask x > 0",
	"swish":      "dh/dz = σ(z)(1−σ(z)), the sigmoid's derivative",
	"sigmoid":    "dσ/dx = σ, the factor (1−σ) missing",
	"tanh":       "dtanh/dx = 1−tanh, the square missing",
	"leaky_relu": "slope 0 instead of alpha for x < 0 (ReLU's backward)",
}

func layerChecks() []Check {
	var cs []Check
	for _, name := range append([]string{"affine"}, layers.Activations...) {
		doc := "input gradient of " + name
		if name == "affine" {
			doc = "input, weight and bias gradients of affine (5×6 batch, 6→4)"
		}
		switch name {
		case "relu":
			doc += " (inputs kept ≥ 0.05 from the kink)"
		case "leaky_relu":
			doc += " (alpha 0.1; inputs kept ≥ 0.05 from the kink)"
		}
		cs = append(cs, Check{
			Name:     "layer/" + name,
			Doc:      doc + "; negative: " + layerMistakes[name],
			Run:      func() []gradcheck.Result { return runLayer(name, false) },
			Negative: func() []gradcheck.Result { return runLayer(name, true) },
		})
	}
	return cs
}

// runLayer checks one layer on a seeded 5×6 batch through
// f = Σ out ⊙ dout (gradcheck.Layer); wrong wraps it in its mistake.
func runLayer(name string, wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(1, 2))
	var l layers.Layer[float64]
	if name == "affine" {
		a := layers.NewAffine[float64]("", 6, 4)
		for _, p := range a.Params() {
			for i := range p.Data {
				p.Data[i] = rng.NormFloat64()
			}
		}
		l = a
	} else {
		act, err := layers.NewActivation[float64](name, leakyAlpha)
		if err != nil {
			panic("suite: " + err.Error())
		}
		l = act
	}
	x := randMatrix(rng, 5, 6)
	if name == "relu" || name == "leaky_relu" {
		awayFromKink(x.Data)
	}
	if wrong {
		l = &layerMistake{Layer: l, name: name}
	}
	return gradcheck.Layer("layer/"+name, l, x, rng, threshold)
}

// layerMistake is a layer whose backward makes the mistake of
// layerMistakes[name]; its forward is the real one.
type layerMistake struct {
	layers.Layer[float64]
	name string
	x    *layers.Matrix[float64]
}

func (m *layerMistake) Forward(x *layers.Matrix[float64]) *layers.Matrix[float64] {
	m.x = x
	return m.Layer.Forward(x)
}

func (m *layerMistake) Backward(dout *layers.Matrix[float64]) *layers.Matrix[float64] {
	dx := m.Layer.Backward(dout)
	if m.name == "affine" {
		db := m.Params()[1].Grad
		for i := range db {
			db[i] /= float64(dout.Rows)
		}
		return dx
	}
	for i, g := range dout.Data {
		x := m.x.Data[i]
		s := sigmoid(x)
		switch m.name {
		case "relu":
			dx.Data[i] = g
		case "leaky_relu":
			dx.Data[i] = 0
			if x > 0 {
				dx.Data[i] = g
			}
		case "sigmoid":
			dx.Data[i] = g * s
		case "tanh":
			dx.Data[i] = g * (1 - math.Tanh(x))
		case "swish":
			dx.Data[i] = g * s * (1 - s)
		}
	}
	return dx
}

// lossMistakes is what each loss's negative twin gets wrong.
var lossMistakes = map[string]string{
	"softmax": "∂L/∂s = p/N, the −1 at the true class missing",
	"svm":     "the −count/N at the true class missing",
	"mse":     "∂L/∂s = s − onehot, the 1/N missing",
	// label smoothing's twin
	"smoothing": "∂L/∂s = (p − onehot)/N, the unsmoothed target's gradient",
}

func lossChecks() []Check {
	var cs []Check
	for _, name := range layers.Losses {
		doc := "gradient of the " + name + " loss w.r.t. 8×7 scores"
		if name == "svm" {
			doc += " (margins kept ≥ 0.05 from 0)"
		}
		cs = append(cs, Check{
			Name:     "loss/" + name,
			Doc:      doc + "; negative: " + lossMistakes[name],
			Run:      func() []gradcheck.Result { return runLoss(name, false) },
			Negative: func() []gradcheck.Result { return runLoss(name, true) },
		})
	}
	cs = append(cs, Check{
		Name:     "loss/smoothed_softmax",
		Doc:      "gradient of softmax cross-entropy with label smoothing ε 0.1 w.r.t. 8×7 scores; negative: " + lossMistakes["smoothing"],
		Run:      func() []gradcheck.Result { return runSmoothing(false) },
		Negative: func() []gradcheck.Result { return runSmoothing(true) },
	})
	return cs
}

// runSmoothing checks label smoothing (ε 0.1) on the scores and labels
// of loss/softmax; wrong takes the gradient of the unsmoothed loss.
func runSmoothing(wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, c = 8, 7
	scores := randMatrix(rng, n, c)
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(c))
	}
	var loss layers.Loss[float64] = layers.SmoothedSoftmaxCrossEntropy[float64]{Eps: 0.1}
	if wrong {
		loss = smoothingMistake{loss.(layers.SmoothedSoftmaxCrossEntropy[float64])}
	}
	return gradcheck.Loss("loss/smoothed_softmax", loss, scores, layers.Classes[float64](y), threshold)
}

// smoothingMistake has the smoothed loss's value and plain softmax's
// gradient p − onehot: the targets' ε/C left out of the backward pass.
type smoothingMistake struct {
	layers.SmoothedSoftmaxCrossEntropy[float64]
}

func (m smoothingMistake) Loss(scores *layers.Matrix[float64], t layers.Target[float64], d *layers.Matrix[float64]) float64 {
	l := m.SmoothedSoftmaxCrossEntropy.Loss(scores, t, d)
	layers.SoftmaxCrossEntropy[float64]{}.Loss(scores, t, d)
	return l
}

func runLoss(name string, wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(3, 4))
	loss, err := layers.NewLoss[float64](name)
	if err != nil {
		panic("suite: " + err.Error())
	}
	const n, c = 8, 7
	scores := randMatrix(rng, n, c)
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(c))
	}
	if name == "svm" {
		awayFromHinge(scores, y, 1)
	}
	if wrong {
		loss = lossMistake{loss, name}
	}
	return gradcheck.Loss("loss/"+name, loss, scores, layers.Classes[float64](y), threshold)
}

// awayFromHinge moves each wrong-class score s_ij whose margin
// s_ij − s_iy + margin is within kinkMargin of 0 out to ±kinkMargin.
// Only s_ij moves, so no other margin changes.
func awayFromHinge(scores *layers.Matrix[float64], y []int32, margin float64) {
	for i := range y {
		s := scores.Row(i)
		sy := s[y[i]]
		for j := range s {
			if j == int(y[i]) {
				continue
			}
			if m := s[j] - sy + margin; math.Abs(m) < kinkMargin {
				s[j] = sy - margin + math.Copysign(kinkMargin, m)
			}
		}
	}
}

// lossMistake is a loss whose gradient makes the mistake of
// lossMistakes[name]; its value is the real one.
type lossMistake struct {
	inner layers.Loss[float64]
	name  string
}

func (m lossMistake) Loss(scores *layers.Matrix[float64], t layers.Target[float64], d *layers.Matrix[float64]) float64 {
	l := m.inner.Loss(scores, t, d)
	n := float64(scores.Rows)
	for i, yi := range t.Class {
		row := d.Row(i)
		switch m.name {
		case "softmax":
			row[yi] += 1 / n
		case "svm":
			row[yi] = 0
		case "mse":
			for j := range row {
				row[j] *= n
			}
		}
	}
	return l
}
