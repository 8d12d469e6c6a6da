package cli

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/onnx"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// TestExport runs nnfc export from a run directory and from a model file,
// and its refusals: each a one-line error with the documented exit code,
// no .onnx written, and an existing one left as it was. (That ONNX Runtime
// computes what nnfc does is internal/onnx's tests.)
func TestExport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	spec := model.Spec{InputDim: 2, Hidden: []int{8}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	modelPath := filepath.Join(run, "model.safetensors")
	if err := model.Save(modelPath, net, nil); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := nnfc(t, ctx, "export", "--run", run)
	want := filepath.Join(run, "model.onnx")
	if code != ExitOK || !strings.Contains(errOut, "wrote "+want) {
		t.Fatalf("export --run: exit %d\n%s\n%s", code, out, errOut)
	}
	m, err := onnx.Read(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.Graph.Output); got != 2 {
		t.Errorf("%d outputs without class names, want 2 (probabilities, label)", got)
	}
	named := filepath.Join(dir, "named.onnx")
	code, out, errOut = nnfc(t, ctx, "export", "--model", modelPath, "--output", named, "--class-names", "a, b,c", "--precision", "float64")
	if code != ExitOK {
		t.Fatalf("export --model: exit %d\n%s\n%s", code, out, errOut)
	}
	if m, err = onnx.Read(named); err != nil {
		t.Fatal(err)
	}
	meta := onnx.Metadata(m)
	if meta[onnx.MetaClasses] != `["a","b","c"]` || meta[onnx.MetaPrecision] != "float64" || len(m.Graph.Output) != 3 {
		t.Errorf("--class-names 'a, b,c' --precision float64: metadata %v, %d outputs", meta, len(m.Graph.Output))
	}

	// A CIFAR-10 run: the source names the classes.
	cifarRun := filepath.Join(dir, "cifar")
	if err := os.Mkdir(cifarRun, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join("..", "..", "configs", "cifar10-2layer.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cifarRun, "config.yaml", string(cfg))
	spec10 := spec
	spec10.Classes = 10
	net10, err := model.New[float32](spec10, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Save(filepath.Join(cifarRun, "model.safetensors"), net10, nil); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = nnfc(t, ctx, "export", "--run", cifarRun); code != ExitOK {
		t.Fatalf("export --run (cifar10): exit %d\n%s\n%s", code, out, errOut)
	}
	if m, err = onnx.Read(filepath.Join(cifarRun, "model.onnx")); err != nil {
		t.Fatal(err)
	}
	if got := onnx.Metadata(m)[onnx.MetaClasses]; !strings.HasPrefix(got, `["airplane","automobile",`) {
		t.Errorf("a cifar10 run's export has class names %s, want CIFAR-10's", got)
	}

	// A model file whose spec names a layer nnfc does not know, and a
	// corrupt one.
	unknown := filepath.Join(dir, "unknown.safetensors")
	md, err := model.Metadata(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	md[model.MetaSpec] = strings.Replace(md[model.MetaSpec], `"relu"`, `"gelu"`, 1)
	if err := stfile.Write(unknown, model.Tensors(net, ""), md); err != nil {
		t.Fatal(err)
	}
	corrupt := writeFile(t, dir, "corrupt.safetensors", "not a model file")
	existing := writeFile(t, dir, "existing.onnx", "keep me")

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"nothing", []string{"export"}, ExitUsage, "exactly one of --model FILE or --run RUN_DIR"},
		{"both", []string{"export", "--model", modelPath, "--run", run}, ExitUsage, "exactly one of"},
		{"format", []string{"export", "--model", modelPath, "--format", "pmml", "--output", existing}, ExitUsage, `--format: must be onnx, got "pmml"`},
		{"precision", []string{"export", "--model", modelPath, "--precision", "half", "--output", existing}, ExitUsage, "--precision: must be float32 or float64"},
		{"flag", []string{"export", "--modle", modelPath}, ExitUsage, "unknown flag: --modle"},
		{"output is input", []string{"export", "--model", modelPath, "--output", modelPath}, ExitUsage, "is the model file itself"},
		{"no file", []string{"export", "--model", filepath.Join(dir, "none.safetensors"), "--output", existing}, ExitError, "none.safetensors: no such file"},
		{"no run", []string{"export", "--run", filepath.Join(dir, "norun")}, ExitError, "no such run directory"},
		{"empty run", []string{"export", "--run", dir}, ExitError, "no model.safetensors in it"},
		{"corrupt", []string{"export", "--model", corrupt, "--output", existing}, ExitError, "corrupt.safetensors"},
		{"unknown layer", []string{"export", "--model", unknown, "--output", existing}, ExitError, `unknown "gelu"`},
		{"class names", []string{"export", "--model", modelPath, "--output", existing, "--class-names", "a,b"}, ExitError, "2 class names given, the model has 3 classes"},
		{"no dir", []string{"export", "--model", modelPath, "--output", filepath.Join(dir, "nodir", "m.onnx")}, ExitError, "does not exist"},
	} {
		code, _, errOut := nnfc(t, ctx, tc.args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != tc.code || !strings.Contains(errOut, tc.want) || len(lines) != 1 {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line containing %q", tc.name, code, errOut, tc.code, tc.want)
		}
		if b, _ := os.ReadFile(existing); string(b) != "keep me" {
			t.Fatalf("%s: the existing %s was overwritten", tc.name, existing)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
