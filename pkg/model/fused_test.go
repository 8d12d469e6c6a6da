package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

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
	}
	for k, spec := range specs {
		t.Run(fmt.Sprintf("spec=%d/T=float64", k), func(t *testing.T) { checkFused[float64](t, spec, 1e-12) })
		t.Run(fmt.Sprintf("spec=%d/T=float32", k), func(t *testing.T) { checkFused[float32](t, spec, 1e-5) })
	}
}

func checkFused[T layers.Float](t *testing.T, spec model.Spec, tol float64) {
	fast, ref := fusedPair[T](t, spec)
	rng := rand.New(rand.NewPCG(5, 6))
	for step := range 2 {
		x := layers.NewMatrix[T](11, spec.InputDim)
		for i := range x.Data {
			x.Data[i] = T(rng.NormFloat64())
		}
		y := make([]int32, x.Rows)
		for i := range y {
			y[i] = int32(rng.IntN(spec.Classes))
		}
		lf, _ := fast.Loss(x, y)
		lr, _ := ref.Loss(x, y)
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

// TestLossSGDMatchesLossThenStep: LossSGD (the update folded into the
// weight GEMMs) leaves the same parameters as Loss followed by optim's
// sgd rule, over three steps, with and without an L2 term.
func TestLossSGDMatchesLossThenStep(t *testing.T) {
	specs := []model.Spec{
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he"},
		{InputDim: 13, Hidden: []int{17, 9}, Activations: []string{"relu", "swish"}, Classes: 5, Loss: "softmax", Init: "he", Reg: 0.05},
		{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "svm", Init: "he", Dropout: 0.3},
	}
	for k, spec := range specs {
		t.Run(fmt.Sprintf("spec=%d/T=float64", k), func(t *testing.T) { checkLossSGD[float64](t, spec, 1e-12) })
		t.Run(fmt.Sprintf("spec=%d/T=float32", k), func(t *testing.T) { checkLossSGD[float32](t, spec, 1e-5) })
	}
	bn := model.Spec{InputDim: 3, Hidden: []int{4}, Activations: []string{"relu"}, Classes: 2, Loss: "softmax", Init: "he", BatchNorm: true}
	if net, _ := model.New[float64](bn, rand.New(rand.NewPCG(1, 1))); net.CanLossSGD() {
		t.Error("CanLossSGD with batch normalization")
	}
}

func checkLossSGD[T layers.Float](t *testing.T, spec model.Spec, tol float64) {
	fast, ref := fusedPair[T](t, spec)
	if !fast.CanLossSGD() {
		t.Fatal("CanLossSGD false on a plain network")
	}
	opt, err := optim.New(optim.Config{Rule: "sgd"}, ref.Params())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const lr = 0.3
	for step := range 3 {
		x := layers.NewMatrix[T](11, spec.InputDim)
		for i := range x.Data {
			x.Data[i] = T(rng.NormFloat64())
		}
		y := make([]int32, x.Rows)
		for i := range y {
			y[i] = int32(rng.IntN(spec.Classes))
		}
		fast.SeedDropout(uint64(step))
		ref.SeedDropout(uint64(step))
		lf, _ := fast.LossSGD(x, y, lr)
		lr2, _ := ref.Loss(x, y)
		opt.Step(lr)
		if math.Abs(lf-lr2) > tol*max(1, math.Abs(lr2)) {
			t.Errorf("step %d: loss %v (LossSGD) vs %v (Loss)", step, lf, lr2)
		}
		for i, p := range fast.Params() {
			closeAll(t, fmt.Sprintf("step %d %s", step, p.Name), p.Data, ref.Params()[i].Data, tol)
		}
	}
}
