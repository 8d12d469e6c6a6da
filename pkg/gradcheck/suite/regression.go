package suite

import (
	"math"
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// The regression losses (layers.SquaredError, AbsoluteError, Huber)
// against a float target, unweighted and with sample weights, and a
// whole regression network.

// regressionMistakes is what each regression loss's negative twin gets
// wrong.
var regressionMistakes = map[string]string{
	"mse":   "∂L/∂s = c·w·r, the factor 2 of r² missing",
	"mae":   "∂L/∂s = −c·w·sign(r), the sign flipped",
	"huber": "∂L/∂s = c·w·r everywhere, r not clipped to ±delta",
}

// regressionLossChecks are loss/regression/<name> (8 rows × 3 targets,
// residuals kept off each loss's kinks) and their weighted twins
// loss/regression/<name>/weighted (weights in [0.5, 2], one row 0).
func regressionLossChecks() []Check {
	var cs []Check
	for _, name := range layers.RegressionLosses {
		for _, weighted := range []bool{false, true} {
			check := "loss/regression/" + name
			doc := "gradient of the " + name + " loss w.r.t. 8×3 outputs"
			if weighted {
				check += "/weighted"
				doc += " with sample weights (one of them 0)"
			}
			if name == "huber" {
				doc += " (delta 0.7)"
			}
			doc += ", residuals ≥ 0.05 from every kink; negative: " + regressionMistakes[name]
			cs = append(cs, Check{
				Name:     check,
				Doc:      doc,
				Run:      func() []gradcheck.Result { return runRegressionLoss(check, name, weighted, false) },
				Negative: func() []gradcheck.Result { return runRegressionLoss(check, name, weighted, true) },
			})
		}
	}
	return cs
}

// huberDelta is the delta of the huber checks: not 1, so that a loss
// that ignores its delta fails.
const huberDelta = 0.7

func runRegressionLoss(check, name string, weighted, wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(5, 7))
	loss, err := layers.NewRegressionLoss[float64](name, huberDelta)
	if err != nil {
		panic("suite: " + err.Error())
	}
	const n, k = 8, 3
	scores := randMatrix(rng, n, k)
	t := layers.Target[float64]{Value: offKinkTargets(scores, huberDelta, rng)}
	if weighted {
		t.Weight = make([]float64, n)
		for i := range t.Weight {
			t.Weight[i] = 0.5 + 1.5*rng.Float64()
		}
		t.Weight[2] = 0
	}
	if wrong {
		loss = regressionMistake{loss, name}
	}
	return gradcheck.Loss(check, loss, scores, t, threshold)
}

// offKinkTargets draws targets v for the outputs s whose residuals
// r = s − v sit at least kinkMargin from each kink of the losses: 0 (mae)
// and ±delta (huber: its second derivative jumps there); alternately
// inside and beyond the huber threshold.
func offKinkTargets(s *layers.Matrix[float64], delta float64, rng *rand.Rand) *layers.Matrix[float64] {
	v := layers.NewMatrix[float64](s.Rows, s.Cols)
	for i, o := range s.Data {
		r := kinkMargin + max(0, delta-2*kinkMargin)*rng.Float64() // inside (0, delta)
		if i%2 == 1 {
			r = delta + kinkMargin + rng.Float64() // beyond delta
		}
		if rng.IntN(2) == 0 {
			r = -r
		}
		v.Data[i] = o - r
	}
	return v
}

// regressionMistake is a regression loss whose gradient makes the
// mistake of regressionMistakes[name]; its value is the real one.
type regressionMistake struct {
	inner layers.Loss[float64]
	name  string
}

func (m regressionMistake) Loss(s *layers.Matrix[float64], t layers.Target[float64], d *layers.Matrix[float64]) float64 {
	l := m.inner.Loss(s, t, d)
	for i := 0; i < s.Rows; i++ {
		row, sr, vr := d.Row(i), s.Row(i), t.Value.Row(i)
		for j := range row {
			switch r := sr[j] - vr[j]; m.name {
			case "mse":
				row[j] /= 2
			case "mae":
				row[j] = -row[j]
			case "huber":
				if math.Abs(r) > huberDelta {
					row[j] *= math.Abs(r) / huberDelta // c·w·δ·sign(r) becomes c·w·r
				}
			}
		}
	}
	return l
}

// ValueBatch is the batch of a regression network (targets: numbers per
// row): N(0, 1) inputs with the biases feeding a ReLU or LeakyReLU
// shifted off the kinks, fixed dropout masks, and targets whose residuals
// stay off the loss's kinks (offKinkTargets).
func ValueBatch(net *model.Net[float64], n int, rng *rand.Rand) (*layers.Matrix[float64], layers.Target[float64], error) {
	for _, d := range net.Dropout {
		d.FixedMask = true
	}
	x := randMatrix(rng, n, net.Spec.InputDim)
	offKinks(net, x)
	net.SetTraining(true)
	out := net.Scores(x)
	s := &layers.Matrix[float64]{Rows: out.Rows, Cols: out.Cols, Data: append([]float64(nil), out.Data...)}
	delta := net.Spec.HuberDelta
	if delta == 0 {
		delta = 1
	}
	return x, layers.Target[float64]{Value: offKinkTargets(s, delta, rng)}, nil
}

// regressionNetChecks are net/regression/<loss>: a 5-6(tanh)-4(relu)-2
// regression network with each loss, every parameter against finite
// differences; negative: the 1/N of the mean missing.
func regressionNetChecks() []Check {
	var cs []Check
	for _, name := range layers.RegressionLosses {
		spec := model.Spec{Kind: model.KindRegression, InputDim: 5, Hidden: []int{6, 4}, Activations: []string{"tanh", "relu"},
			Targets: 2, Loss: name, Init: layers.InitXavier, Reg: 0.1}
		if name == "huber" {
			spec.HuberDelta = huberDelta
		}
		c := ForSpec(spec, 11, name, ValueBatch)
		c.Name = "net/regression/" + name
		c.Run = func() []gradcheck.Result { return runNet(c.Name, spec, 11, 8, 0, true, false, ValueBatch) }
		c.Negative = func() []gradcheck.Result { return runNet(c.Name, spec, 11, 8, 0, true, true, ValueBatch) }
		cs = append(cs, c)
	}
	return cs
}
