package model_test

import (
	"fmt"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/stfile"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

// setCourse sets an affine layer from the course's (in, out) row-major
// weight w; nnfc stores the transpose.
func setCourse(a *layers.Affine[float64], w, b []float64) {
	for i := 0; i < a.In; i++ {
		for j := 0; j < a.Out; j++ {
			a.W.Data[j*a.In+i] = w[i*a.Out+j]
		}
	}
	copy(a.B.Data, b)
}

// TestTwoLayerNetCourse reproduces the course notebook's TwoLayerNet check
// (N=3, D=5, H=50, C=7, ReLU hidden layer).
func TestTwoLayerNetCourse(t *testing.T) {
	const n, d, h, c = 3, 5, 50, 7
	for _, tc := range []struct{ reg, want float64 }{{0, 3.4702243556}, {1.0, 26.5948426952}} {
		spec := model.Spec{InputDim: d, Hidden: []int{h}, Activations: []string{"relu"}, Classes: c,
			Loss: "softmax", Init: "normal", WeightScale: 1e-3, Reg: tc.reg}
		net, err := model.New[float64](spec, rand.New(rand.NewPCG(0, 0)))
		if err != nil {
			t.Fatal(err)
		}
		setCourse(net.Affine[0], linspace(-0.7, 0.3, d*h), linspace(-0.1, 0.9, h))
		setCourse(net.Affine[1], linspace(-0.3, 0.4, h*c), linspace(-0.9, 0.1, c))
		xs := linspace(-5.5, 4.5, n*d) // reshaped (D, N) then transposed
		x := layers.NewMatrix[float64](n, d)
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				x.Data[i*d+j] = xs[j*n+i]
			}
		}
		loss, _ := net.Loss(x, layers.Classes[float64]([]int32{0, 5, 1}))
		if math.Abs(loss-tc.want) > 1e-9 {
			t.Errorf("reg %g: loss %.10f, want %.10f", tc.reg, loss, tc.want)
		}
		// The course's analytic gradient must also pass the checker here.
		for _, r := range gradcheck.Net("twolayer", net, x, layers.Classes[float64]([]int32{0, 5, 1}), 1e-7) {
			if !r.Pass() {
				t.Errorf("reg %g %s: rel error %.3g", tc.reg, r.Tensor, r.MaxRel)
			}
		}
	}
}

func TestNetGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, hidden := range [][]int{{6}, {6, 5}, {6, 5, 4}} {
		for _, act := range layers.Activations {
			for _, reg := range []float64{0, 0.3} {
				acts := make([]string, len(hidden))
				for i := range acts {
					acts[i] = act
				}
				name := fmt.Sprintf("hidden=%v/%s/reg=%g", hidden, act, reg)
				t.Run(name, func(t *testing.T) {
					spec := model.Spec{InputDim: 4, Hidden: hidden, Activations: acts, LeakyAlpha: 0.1,
						Classes: 3, Loss: "softmax", Init: "xavier", Reg: reg}
					net, err := model.New[float64](spec, rng)
					if err != nil {
						t.Fatal(err)
					}
					x := layers.NewMatrix[float64](5, 4)
					for i := range x.Data {
						x.Data[i] = rng.NormFloat64()
					}
					y := []int32{0, 1, 2, 1, 0}
					for _, r := range gradcheck.Net(name, net, x, layers.Classes[float64](y), gradcheck.DefaultThreshold) {
						if !r.Pass() {
							t.Errorf("%s: rel error %.3g at %d (analytic %.6g numeric %.6g)", r.Tensor, r.MaxRel, r.Worst, r.Analytic, r.Numeric)
						}
					}
				})
			}
		}
	}
}

