package model

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/layers"
)

func TestLayerOutput(t *testing.T) {
	spec := Spec{InputDim: 3, Hidden: []int{4, 5}, Activations: []string{"tanh", "relu"}, Classes: 2, Loss: "softmax", Init: "he"}
	n, err := New[float64](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	n.SetTraining(false)
	x := layers.NewMatrix[float64](2, 3)
	for i := range x.Data {
		x.Data[i] = float64(i) - 2.5
	}
	if got := n.LayerOutput(x, 0); got != x {
		t.Error("layer 0 is not the input")
	}
	// h1 = tanh(x W0ᵀ + b0), by hand.
	h1 := n.LayerOutput(x, 1)
	if h1.Rows != 2 || h1.Cols != 4 {
		t.Fatalf("h1 is %dx%d, want 2x4", h1.Rows, h1.Cols)
	}
	a := n.Affine[0]
	for i := range 2 {
		for j := range 4 {
			z := a.B.Data[j]
			for k := range 3 {
				z += x.At(i, k) * a.W.Data[j*3+k]
			}
			want := layers.NewMatrix[float64](1, 1)
			want.Data[0] = z
			tanh := &layers.Tanh[float64]{}
			if got := h1.At(i, j); got != tanh.Forward(want).Data[0] {
				t.Errorf("h1[%d,%d] = %g, want tanh(%g)", i, j, got, z)
			}
		}
	}
	if h2 := n.LayerOutput(x, 2); h2.Cols != 5 {
		t.Errorf("h2 has %d columns, want 5", h2.Cols)
	}
	scores := n.LayerOutput(x, 3)
	want := n.Scores(x)
	for i := range want.Data {
		if scores.Data[i] != want.Data[i] {
			t.Fatalf("layer 3 is not the scores")
		}
	}
}

func TestLayerIndex(t *testing.T) {
	spec := Spec{InputDim: 3, Hidden: []int{4, 5}, Activations: []string{"tanh", "relu"}, Classes: 2, Loss: "softmax", Init: "he"}
	for in, want := range map[string]int{"": 2, "input": 0, "0": 0, "h1": 1, "H2": 2, "2": 2, "scores": 3, "3": 3} {
		if got, err := spec.LayerIndex(in); err != nil || got != want {
			t.Errorf("LayerIndex(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"h3", "4", "-1", "hidden"} {
		_, err := spec.LayerIndex(bad)
		if err == nil || !strings.Contains(err.Error(), "input, h1, h2, scores") || strings.Contains(err.Error(), "\n") {
			t.Errorf("LayerIndex(%q): error %v, want one line listing the layers", bad, err)
		}
	}
}
