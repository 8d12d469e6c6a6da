package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
)

// fusedPair returns two networks with the same weights built from spec,
// one on the fused path (the default) and one on the per-layer reference
// path with accumulating gradients (Fused = false, OverwriteGrad off).
func fusedPair[T layers.Float](t *testing.T, spec model.Spec) (fast, ref *model.Net[T]) {
	t.Helper()
	fast, err := model.New[T](spec, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	ref, err = model.New[T](spec, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	ref.Fused = false
	for _, a := range ref.Affine {
		a.OverwriteGrad = false
	}
	if ref.Embedding != nil {
		ref.Embedding.OverwriteGrad = false
	}
	if !fast.Fused {
		t.Fatal("New must select the fused path")
	}
	return fast, ref
}

// TestFusedMatchesReference runs the same batches through the fused path
// and the per-layer reference path and compares loss, scores and every
// gradient. The two differ only in the order of the bias add (before the
// GEMM's sum or after it), so they agree to a few ulps of T. Running Loss
// twice checks that the fast path overwrites its gradients instead of
// accumulating them.
func TestFusedMatchesReference(t *testing.T) {
	specs := []model.Spec{
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he"},
		{InputDim: 13, Hidden: []int{17, 9}, Activations: []string{"relu", "relu"}, Classes: 5, Loss: "softmax", Init: "he", Reg: 0.01},
		{InputDim: 13, Hidden: []int{17, 9}, Activations: []string{"swish", "relu"}, Classes: 5, Loss: "svm", Init: "he"},
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he", BatchNorm: true},
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he", Reg: 0.01, Embed: embedCols},
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he", BatchNorm: true, Embed: embedCols},
	}
	for k, spec := range specs {
		t.Run(fmt.Sprintf("spec=%d/T=float64", k), func(t *testing.T) { checkFused[float64](t, spec, 1e-12) })
		t.Run(fmt.Sprintf("spec=%d/T=float32", k), func(t *testing.T) { checkFused[float32](t, spec, 1e-5) })
	}
}

// embedCols are two embedding tables of a 13-input spec (inputs 2 and 7).
var embedCols = []layers.EmbedColumn{{Col: 2, Vocab: 4, Dim: 3}, {Col: 7, Vocab: 6, Dim: 2}}

func checkFused[T layers.Float](t *testing.T, spec model.Spec, tol float64) {
	fast, ref := fusedPair[T](t, spec)
	rng := rand.New(rand.NewPCG(5, 6))
	for step := range 2 {
		x, y := randomBatch[T](rng, 11, spec)
		lf, _ := fast.Loss(x, layers.Classes[T](y))
		lr, _ := ref.Loss(x, layers.Classes[T](y))
		if math.Abs(lf-lr) > tol*max(1, math.Abs(lr)) {
			t.Errorf("step %d: loss %v (fused) vs %v (reference)", step, lf, lr)
		}
		closeAll(t, fmt.Sprintf("step %d scores", step), fast.LastScores().Data, ref.LastScores().Data, tol)
		for i, p := range fast.Params() {
			closeAll(t, fmt.Sprintf("step %d grad %s", step, p.Name), p.Grad, ref.Params()[i].Grad, tol)
		}
	}
}

// closeAll fails when a and b differ by more than tol relative to the
// largest magnitude in b.
func closeAll[T layers.Float](t *testing.T, what string, a, b []T, tol float64) {
	t.Helper()
	scale := 1.0
	for _, v := range b {
		scale = max(scale, math.Abs(float64(v)))
	}
	for i := range a {
		if d := math.Abs(float64(a[i]) - float64(b[i])); d > tol*scale || math.IsNaN(d) {
			t.Fatalf("%s[%d]: %v (fused) vs %v (reference)", what, i, a[i], b[i])
		}
	}
}

// TestTrainStepMatchesLossThenStep: TrainStep, with every rule's update
// inside the backward pass (plain SGD's folded into the weight GEMMs),
// leaves the same parameters as the reference, Loss on the per-layer path
// followed by the optimizer's Step, over three steps, with and without an
// L2 term and dropout: to rounding against the per-layer path, and bit for
// bit against Loss and Step on the same (fused-stage) path for every rule
// but SGD, whose arithmetic differs (the update inside the GEMM).
func TestTrainStepMatchesLossThenStep(t *testing.T) {
	specs := []model.Spec{
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he"},
		{InputDim: 13, Hidden: []int{17, 9}, Activations: []string{"relu", "swish"}, Classes: 5, Loss: "softmax", Init: "he", Reg: 0.05},
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "svm", Init: "he", Dropout: 0.3},
		// Embedding tables: updated whole by every rule inside the
		// backward pass (layers.Embedding.BackwardUpdate), L2 included.
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he", Reg: 0.05, Embed: embedCols},
	}
	defer func(r int) { layers.UpdateRows = r }(layers.UpdateRows)
	defer vec.SetTeam(vec.Team())
	// Blocks of 4 rows: W's update in several blocks of 17 and 9 rows (with
	// a short last block), and in one block; and on a team of two threads,
	// where float32 takes the whole weight gradient in one GEMM first.
	for _, c := range []struct{ rows, team int }{{4, 1}, {0, 1}, {4, 2}} {
		rows := c.rows
		layers.UpdateRows = rows
		vec.SetTeam(c.team)
		for _, rule := range optim.Rules {
			for k, spec := range specs {
				name := fmt.Sprintf("rows=%d/team=%d/rule=%s/spec=%d", rows, c.team, rule, k)
				t.Run(name+"/T=float64", func(t *testing.T) { checkTrainStep[float64](t, rule, spec, 1e-12) })
				t.Run(name+"/T=float32", func(t *testing.T) { checkTrainStep[float32](t, rule, spec, 1e-5) })
			}
		}
	}
}

func checkTrainStep[T layers.Float](t *testing.T, rule string, spec model.Spec, tol float64) {
	fast, ref := fusedPair[T](t, spec)
	same, _ := fusedPair[T](t, spec)
	newOpt := func(net *model.Net[T]) optim.Optimizer[T] {
		cfg, _ := optim.Defaults(rule)
		o, err := optim.New(cfg, net.Params())
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	optFast, optRef, optSame := newOpt(fast), newOpt(ref), newOpt(same)
	if _, ok := optFast.(optim.Fuser[T]); !ok {
		t.Fatalf("rule %s is not an optim.Fuser", rule)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	lr := 0.05
	if rule == "sgd" {
		lr = 0.3
	}
	for step := range 3 {
		x, y := randomBatch[T](rng, 11, spec)
		for _, n := range []*model.Net[T]{fast, ref, same} {
			n.SeedDropout(uint64(step))
		}
		lf, _ := fast.TrainStep(x, layers.Classes[T](y), optFast, lr)
		lr2, _ := ref.Loss(x, layers.Classes[T](y))
		optRef.Step(lr)
		same.Loss(x, layers.Classes[T](y))
		optSame.Step(lr)
		if math.Abs(lf-lr2) > tol*max(1, math.Abs(lr2)) {
			t.Errorf("step %d: loss %v (TrainStep) vs %v (Loss)", step, lf, lr2)
		}
		for i, p := range fast.Params() {
			closeAll(t, fmt.Sprintf("step %d %s", step, p.Name), p.Data, ref.Params()[i].Data, tol)
			if rule != "sgd" {
				bitEqual(t, fmt.Sprintf("step %d %s", step, p.Name), p.Data, same.Params()[i].Data)
			}
		}
		if optFast.Steps() != step+1 {
			t.Fatalf("step %d: the optimizer counted %d steps", step, optFast.Steps())
		}
	}
	closeStates(t, optFast.State(), optRef.State(), tol)
}

// TestTrainStepReference: where the update cannot run inside the
// backward pass (batch normalization; clipped gradients, which need every
// gradient first), TrainStep is Loss then Step, bit for bit; and a step
// whose loss is not finite touches nothing and is not counted.
func TestTrainStepReference(t *testing.T) {
	plain := model.Spec{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he"}
	bn := plain
	bn.BatchNorm = true
	for _, tc := range []struct {
		name string
		spec model.Spec
		clip float64
	}{{"batchnorm", bn, 0}, {"clip", plain, 0.01}} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := fusedPair[float64](t, tc.spec)
			b, _ := fusedPair[float64](t, tc.spec)
			opt := func(n *model.Net[float64]) optim.Optimizer[float64] {
				o, _ := optim.New(optim.Config{Rule: "momentum", Momentum: 0.9}, n.Params())
				if tc.clip > 0 {
					return optim.Clip(o, n.Params(), tc.clip)
				}
				return o
			}
			oa, ob := opt(a), opt(b)
			rng := rand.New(rand.NewPCG(7, 8))
			for step := range 2 {
				x, y := randomBatch[float64](rng, 11, tc.spec)
				a.TrainStep(x, layers.Classes[float64](y), oa, 0.1)
				b.Loss(x, layers.Classes[float64](y))
				ob.Step(0.1)
				for i, p := range a.Params() {
					bitEqual(t, fmt.Sprintf("step %d %s", step, p.Name), p.Data, b.Params()[i].Data)
				}
			}
		})
	}
	t.Run("nonfinite", func(t *testing.T) {
		net, _ := fusedPair[float64](t, plain)
		o, _ := optim.New(optim.Config{Rule: "sgd"}, net.Params())
		before := append([]float64(nil), net.Params()[0].Data...)
		x, y := randomBatch[float64](rand.New(rand.NewPCG(1, 2)), 4, plain)
		x.Data[0] = math.NaN()
		if loss, _ := net.TrainStep(x, layers.Classes[float64](y), o, 0.1); !math.IsNaN(loss) {
			t.Fatalf("loss %v, want NaN", loss)
		}
		bitEqual(t, "weights after a NaN step", net.Params()[0].Data, before)
		if o.Steps() != 0 {
			t.Errorf("a NaN step was counted: %d", o.Steps())
		}
	})
}

func randomBatch[T layers.Float](rng *rand.Rand, n int, spec model.Spec) (*layers.Matrix[T], []int32) {
	x := layers.NewMatrix[T](n, spec.InputDim)
	for i := range x.Data {
		x.Data[i] = T(rng.NormFloat64())
	}
	for _, c := range spec.Embed {
		for i := range n {
			x.Data[i*spec.InputDim+c.Col] = T(rng.IntN(c.Vocab))
		}
	}
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(spec.Classes))
	}
	return x, y
}

// bitEqual fails unless a and b hold the same bits.
func bitEqual[T layers.Float](t *testing.T, what string, a, b []T) {
	t.Helper()
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			t.Fatalf("%s[%d]: %v vs %v: not bit-equal", what, i, a[i], b[i])
		}
	}
}

// closeStates compares two optimizers' state tensors to tol.
func closeStates[T layers.Float](t *testing.T, a, b []optim.State[T], tol float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d state tensors vs %d", len(a), len(b))
	}
	for i := range a {
		closeAll(t, a[i].Name, a[i].Data, b[i].Data, tol)
	}
}
