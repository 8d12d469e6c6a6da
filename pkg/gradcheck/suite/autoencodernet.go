package suite

import (
	"math/rand/v2"
	"slices"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// The autoencoder `nnfc train` trains (model.kind autoencoder): a
// model.Net of kind autoencoder, W 3×5, a batch of 4, loss the mean of
// ½‖f(Wᵀf(Wx)) − x‖² (plus 0.5·reg·ΣW² with reg 0.3), its ∇W against
// finite differences and against the same autoencoder composed of
// layers.Affine (encoder W, decoder Wᵀ, both bias-free) and the
// activation layers; with f the identity also against the seed's closed
// form W K Xᵀ + W X Kᵀ. Negative twin: the decoder's term dW_decᵀ dropped
// (for the identity, the seed's W X Kᵀ).
var aeActivations = []string{model.Identity, "tanh", "swish"}

func autoencoderNetChecks() []Check {
	var cs []Check
	for _, f := range aeActivations {
		cs = append(cs, Check{
			Name: "net/autoencoder/" + f,
			Doc: "∇W of model.Net kind autoencoder (W 3×5, f " + f + ", batch 4, reg 0 and 0.3) vs finite differences, " +
				"vs layers.Affine encoder W and decoder Wᵀ composed with the activation layers" +
				map[bool]string{true: ", and vs the seed's W K Xᵀ + W X Kᵀ", false: ""}[f == model.Identity] +
				"; negative: the decoder's term dropped",
			Run:      func() []gradcheck.Result { return runAutoencoderNet(f, false) },
			Negative: func() []gradcheck.Result { return runAutoencoderNet(f, true) },
		})
	}
	return cs
}

func runAutoencoderNet(f string, wrong bool) []gradcheck.Result {
	check := "net/autoencoder/" + f
	var rs []gradcheck.Result
	for _, reg := range []float64{0, 0.3} {
		rng := rand.New(rand.NewPCG(41, 42))
		spec := model.Spec{Kind: model.KindAutoencoder, InputDim: aeD, CodeDim: aeK, Activations: []string{f}, Init: layers.InitXavier, Reg: reg}
		net, err := model.New[float64](spec, rng)
		if err != nil {
			panic("suite: " + err.Error())
		}
		x := randMatrix(rng, 4, aeD)
		w := net.Weight()
		net.Loss(x, layers.Target[float64]{})
		analytic := slices.Clone(net.Params()[0].Grad)
		numeric := gradcheck.Numerical(func() float64 { l, _ := net.Loss(x, layers.Target[float64]{}); return l }, w, gradcheck.DefaultStep)
		enc, dec := autoencoderComposed(w, x, f)
		composed := make([]float64, len(w))
		for i := range composed {
			composed[i] = enc[i] + dec[i] + reg*w[i]
		}
		what := map[bool]string{false: "reg 0: ", true: "reg 0.3: "}[reg > 0]
		if wrong {
			for i := range composed {
				composed[i] -= dec[i]
			}
			rs = append(rs, compare(check, what+"negative, decoder term dropped: ∇W vs numerical", composed, numeric))
			if f == model.Identity {
				seed := autoencoderGrad(w, x, true)
				for i := range seed {
					seed[i] = seed[i]/float64(x.Rows) + reg*w[i]
				}
				rs = append(rs, compare(check, what+"negative, seed's W X Kᵀ dropped: ∇W vs numerical", seed, numeric))
			}
			continue
		}
		rs = append(rs,
			compare(check, what+"∇W model vs numerical", analytic, numeric),
			compare(check, what+"∇W model vs composed layers", analytic, composed))
		if f == model.Identity {
			seed := autoencoderGrad(w, x, false) // Σ over the batch; the model's loss is the mean
			for i := range seed {
				seed[i] = seed[i]/float64(x.Rows) + reg*w[i]
			}
			rs = append(rs, compare(check, what+"∇W model vs the seed's closed form", analytic, seed))
		}
	}
	return rs
}

// autoencoderComposed runs f(Wᵀf(Wx)) as layers.Affine (encoder W,
// decoder Wᵀ, no bias) and activation layers, with the upstream gradient
// of the mean of ½‖r − x‖², and returns the encoder's dW and the
// transpose of the decoder's: ∇W is their sum.
func autoencoderComposed(w []float64, x *layers.Matrix[float64], f string) (enc, dec []float64) {
	m, d := aeK, aeD
	e := layers.NewAffine[float64]("enc.", d, m)
	de := layers.NewAffine[float64]("dec.", m, d)
	e.SkipInputGrad = true
	copy(e.W.Data, w)
	for a := range m {
		for i := range d {
			de.W.Data[i*m+a] = w[a*d+i]
		}
	}
	stages := []layers.Layer[float64]{e}
	if f != model.Identity {
		fe, _ := layers.NewActivation[float64](f, 0)
		stages = append(stages, fe)
	}
	stages = append(stages, de)
	if f != model.Identity {
		fd, _ := layers.NewActivation[float64](f, 0)
		stages = append(stages, fd)
	}
	h := x
	for _, s := range stages {
		h = s.Forward(h)
	}
	dr := layers.NewMatrix[float64](h.Rows, h.Cols)
	for i, v := range h.Data {
		dr.Data[i] = (v - x.Data[i]) / float64(x.Rows)
	}
	g := dr
	for i := len(stages) - 1; i >= 0; i-- {
		g = stages[i].Backward(g)
	}
	enc = slices.Clone(e.W.Grad)
	dec = make([]float64, m*d)
	for a := range m {
		for i := range d {
			dec[a*d+i] = de.W.Grad[i*m+a]
		}
	}
	return enc, dec
}
