package layers_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
)

// oracleTol is the agreement asked of float64 losses and one SGD step
// with PyTorch (issue 24): both compute the same sums in float64, in
// different orders.
const oracleTol = 1e-10

// torchCase is one case of testdata/torch_weighted.json, written by
// scripts/torch-weighted-oracle.py (PyTorch 1.13, float64).
type torchCase struct {
	Name        string         `json:"name"`
	Loss        string         `json:"loss"` // softmax | bce
	LR          float64        `json:"lr"`
	X           [][]float64    `json:"x"`
	Logits      []float64      `json:"logits"` // loss-only cases
	RawInit     map[string]any `json:"init"`
	RawAfter    map[string]any `json:"after"`
	Class       []float64      `json:"class"`
	Value       [][]float64    `json:"value"`
	Weight      []float64      `json:"weight"`
	ClassWeight []float64      `json:"class_weight"`
	PosWeight   float64        `json:"pos_weight"`
	WantLoss    float64        `json:"want_loss"`
	DScores     [][]float64    `json:"dscores"`
}

func readTorchCases(t *testing.T) []torchCase {
	t.Helper()
	b, err := os.ReadFile("testdata/torch_weighted.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []torchCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 10 {
		t.Fatalf("testdata/torch_weighted.json holds %d cases, want 10", len(f.Cases))
	}
	return f.Cases
}

// flat flattens a JSON number or nested list of numbers.
func flat(v any) []float64 {
	switch v := v.(type) {
	case float64:
		return []float64{v}
	case []any:
		var out []float64
		for _, e := range v {
			out = append(out, flat(e)...)
		}
		return out
	}
	panic("not a number or list")
}

func matrix(rows [][]float64) *layers.Matrix[float64] {
	m := layers.NewMatrix[float64](len(rows), len(rows[0]))
	for i, r := range rows {
		copy(m.Row(i), r)
	}
	return m
}

