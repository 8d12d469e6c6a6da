package suite

import (
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
)

// weightedLossChecks are the losses of issue 24 that take weights: the
// softmax cross-entropy with class and sample weights, and binary
// cross-entropy from the logits (one logit with pos_weight and class
// weights; three labels with sample weights). The negative twin
// normalises the gradient by the number of rows instead of the sum of
// the weights (the mistake of forgetting that the mean is weighted).
func weightedLossChecks() []Check {
	type loss func(s *layers.Matrix[float64], class []int32, value *layers.Matrix[float64], w []float64, d *layers.Matrix[float64]) float64
	softmax := layers.SoftmaxCrossEntropyWeighted[float64]{ClassWeight: []float64{0.5, 2, 1, 3.5, 0.25, 1.5, 1}}
	bin := layers.BCEWithLogits[float64]{PosWeight: 2.5, ClassWeight: []float64{0.6, 4}}
	multi := layers.BCEWithLogits[float64]{PosWeight: 1}
	var cs []Check
	for _, c := range []struct {
		name, doc string
		k         int
		f         loss
	}{
		{"loss/softmax_weighted", "weighted softmax cross-entropy (class and sample weights, mean over Σ c_i) w.r.t. 8×7 scores", 7,
			func(s *layers.Matrix[float64], y []int32, _ *layers.Matrix[float64], w []float64, d *layers.Matrix[float64]) float64 {
				return softmax.LossOf(s, y, w, d)
			}},
		{"loss/bce", "binary cross-entropy from one logit (pos_weight 2.5, class and sample weights) w.r.t. 8×1 logits", 1,
			func(s *layers.Matrix[float64], y []int32, _ *layers.Matrix[float64], w []float64, d *layers.Matrix[float64]) float64 {
				return bin.LossOf(s, y, nil, w, d)
			}},
		{"loss/bce_multilabel", "binary cross-entropy of 3 labels (0/1 targets, sample weights) w.r.t. 8×3 logits", 3,
			func(s *layers.Matrix[float64], _ []int32, v *layers.Matrix[float64], w []float64, d *layers.Matrix[float64]) float64 {
				return multi.LossOf(s, nil, v, w, d)
			}},
	} {
		run := func(wrong bool) []gradcheck.Result {
			rng := rand.New(rand.NewPCG(24, 1))
			const n = 8
			scores := randMatrix(rng, n, c.k)
			value := layers.NewMatrix[float64](n, c.k)
			for i := range value.Data {
				value.Data[i] = float64(rng.IntN(2))
			}
			classes := max(c.k, 2)
			y := make([]int32, n)
			w := make([]float64, n)
			sum := 0.0
			for i := range y {
				y[i] = int32(rng.IntN(classes))
				w[i] = 2 * rng.Float64()
				sum += w[i]
			}
			d := layers.NewMatrix[float64](n, c.k)
			c.f(scores, y, value, w, d)
			a := append([]float64(nil), d.Data...)
			if wrong {
				for i := range a {
					a[i] *= sum / n
				}
			}
			scratch := layers.NewMatrix[float64](n, c.k)
			num := gradcheck.Numerical(func() float64 { return c.f(scores, y, value, w, scratch) }, scores.Data, gradcheck.DefaultStep)
			return []gradcheck.Result{gradcheck.Compare(c.name, "scores", a, num, threshold)}
		}
		cs = append(cs, Check{
			Name:     c.name,
			Doc:      c.doc + "; negative: the mean over N instead of over the weights",
			Run:      func() []gradcheck.Result { return run(false) },
			Negative: func() []gradcheck.Result { return run(true) },
		})
	}
	return cs
}
