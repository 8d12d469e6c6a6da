package cli

import (
	"context"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAutoencoderCommands: train, eval, plot and predict on a model.kind
// autoencoder over 28×28 images (a synthetic CSV of blobs).
func TestAutoencoderCommands(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	for i := range 120 {
		class := i % 3
		cx, cy := 7+7*class, 14+rng.NormFloat64()*2
		fmt.Fprintf(&b, "%d", class)
		for p := range 784 {
			x, y := float64(p%28), float64(p/28)
			v := 0.0
			if (x-float64(cx))*(x-float64(cx))+(y-cy)*(y-cy) < 20 {
				v = 200
			}
			fmt.Fprintf(&b, ",%g", v)
		}
		b.WriteByte('\n')
	}
	csvPath := writeFile(t, dir, "blobs.csv", b.String())
	cfg := writeFile(t, dir, "ae.yaml", fmt.Sprintf(`seed: 1
data: {source: csv, train: %s, val_fraction: 0.25, normalize: scale, header: "no"}
model: {kind: autoencoder, code_dim: 4}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 3, batch_size: 16}
`, csvPath))
	run := filepath.Join(dir, "run")
	ctx := context.Background()
	code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--out", run, "--progress", "none")
	if code != ExitOK || !strings.Contains(out, "val_mse") || !strings.Contains(out, "784-4(identity)-784 tied autoencoder") ||
		!strings.Contains(out, "best val_mse") || !strings.Contains(out, "results: "+filepath.Join(run, "results.json")) ||
		strings.Contains(out, "0 classes") { // issue 28 item 19: an autoencoder has no classes to count
		t.Fatalf("train exited %d:\n%s\n%s", code, out, errOut)
	}
	// nnfc runs shows its reconstruction MSEs, not accuracies of 0.
	code, out, errOut = nnfc(t, ctx, "runs", dir)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != ExitOK || len(lines) != 2 ||
		strings.Count(lines[1], "mse 0.") != 1 || strings.Contains(lines[1], "0.00%") {
		t.Errorf("runs exited %d:\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = nnfc(t, ctx, "eval", "--run", run, "--split", "val")
	if code != ExitOK || !strings.Contains(out, "reconstruction MSE") || strings.Contains(out, "accuracy") {
		t.Errorf("eval exited %d:\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = nnfc(t, ctx, "plot", "--run", run)
	if code != ExitOK {
		t.Fatalf("plot exited %d:\n%s\n%s", code, out, errOut)
	}
	for _, f := range []string{"curves.png", "reconstructions.png", "weights.png"} {
		p := filepath.Join(run, f)
		if !strings.Contains(out, p) {
			t.Errorf("plot did not print %s:\n%s", p, out)
		}
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(fh); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		fh.Close()
	}
	// gradcheck --config checks the configured autoencoder, and refuses
	// a ReLU one (no bias to keep it off the kink) in one line.
	code, out, errOut = nnfc(t, ctx, "gradcheck", "--config", cfg)
	if code != ExitOK || !strings.Contains(out, "spec/784-4-784/identity/autoencoder/reg=0") || !strings.Contains(out, "PASS") {
		t.Errorf("gradcheck --config: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = nnfc(t, ctx, "gradcheck", "--config", cfg, "--negative")
	if code != ExitOK || !strings.Contains(errOut, "1 of 1 negative twins caught") {
		t.Errorf("gradcheck --config --negative: exit %d\n%s", code, errOut)
	}
	relu := writeFile(t, dir, "relu.yaml", strings.Replace(readText(t, cfg), "code_dim: 4}", "code_dim: 4, activation: relu}", 1))
	code, _, errOut = nnfc(t, ctx, "gradcheck", "--config", relu)
	if code != ExitError || !strings.Contains(errOut, "model.activation relu: an autoencoder has no bias") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("gradcheck of a ReLU autoencoder: exit %d, %q", code, errOut)
	}

	// The code layer embeds; predict refuses an autoencoder in one line.
	code, out, errOut = nnfc(t, ctx, "embed", "--run", run, "--split", "val", "--method", "pca")
	if code != ExitOK || !strings.Contains(out, "layer code (4-d)") {
		t.Errorf("embed exited %d:\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = nnfc(t, ctx, "predict", "--model", filepath.Join(run, "model.safetensors"), "--input", csvPath)
	if code != ExitError || !strings.Contains(errOut, "an autoencoder predicts no classes") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("predict: exit %d, %q", code, errOut)
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