// lossOf evaluates the case's loss on scores with nnfc's implementation.
func (c torchCase) lossOf(scores, d *layers.Matrix[float64]) float64 {
	class := make([]int32, len(c.Class))
	for i, v := range c.Class {
		class[i] = int32(v)
	}
	var value *layers.Matrix[float64]
	if c.Value != nil {
		value = matrix(c.Value)
	}
	if c.Loss == "softmax" {
		return layers.SoftmaxCrossEntropyWeighted[float64]{ClassWeight: c.ClassWeight}.LossOf(scores, class, c.Weight, d)
	}
	return layers.BCEWithLogits[float64]{PosWeight: c.PosWeight, ClassWeight: c.ClassWeight}.LossOf(scores, class, value, c.Weight, d)
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// TestWeightedLossesTorch: the weighted softmax cross-entropy and BCE
// with logits agree with PyTorch to 1e-10 in float64: the loss of a batch
// through Linear-ReLU-Linear, its gradient w.r.t. the scores, and every
// parameter after one SGD step; and, on extreme logits (±800), the loss
// and its gradient.
func TestWeightedLossesTorch(t *testing.T) {
	for _, c := range readTorchCases(t) {
		if c.Logits != nil {
			z := layers.NewMatrix[float64](len(c.Logits), 1)
			copy(z.Data, c.Logits)
			d := layers.NewMatrix[float64](z.Rows, 1)
			loss := c.lossOf(z, d)
			if math.Abs(loss-c.WantLoss) > oracleTol || math.IsNaN(loss) {
				t.Errorf("%s: loss %.17g, torch %.17g", c.Name, loss, c.WantLoss)
			}
			if e := maxAbsDiff(d.Data, flat(toAny(c.DScores))); e > oracleTol {
				t.Errorf("%s: dscores differ from torch's by %g", c.Name, e)
			}
			continue
		}
		x := matrix(c.X)
		w0, b0, w2, b2 := flat(c.RawInit["0.weight"]), flat(c.RawInit["0.bias"]), flat(c.RawInit["2.weight"]), flat(c.RawInit["2.bias"])
		h, k := len(b0), len(b2)
		l0 := layers.NewAffine[float64]("0.", x.Cols, h)
		l2 := layers.NewAffine[float64]("2.", h, k)
		copy(l0.W.Data, w0)
		copy(l0.B.Data, b0)
		copy(l2.W.Data, w2)
		copy(l2.B.Data, b2)
		relu, _ := layers.NewActivation[float64]("relu", 0)
		scores := l2.Forward(relu.Forward(l0.Forward(x)))
		d := layers.NewMatrix[float64](scores.Rows, scores.Cols)
		loss := c.lossOf(scores, d)
		if math.Abs(loss-c.WantLoss) > oracleTol {
			t.Errorf("%s: loss %.17g, torch %.17g", c.Name, loss, c.WantLoss)
		}
		if e := maxAbsDiff(d.Data, flat(toAny(c.DScores))); e > oracleTol {
			t.Errorf("%s: dscores differ from torch's by %g", c.Name, e)
		}
		l0.Backward(relu.Backward(l2.Backward(d)))
		for _, p := range append(l0.Params(), l2.Params()...) {
			for i := range p.Data {
				p.Data[i] -= c.LR * p.Grad[i]
			}
			if e := maxAbsDiff(p.Data, flat(c.RawAfter[p.Name])); e > oracleTol {
				t.Errorf("%s: %s after one SGD step differs from torch's by %g", c.Name, p.Name, e)
			}
		}
	}
}

func toAny(m [][]float64) any {
	out := make([]any, len(m))
	for i, r := range m {
		row := make([]any, len(r))
		for j, v := range r {
			row[j] = v
		}
		out[i] = row
	}
	return out
}

// weightedLossCase is a batch for a gradient check of a weighted loss:
// scores, classes, 0/1 labels and weights from a fixed seed.
func weightedLossCase(k int) (scores *layers.Matrix[float64], class []int32, value *layers.Matrix[float64], weight []float64) {
	rng := rand.New(rand.NewPCG(24, 7))
	const n = 9
	scores = layers.NewMatrix[float64](n, k)
	value = layers.NewMatrix[float64](n, k)
	for i := range scores.Data {
		scores.Data[i] = 3 * rng.NormFloat64()
		value.Data[i] = float64(rng.IntN(2))
	}
	class = make([]int32, n)
	weight = make([]float64, n)
	for i := range class {
		class[i] = int32(rng.IntN(k))
		weight[i] = 2 * rng.Float64()
	}
	return scores, class, value, weight
}

// TestWeightedLossGradients checks the hand-written gradient of each
// weighted loss against finite differences, and each negative twin (the
// gradient normalised by N instead of the sum of the weights, or without
// the pos_weight factor) fails.
func TestWeightedLossGradients(t *testing.T) {
	type check struct {
		name string
		k    int
		loss func(s *layers.Matrix[float64], class []int32, value *layers.Matrix[float64], w []float64, d *layers.Matrix[float64]) float64
	}
	softmax := layers.SoftmaxCrossEntropyWeighted[float64]{ClassWeight: []float64{0.5, 2, 1, 3.5}}
	bin := layers.BCEWithLogits[float64]{PosWeight: 2.5, ClassWeight: []float64{0.6, 4}}
	multi := layers.BCEWithLogits[float64]{PosWeight: 1.7}
	checks := []check{
		{"softmax-weighted", 4, func(s *layers.Matrix[float64], c []int32, _ *layers.Matrix[float64], w []float64, d *layers.Matrix[float64]) float64 {
			return softmax.LossOf(s, c, w, d)
		}},
		{"bce-binary", 1, func(s *layers.Matrix[float64], c []int32, _ *layers.Matrix[float64], w []float64, d *layers.Matrix[float64]) float64 {
			for i := range c {
				c[i] %= 2
			}
			return bin.LossOf(s, c, nil, w, d)
		}},
		{"bce-multilabel", 3, func(s *layers.Matrix[float64], c []int32, v *layers.Matrix[float64], w []float64, d *layers.Matrix[float64]) float64 {
			return multi.LossOf(s, nil, v, w, d)
		}},
	}
	for _, ch := range checks {
		for _, wrong := range []bool{false, true} {
			scores, class, value, weight := weightedLossCase(ch.k)
			d := layers.NewMatrix[float64](scores.Rows, scores.Cols)
			ch.loss(scores, class, value, weight, d)
			a := append([]float64(nil), d.Data...)
			if wrong {
				// The twin: normalised by N·k, as if unweighted, instead
				// of by the weights' sum.
				sum := 0.0
				for _, w := range weight {
					sum += w
				}
				for i := range a {
					a[i] *= sum / float64(scores.Rows)
				}
			}
			scratch := layers.NewMatrix[float64](scores.Rows, scores.Cols)
			num := gradcheck.Numerical(func() float64 { return ch.loss(scores, class, value, weight, scratch) }, scores.Data, gradcheck.DefaultStep)
			r := gradcheck.Compare("loss/"+ch.name, "scores", a, num, gradcheck.DefaultThreshold)
			if r.Pass() == wrong {
				t.Errorf("%s (negative twin %v): max rel error %g", ch.name, wrong, r.MaxRel)
			}
		}
	}
}

// TestWeightedLossReducesToUnweighted: with no weights, the weighted
// softmax is SoftmaxCrossEntropy and BCE with logits is the mean of
// max(z,0) − z·y + log1p(e^(−|z|)); with all weights 0 the loss is 0.
func TestWeightedLossReducesToUnweighted(t *testing.T) {
	scores, class, value, weight := weightedLossCase(4)
	d1 := layers.NewMatrix[float64](scores.Rows, 4)
	d2 := layers.NewMatrix[float64](scores.Rows, 4)
	l1 := layers.SoftmaxCrossEntropy[float64]{}.Loss(scores, layers.Classes[float64](class), d1)
	l2 := layers.SoftmaxCrossEntropyWeighted[float64]{}.LossOf(scores, class, nil, d2)
	if math.Abs(l1-l2) > 1e-14 || maxAbsDiff(d1.Data, d2.Data) > 1e-15 {
		t.Errorf("unweighted: loss %g vs %g, gradients differ by %g", l1, l2, maxAbsDiff(d1.Data, d2.Data))
	}
	var want float64
	for i, z := range scores.Data {
		y := value.Data[i]
		want += max(z, 0) - z*y + math.Log1p(math.Exp(-math.Abs(z)))
	}
	want /= float64(len(scores.Data))
	if got := (layers.BCEWithLogits[float64]{PosWeight: 1}).LossOf(scores, nil, value, nil, d2); math.Abs(got-want) > 1e-14 {
		t.Errorf("bce: %.17g, want %.17g", got, want)
	}
	// SoftmaxCrossEntropy with sample weights is the weighted one's mean.
	d3 := layers.NewMatrix[float64](scores.Rows, 4)
	l3 := layers.SoftmaxCrossEntropy[float64]{}.Loss(scores, layers.Target[float64]{Class: class, Weight: weight}, d3)
	l4 := layers.SoftmaxCrossEntropyWeighted[float64]{}.LossOf(scores, class, weight, d2)
	if l3 != l4 || maxAbsDiff(d3.Data, d2.Data) != 0 || l3 == l1 {
		t.Errorf("sample weights: softmax %g, weighted %g (unweighted %g)", l3, l4, l1)
	}
	clear(weight)
	if l := (layers.SoftmaxCrossEntropyWeighted[float64]{}).LossOf(scores, class, weight, d2); l != 0 || maxAbsDiff(d2.Data, make([]float64, len(d2.Data))) != 0 {
		t.Errorf("zero weights: loss %g", l)
	}
}
