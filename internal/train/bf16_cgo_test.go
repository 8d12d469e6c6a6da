//go:build cgo && !purego

package train

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/rundir"
)

// useBackend registers a BLAS backend for one test and gonum's pure-Go
// kernels (this package's tests' default) after it.
func useBackend(t *testing.T, name string) {
	t.Helper()
	if err := blasbackend.Select(name); err != nil {
		t.Fatal(err)
	}
	if err := blasbackend.Init(0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := blasbackend.Select(blasbackend.GonumName); err == nil {
			_ = blasbackend.Init(0)
		}
	})
}

// wideSpiral has GEMMs large enough for the bfloat16 mode (2^23
// multiply-adds and more): the 256×256 layer at batch 256 (and the last,
// 194-sample batch).
const wideSpiral = `seed: 3
data: {source: spiral, spiral: {per_class: 200, classes: 3, noise: 0.2}, val_fraction: 0.25, normalize: none}
model: {hidden: [256, 256], activation: relu}
optimizer: {rule: sgd, lr: 0.05}
train: {epochs: 3, batch_size: 256}
`

// TestBFloat16Run: `precision: bfloat16` trains on oneDNN with the large
// GEMMs in bf16 (BFloat16Calls counts them; the float32 run has none),
// to nearly the float32 run's losses but not the same bits, records its
// precision, and leaves the mode off when it ends.
func TestBFloat16Run(t *testing.T) {
	useBackend(t, blasbackend.OneDNNName)
	var models [][]byte
	var losses []float64
	for _, prec := range []string{"float32", "bfloat16"} {
		c := loadConfig(t, "precision: "+prec+"\n"+wideSpiral)
		before := blasbackend.BFloat16Calls()
		res, err := Start(context.Background(), c, Options{})
		if err != nil {
			t.Fatalf("%s: %v", prec, err)
		}
		calls := blasbackend.BFloat16Calls() - before
		if (prec == "bfloat16") != (calls > 0) {
			t.Errorf("%s: %d GEMMs ran in bf16", prec, calls)
		}
		if blasbackend.BFloat16() {
			t.Errorf("%s: the bfloat16 mode is still on after the run", prec)
		}
		if !strings.Contains(string(readFile(t, filepath.Join(res.Dir, "results.json"))), `"precision": "`+prec+`"`) {
			t.Errorf("%s: results.json does not record the precision", prec)
		}
		ms := readMetrics(t, res.Dir)
		losses = append(losses, ms[len(ms)-1].Loss)
		models = append(models, readFile(t, filepath.Join(res.Dir, rundir.Model)))
	}
	if d := math.Abs(losses[1] - losses[0]); d > 0.02*losses[0] {
		t.Errorf("final training loss float32 %.6f, bfloat16 %.6f: too far apart", losses[0], losses[1])
	}
	if bytes.Equal(models[0], models[1]) {
		t.Errorf("the bfloat16 run saved the float32 run's model bit for bit: its GEMMs were not bf16")
	}
	t.Logf("final training loss: float32 %.6f, bfloat16 %.6f", losses[0], losses[1])
}

// TestBFloat16NeedsOneDNN: on OpenBLAS the run is refused before anything
// is written, with an error naming the precision and the backend it needs.
func TestBFloat16NeedsOneDNN(t *testing.T) {
	useBackend(t, blasbackend.OpenBLASName)
	c := loadConfig(t, "precision: bfloat16\n"+wideSpiral)
	_, err := Start(context.Background(), c, Options{})
	if err == nil || !strings.Contains(err.Error(), "precision bfloat16") || !strings.Contains(err.Error(), "onednn") {
		t.Fatalf("got %v, want an error naming precision bfloat16 and onednn", err)
	}
	if _, err := os.Stat(c.Train.OutDir); !os.IsNotExist(err) {
		t.Errorf("the refused run left %s behind (%v)", c.Train.OutDir, err)
	}
}
