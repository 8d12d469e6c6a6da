package model_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// inferSpecs cover every layer Infer runs: each activation (ReLU as the
// fused stage), batch normalization, dropout, the embedding (Forward, no
// inference pass of its own), the binary and regression heads and the
// tied autoencoder (a layer of its own, Forward too).
var inferSpecs = []model.Spec{
	{InputDim: 13, Hidden: []int{17, 9}, Activations: []string{"relu", "swish"}, Classes: 5, Loss: "softmax", Init: "he"},
	{InputDim: 13, Hidden: []int{17, 9}, Activations: []string{"sigmoid", "tanh"}, Classes: 5, Loss: "softmax", Init: "he"},
	{InputDim: 13, Hidden: []int{17}, Activations: []string{"leaky_relu"}, LeakyAlpha: 0.1, Classes: 5, Loss: "softmax", Init: "he", Dropout: 0.3},
	{InputDim: 13, Hidden: []int{17, 9}, Activations: []string{"swish", "relu"}, Classes: 5, Loss: "softmax", Init: "he", BatchNorm: true, Dropout: 0.2},
	{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax", Init: "he", Embed: embedCols},
	{Kind: model.KindBinary, InputDim: 13, Hidden: []int{17}, Activations: []string{"swish"}, Classes: 2, Loss: "bce", Init: "he", Threshold: 0.5, PosWeight: 1},
	{Kind: model.KindRegression, InputDim: 13, Hidden: []int{17}, Activations: []string{"tanh"}, Targets: 2, Loss: "mse", Init: "he"},
	{Kind: model.KindAutoencoder, InputDim: 13, CodeDim: 4, Activations: []string{"sigmoid"}, Init: "he"},
}

// TestInferMatchesScores: Infer gives Scores' outputs in evaluation mode
// bit for bit (no packed weights here: the tests' BLAS is gonum's unless
// TestEveryBackend registers another), whatever mode the network is in,
// for every layer kind; it leaves Scores' outputs and its input alone;
// and a parameter moved by 1/1024 gives other bits (the comparison can
// fail).
func TestInferMatchesScores(t *testing.T) {
	for k, spec := range inferSpecs {
		t.Run(fmt.Sprintf("spec=%d/T=float64", k), func(t *testing.T) { checkInfer[float64](t, spec) })
		t.Run(fmt.Sprintf("spec=%d/T=float32", k), func(t *testing.T) { checkInfer[float32](t, spec) })
	}
}

func checkInfer[T layers.Float](t *testing.T, spec model.Spec) {
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	net, err := model.New[T](spec, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	// Running statistics away from (0, 1), so batch normalization counts.
	for _, b := range net.Buffers() {
		for i := range b.Data {
			b.Data[i] = T(0.5 + rng.Float64())
		}
	}
	if spec.Classes == 0 {
		spec.Classes = 1 // randomBatch draws labels
	}
	for _, rows := range []int{1, 11, 130} {
		x, _ := randomBatch[T](rng, rows, spec)
		keep := append([]T(nil), x.Data...)
		net.SetTraining(false)
		want := append([]T(nil), net.Scores(x).Data...)
		net.SetTraining(true) // Infer is evaluation mode in either
		got := net.Infer(x)
		if got.Rows != rows || len(got.Data) != len(want) {
			t.Fatalf("rows %d: Infer gave %d×%d, Scores %d values", rows, got.Rows, got.Cols, len(want))
		}
		bitEqual(t, fmt.Sprintf("rows %d: Infer vs Scores", rows), got.Data, want)
		bitEqual(t, fmt.Sprintf("rows %d: Scores' outputs after Infer", rows), net.LastScores().Data, want)
		bitEqual(t, fmt.Sprintf("rows %d: the input after Infer", rows), x.Data, keep)
	}
	// Negative twin: the last parameter's first value 1/1024 up.
	x, _ := randomBatch[T](rng, 11, spec)
	want := append([]T(nil), net.Infer(x).Data...)
	p := net.Params()[len(net.Params())-1]
	p.Data[0] += 1.0 / 1024
	got := net.Infer(x).Data
	same := true
	for i := range got {
		same = same && got[i] == want[i]
	}
	if same {
		t.Errorf("a changed parameter %s left Infer's outputs the same bits", p.Name)
	}
}
