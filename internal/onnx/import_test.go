package onnx

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// torchFixture is what scripts/torch_export_mlp.py wrote beside each
// PyTorch-exported MLP: input rows and PyTorch's outputs on them.
type torchFixture struct {
	Torch  string    `json:"torch"`
	Rows   int       `json:"rows"`
	X      []float64 `json:"x"`
	Logits []float64 `json:"logits"`
}

// TestImportTorch imports the MLPs PyTorch 1.13 exported
// (testdata/onnx, written by scripts/torch_export_mlp.py), saves each as
// an nnfc model file, loads it back and checks nnfc's scores against
// PyTorch's on the same rows. GELU (exported as Div, Erf, Add, Mul) is
// refused naming its first node.
func TestImportTorch(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "onnx")
	for _, tc := range []struct {
		name, act, prec string
		alpha           float64
	}{
		{"relu", "relu", "float32", 0},
		{"silu", "swish", "float32", 0},
		{"tanh", "tanh", "float32", 0},
		{"sigmoid", "sigmoid", "float32", 0},
		{"leaky", "leaky_relu", "float32", 0.1},
		{"relu64", "relu", "float64", 0},
	} {
		imp, err := ImportFile(filepath.Join(dir, tc.name+".onnx"))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		want := model.Spec{InputDim: 6, Hidden: []int{8, 5}, Activations: []string{tc.act, tc.act}, Classes: 3,
			Loss: "softmax", Init: "he", LeakyAlpha: imp.Spec.LeakyAlpha}
		if imp.Spec.String() != want.String() || imp.Precision != tc.prec || float32(imp.Spec.LeakyAlpha) != float32(tc.alpha) {
			t.Errorf("%s: imported %s %s alpha %g, want %s %s alpha %g", tc.name, imp.Spec, imp.Precision, imp.Spec.LeakyAlpha, want, tc.prec, tc.alpha)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, tc.name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var fx torchFixture
		if err := json.Unmarshal(b, &fx); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), tc.name+".safetensors")
		if err := imp.Save(path); err != nil {
			t.Fatal(err)
		}
		var got []float64
		tol := tol32
		if tc.prec == "float64" {
			got, tol = importedScores[float64](t, path, fx), tol64
		} else {
			got = importedScores[float32](t, path, fx)
		}
		if msg, ok := tol.within(got, fx.Logits); !ok {
			t.Errorf("%s: nnfc's scores against PyTorch %s's: %s", tc.name, fx.Torch, msg)
			continue
		}
		t.Logf("%-8s %s %s: scores within %.2g relative of PyTorch %s's", tc.name, imp.Spec, imp.Precision, relErr(got, fx.Logits), fx.Torch)
	}
	_, err := ImportFile(filepath.Join(dir, "gelu.onnx"))
	if err == nil || !strings.Contains(err.Error(), "is not part of a plain MLP") || !strings.Contains(err.Error(), "node ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("gelu: %v, want one line refusing the node", err)
	} else {
		t.Logf("gelu refused: %v", err)
	}
}

// importedScores loads the imported model file in precision T and
// returns its scores on the fixture's rows.
func importedScores[T layers.Float](t *testing.T, path string, fx torchFixture) []float64 {
	t.Helper()
	net, norm, err := model.Load[T](path)
	if err != nil {
		t.Fatal(err)
	}
	if norm != nil {
		t.Fatalf("%s: an imported model has a normalizer", path)
	}
	x := layers.NewMatrix[T](fx.Rows, net.Spec.InputDim)
	for i, v := range fx.X {
		x.Data[i] = T(v)
	}
	net.SetTraining(false)
	var out []float64
	for _, v := range net.Scores(x).Data {
		out = append(out, float64(v))
	}
	return out
}

// TestExportImportRoundTrip: a model without a normalizer, exported and
// imported (its outputs heads, Softmax and ArgMax, accepted), has the same
// spec and bit-identical weights; with a normalizer the import refuses the
// Sub node.
func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, prec := range []string{"float32", "float64"} {
		spec := model.Spec{InputDim: 5, Hidden: []int{7, 4}, Activations: []string{"swish", "tanh"}, Classes: 3, Loss: "softmax", Init: "he"}
		if prec == "float64" {
			// A double graph writes swish as x/(1+e^(−x)), which import
			// does not recognize.
			spec.Activations = []string{"relu", "sigmoid"}
		}
		path := filepath.Join(dir, prec+".safetensors")
		if prec == "float64" {
			net, _ := model.New[float64](spec, rand.New(rand.NewPCG(1, 1)))
			if err := model.Save(path, net, nil); err != nil {
				t.Fatal(err)
			}
		} else {
			net, _ := model.New[float32](spec, rand.New(rand.NewPCG(1, 1)))
			if err := model.Save(path, net, nil); err != nil {
				t.Fatal(err)
			}
		}
		out, _ := exportTo(t, path, Options{})
		imp, err := ImportFile(out)
		if err != nil {
			t.Fatalf("%s: %v", prec, err)
		}
		back := filepath.Join(dir, prec+"-back.safetensors")
		if err := imp.Save(back); err != nil {
			t.Fatal(err)
		}
		a, err := model.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := model.Open(back)
		if err != nil {
			t.Fatal(err)
		}
		if a.Meta[model.MetaSpec] != b.Meta[model.MetaSpec] || len(a.Tensors) != len(b.Tensors) {
			t.Fatalf("%s: round trip gives %s, want %s", prec, b.Meta[model.MetaSpec], a.Meta[model.MetaSpec])
		}
		for i := range a.Tensors {
			if !slices.Equal(a.Tensors[i].F32, b.Tensors[i].F32) || !slices.Equal(a.Tensors[i].F64, b.Tensors[i].F64) {
				t.Errorf("%s: tensor %s differs after the round trip", prec, a.Tensors[i].Name)
			}
		}
	}
	x := rawRows(rand.New(rand.NewPCG(1, 1)), 8, 6)
	path := filepath.Join(dir, "norm.safetensors")
	saveClassifier[float32](t, path, model.Spec{InputDim: 6, Hidden: []int{5}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax", Init: "he"}, x, 1)
	out, _ := exportTo(t, path, Options{})
	if _, err := ImportFile(out); err == nil || !strings.Contains(err.Error(), "Sub") {
		t.Errorf("import of a graph with a normalizer: %v, want the Sub node refused", err)
	}
}
