package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImport imports the MLP PyTorch exported (testdata/onnx/relu.onnx,
// 6-8(relu)-5(relu)-3) and checks that nnfc eval, nnfc predict and
// train.init_from take the model file; then the refusals.
func TestImport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "testdata", "onnx", "relu.onnx")
	m := filepath.Join(dir, "mlp.safetensors")
	code, out, errOut := nnfc(t, ctx, "import", "--onnx", src, "--output", m)
	if code != ExitOK || !strings.Contains(errOut, "6-8(relu)-5(relu)-3 softmax, float32") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	// 60 labelled rows of 6 features (label first) and the same rows unlabelled.
	rng := rand.New(rand.NewPCG(1, 2))
	var labelled, plain strings.Builder
	for i := range 60 {
		fmt.Fprintf(&labelled, "%d", i%3)
		for j := range 6 {
			v := rng.NormFloat64()
			fmt.Fprintf(&labelled, ",%.4f", v)
			if j > 0 {
				plain.WriteByte(',')
			}
			fmt.Fprintf(&plain, "%.4f", v)
		}
		labelled.WriteByte('\n')
		plain.WriteByte('\n')
	}
	csv := writeFile(t, dir, "rows.csv", labelled.String())
	points := writeFile(t, dir, "points.csv", plain.String())
	if code, out, errOut = nnfc(t, ctx, "eval", "--model", m, "--data", csv); code != ExitOK || !strings.Contains(out, "accuracy") {
		t.Errorf("eval of the imported model: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut = nnfc(t, ctx, "predict", "--model", m, "--input", points); code != ExitOK || strings.Count(out, "\n") != 61 {
		t.Errorf("predict with the imported model: exit %d\n%s\n%s", code, out, errOut)
	}
	cfg := writeFile(t, dir, "ft.yaml", fmt.Sprintf(`seed: 1
data:
  source: csv
  train: %s
  val_fraction: 0.2
  normalize: none
model:
  hidden: [8, 5]
  activation: relu
  loss: softmax
  init: he
optimizer:
  rule: sgd
  lr: 0.01
train:
  epochs: 2
  batch_size: 16
  out_dir: %s
  init_from: %s
`, csv, filepath.Join(dir, "ft"), m))
	if code, out, errOut = nnfc(t, ctx, "train", "--config", cfg, "--progress", "none"); code != ExitOK {
		t.Errorf("train with init_from the imported model: exit %d\n%s\n%s", code, out, errOut)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no flag", []string{"import"}, ExitUsage, "--onnx FILE is required"},
		{"exists", []string{"import", "--onnx", src, "--output", m}, ExitError, "exists (--force replaces it)"},
		{"missing", []string{"import", "--onnx", filepath.Join(dir, "none.onnx")}, ExitError, "none.onnx: no such file"},
		{"gelu", []string{"import", "--onnx", filepath.Join("..", "..", "testdata", "onnx", "gelu.onnx"), "--output", filepath.Join(dir, "g.safetensors")}, ExitError, "is not part of a plain MLP"},
		{"not onnx", []string{"import", "--onnx", csv, "--output", filepath.Join(dir, "c.safetensors")}, ExitError, "not an ONNX model"},
	} {
		code, _, errOut := nnfc(t, ctx, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line containing %q", tc.name, code, errOut, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "g.safetensors")); err == nil {
		t.Error("a refused import wrote its output")
	}
}