func TestSpecValidate(t *testing.T) {
	bad := model.Spec{InputDim: 0, Hidden: []int{3, -1}, Activations: []string{"relu"}, Classes: 1, Loss: "foo", Init: "bar", Reg: -1}
	err := bad.Validate()
	if err == nil {
		t.Fatal("invalid spec accepted")
	}
	for _, want := range []string{"input_dim", "hidden[1]", "activations", "classes", "loss", "init", "reg"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestStateDictNames(t *testing.T) {
	spec := model.Spec{InputDim: 4, Hidden: []int{3, 2}, Activations: []string{"relu", "tanh"}, Classes: 2, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range net.Params() {
		names = append(names, fmt.Sprint(p.Name, p.Shape))
	}
	if got, want := strings.Join(names, " "), "0.weight[3 4] 0.bias[3] 2.weight[2 3] 2.bias[2] 4.weight[2 2] 4.bias[2]"; got != want {
		t.Errorf("params %q, want %q", got, want)
	}
	if spec.NumParams() != len(must(net.Flat())) {
		t.Errorf("NumParams %d, flat %d", spec.NumParams(), len(must(net.Flat())))
	}
}

func must[T any](a, _ T) T { return a }

func TestSaveLoadRoundTrip(t *testing.T) {
	spec := model.Spec{InputDim: 5, Hidden: []int{4, 3}, Activations: []string{"swish", "relu"}, Classes: 3, Loss: "softmax", Init: "he", Reg: 0.1}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	norm := &data.Normalizer{Mode: "standardize", Shift: []float32{1, 2, 3, 4, 5}, Scale: []float32{.5, .5, .5, .5, .5}}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := model.Save(path, net, norm); err != nil {
		t.Fatal(err)
	}
	got, gotNorm, err := model.Load[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := net.Flat()
	b, _ := got.Flat()
	if !slices.Equal(a, b) {
		t.Error("weights changed in the round trip")
	}
	if fmt.Sprint(got.Spec) != fmt.Sprint(spec) || !slices.Equal(gotNorm.Shift, norm.Shift) {
		t.Errorf("spec/normalizer changed: %v %v", got.Spec, gotNorm)
	}
	// float32 file into a float64 net: values convert exactly.
	g64, _, err := model.Load[float64](path)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := g64.Flat()
	for i := range a {
		if float64(a[i]) != c[i] {
			t.Fatalf("float64 load differs at %d", i)
		}
	}
	// A model whose tensors do not fit the spec is rejected by name.
	other := spec
	other.Hidden = []int{4, 2}
	onet, _ := model.New[float32](other, rand.New(rand.NewPCG(1, 1)))
	meta, _ := model.Metadata(spec, nil)
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := stfile.Write(bad, model.Tensors(onet, ""), meta); err != nil {
		t.Fatal(err)
	}
	if _, _, err := model.Load[float32](bad); err == nil || !strings.Contains(err.Error(), "2.weight") || !strings.Contains(err.Error(), bad) {
		t.Errorf("mismatched tensors: %v", err)
	}
	if _, _, err := model.Load[float32](filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing file loaded")
	}
}

// TestTensorShapes: the tensors a spec lists without building its network
// are those of the network New builds.
func TestTensorShapes(t *testing.T) {
	for _, spec := range []model.Spec{
		{InputDim: 3, Classes: 2, Loss: "softmax", Init: "he"},
		{InputDim: 5, Hidden: []int{4, 3}, Activations: []string{"relu", "tanh"}, Classes: 3, Loss: "svm", Init: "he"},
		{InputDim: 5, Hidden: []int{4, 3}, Activations: []string{"relu", "tanh"}, Classes: 3, Loss: "softmax", Init: "he", BatchNorm: true},
		{InputDim: 5, Hidden: []int{4, 3, 2}, Activations: []string{"relu", "tanh", "swish"}, Classes: 3, Loss: "softmax", Init: "he", Dropout: 0.5},
		{InputDim: 5, Hidden: []int{4}, Activations: []string{"relu"}, Classes: 3, Loss: "mse", Init: "he", BatchNorm: true, Dropout: 0.5},
	} {
		net, err := model.New[float32](spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := model.Tensors(net, "")
		got := spec.TensorShapes()
		if len(got) != len(want) {
			t.Fatalf("%s: %d tensors listed, the network has %d", spec, len(got), len(want))
		}
		values := 0
		for i := range got {
			if got[i].Name != want[i].Name || !slices.Equal(got[i].Shape, want[i].Shape) {
				t.Errorf("%s: tensor %d listed as %s %v, the network has %s %v", spec, i, got[i].Name, got[i].Shape, want[i].Name, want[i].Shape)
			}
			values += len(want[i].F32)
		}
		if spec.Values() != float64(values) {
			t.Errorf("%s: Values() = %g, the network holds %d", spec, spec.Values(), values)
		}
	}
}
