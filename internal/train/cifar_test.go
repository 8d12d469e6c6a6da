package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/nnfc/nnfc/internal/config"
)

// TestCIFAR10Config runs configs/cifar10-2layer.yaml end to end on CIFAR-10
// binary batches made up in the test (the real ones are a user download):
// the config's data wiring, the two-layer net on 3072 inputs and the
// global standardization all work, and the run learns a learnable rule.
func TestCIFAR10Config(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(10, 10))
	// The label is the brightness decile of the red plane: learnable from
	// the pixels, so the check means something.
	batch := func(name string, n int) {
		b := make([]byte, 0, n*3073)
		for range n {
			base := rng.IntN(10)
			rec := make([]byte, 3073)
			rec[0] = byte(base)
			for j := 1; j < len(rec); j++ {
				rec[j] = byte(rng.IntN(60))
				if j <= 1024 {
					rec[j] += byte(base * 20)
				}
			}
			b = append(b, rec...)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		batch(fmt.Sprintf("data_batch_%d.bin", i), 60)
	}
	batch("test_batch.bin", 100)

	c, err := config.Load(filepath.Join("..", "..", "configs", "cifar10-2layer.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Data.Dir = dir
	c.Data.ValCount = 50
	c.Train.Epochs = 50
	c.Train.OutDir = filepath.Join(t.TempDir(), "run")
	c.Optimizer.LR = 0.1 // the course's 1e-3 makes 1,000s of steps on 49,000 images; here 50 epochs of 2
	res, err := Start(context.Background(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Test == nil || res.Test.N != 100 {
		t.Fatalf("test split: %+v", res.Test)
	}
	if res.Test.Accuracy < 0.5 {
		t.Errorf("test accuracy %.2f on a learnable rule, want ≥ 0.5", res.Test.Accuracy)
	}
}
