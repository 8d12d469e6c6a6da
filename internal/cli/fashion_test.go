package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fashionDir is data/fashion-mnist of this checkout (make data fetches
// Fashion-MNIST there), or $NNFC_FASHION_MNIST_DIR; missing is a failure
// that says how to fetch it.
func fashionDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NNFC_FASHION_MNIST_DIR")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "data", "fashion-mnist")
	}
	dir, err := filepath.Abs(dir)
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	}
	if err != nil {
		t.Fatalf("%v: run make data (it fetches Fashion-MNIST into data/fashion-mnist)", err)
	}
	return dir
}

// TestFashionMNISTNames (issue 26 item 1): one short epoch on 10,000 of
// the real Fashion-MNIST's training images; the class names travel in the model file to nnfc eval
// (the confusion table's rows and columns) and nnfc predict (the class
// column and the p_NAME headers), and the run learned something (above
// 60% test accuracy after one epoch of a 784-32-10 network, 79 steps;
// chance is 10%).
func TestFashionMNISTNames(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := t.TempDir()
	fm := fashionDir(t)
	run := filepath.Join(dir, "run")
	cfg := writeFile(t, dir, "fashion.yaml", fmt.Sprintf(`data: {source: fashion-mnist, dir: %s, val_count: 50000}
model: {hidden: [32]}
optimizer: {rule: adam, lr: 0.003}
train: {epochs: 1, batch_size: 128, out_dir: %s}
`, fm, run))
	ctx := context.Background()
	code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "10 classes; 10000 train, 50000 val, 10000 test") {
		t.Errorf("train output lacks the splits:\n%s", out)
	}
	code, out, errOut = nnfc(t, ctx, "eval", "--run", run)
	if code != ExitOK {
		t.Fatalf("eval: exit %d\n%s", code, errOut)
	}
	var acc float64
	if _, err := fmt.Sscanf(out[strings.Index(out, "accuracy  "):], "accuracy  %g%%", &acc); err != nil || acc < 60 {
		t.Errorf("test accuracy %g%% (%v), want > 60%%:\n%s", acc, err, out)
	}
	for _, want := range []string{"T-shirt/top", "Ankle boot", "\nSneaker "} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = nnfc(t, ctx, "predict", "--model", filepath.Join(run, "model.safetensors"), "--input", filepath.Join(fm, "t10k-images-idx3-ubyte.gz"))
	if code != ExitOK {
		t.Fatalf("predict: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 10001 {
		t.Fatalf("predict: %d lines, want a header and 10000 rows", len(lines))
	}
	if !strings.Contains(lines[0], ",class,p_T-shirt/top,p_Trouser,") || !strings.HasSuffix(lines[0], ",p_Ankle boot") {
		t.Errorf("predict header %q lacks the class names", lines[0])
	}
	named := false
	for _, n := range []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"} {
		named = named || strings.HasPrefix(lines[1], "0,"+n+",")
	}
	if !named {
		t.Errorf("predict's first row %q does not name its class", lines[1])
	}
}
