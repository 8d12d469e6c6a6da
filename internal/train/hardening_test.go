package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/limits"
	"github.com/nnfc/nnfc/pkg/model"
)

// TestNoDeadEndRunDir: a directory left by a run killed before its first
// checkpoint (config.yaml, maybe model.safetensors and temporary files,
// no checkpoint) is no dead end. --resume starts the run from epoch 1
// with its stored config, train --config starts afresh, both remove the
// temporary files, and each ends with the model of an uninterrupted run.
func TestNoDeadEndRunDir(t *testing.T) {
	text := "seed: 3\n" + smallSpiral + "model: {hidden: [8]}\ntrain: {epochs: 2, batch_size: 16}\n"
	ref := loadConfig(t, text)
	if _, err := Start(context.Background(), ref, Options{}); err != nil {
		t.Fatal(err)
	}
	want := readFile(t, filepath.Join(ref.Train.OutDir, rundir.Model))

	// deadEnd builds the leftovers of a kill during the first checkpoint
	// write: the reference run's files minus the checkpoint, plus the
	// temporary files of the killed writes.
	deadEnd := func(t *testing.T) string {
		c := loadConfig(t, text)
		dir := c.Train.OutDir
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{rundir.Config, rundir.Model, rundir.MetricsLog} {
			os.WriteFile(filepath.Join(dir, f), readFile(t, filepath.Join(ref.Train.OutDir, f)), 0o644)
		}
		os.WriteFile(filepath.Join(dir, "."+rundir.Checkpoint+".tmp-12345"), []byte("half a checkpoint"), 0o644)
		os.WriteFile(filepath.Join(dir, "."+rundir.Model+".tmp-777"), nil, 0o644)
		return dir
	}
	check := func(t *testing.T, dir string, stderr string) {
		if got := readFile(t, filepath.Join(dir, rundir.Model)); !bytes.Equal(got, want) {
			t.Error("the restarted run's model differs from an uninterrupted run's")
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
		if !strings.Contains(stderr, "removed 2 temporary file(s)") {
			t.Errorf("stderr does not mention the removed temporary files: %q", stderr)
		}
	}
	t.Run("resume", func(t *testing.T) {
		dir := deadEnd(t)
		var errOut bytes.Buffer
		if _, err := Resume(context.Background(), dir, Options{Stderr: &errOut}); err != nil {
			t.Fatalf("resume of a run without checkpoint: %v", err)
		}
		if !strings.Contains(errOut.String(), "has no checkpoint yet") {
			t.Errorf("stderr does not say the run starts from epoch 1: %q", errOut.String())
		}
		check(t, dir, errOut.String())
	})
	t.Run("start", func(t *testing.T) {
		dir := deadEnd(t)
		c := ref
		c.Train.OutDir = dir
		var errOut bytes.Buffer
		if _, err := Start(context.Background(), c, Options{Stderr: &errOut}); err != nil {
			t.Fatalf("start in a directory without checkpoint: %v", err)
		}
		check(t, dir, errOut.String())
	})
	t.Run("empty dir", func(t *testing.T) {
		_, err := Resume(context.Background(), t.TempDir(), Options{})
		if err == nil || !strings.Contains(err.Error(), "no run there") {
			t.Errorf("resume of an empty directory: %v", err)
		}
	})
}

// TestNoValidationSplit trains on every row with val_count: 0; the model
// file is the last epoch's, and the log says so.
func TestNoValidationSplit(t *testing.T) {
	text := "seed: 4\n" + strings.Replace(smallSpiral, "val_fraction: 0.25", "val_count: 0", 1) + "model: {hidden: [8]}\ntrain: {epochs: 3, batch_size: 16}\n"
	c := loadConfig(t, text)
	var out, errOut bytes.Buffer
	res, err := Start(context.Background(), c, Options{Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	if !res.NoValidation || res.BestEpoch != 3 {
		t.Errorf("NoValidation %v, best epoch %d; want true, 3", res.NoValidation, res.BestEpoch)
	}
	if !strings.Contains(out.String(), "120 train, 0 val") {
		t.Errorf("stdout does not report all 120 rows as training data:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "no validation split") {
		t.Errorf("stderr does not say there is no validation split: %q", errOut.String())
	}
	// The saved model is the final weights.
	_, st := checkpointOf(t, c.Train.OutDir)
	if st.BestEpoch != 3 {
		t.Errorf("checkpoint best epoch %d, want 3", st.BestEpoch)
	}
	m, _, err := model.Load[float32](filepath.Join(c.Train.OutDir, rundir.Model))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Flat()
	ts, _ := checkpointOf(t, c.Train.OutDir)
	if w := ts["2.bias"].F32; len(w) == 0 || a[len(a)-1] != w[len(w)-1] {
		t.Error("model.safetensors is not the last epoch's weights")
	}
}

// TestMemoryCheck: a network beyond the memory limit is refused, naming
// model.hidden, the size and the limit, before any data or weight is
// allocated; the same config under a large enough limit is accepted.
func TestMemoryCheck(t *testing.T) {
	for _, tc := range []struct{ hidden, want string }{
		{"[1000000000]", "model.hidden: the 2-1000000000(relu)-3 softmax network"},
		{"[100000, 100000]", "needs 111.8 GiB"},
	} {
		c := loadConfig(t, "seed: 1\n"+smallSpiral+"model: {hidden: "+tc.hidden+"}\ntrain: {epochs: 1}\n")
		_, err := Start(context.Background(), c, Options{})
		var le *limits.Error
		if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("hidden %s: got %v, want a limits error containing %q", tc.hidden, err, tc.want)
		}
	}
	limits.SetMax(200 << 10)
	defer limits.SetMax(0)
	c := loadConfig(t, "seed: 1\n"+smallSpiral+"model: {hidden: [200]}\ntrain: {epochs: 1}\n")
	if _, err := Start(context.Background(), c, Options{}); err == nil || !strings.Contains(err.Error(), "--max-memory limit of 200.0 KiB") {
		t.Errorf("--max-memory 200K: got %v", err)
	}
	c = loadConfig(t, "seed: 1\n"+smallSpiral+"model: {hidden: [8]}\ntrain: {epochs: 1}\n")
	if _, err := Start(context.Background(), c, Options{}); err != nil {
		t.Errorf("small network under 200 KiB: %v", err)
	}
	c = loadConfig(t, "seed: 1\ndata: {source: spiral, spiral: {per_class: 1000000000000}}\n")
	if _, err := Start(context.Background(), c, Options{}); err == nil || !strings.Contains(err.Error(), "data.spiral: 1000000000000 points per class × 7 classes needs") {
		t.Errorf("spiral of 10^12 points: got %v", err)
	}
}

// TestFloat64CSVKeepsFloat64: a float64 run reads CSV values in float64
// (the model sees 0.1, not float32(0.1)); a float32 run does not keep a
// float64 copy.
func TestFloat64CSVKeepsFloat64(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "d.csv")
	os.WriteFile(p, []byte("0,0.1,0.2\n1,0.3,0.7\n0,0.5,0.1\n1,0.9,0.3\n"), 0o644)
	for _, prec := range []string{"float64", "float32"} {
		c := loadConfig(t, "precision: "+prec+"\ndata: {source: csv, train: "+p+", val_count: 0, normalize: none}\n")
		s, err := LoadData(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if prec == "float32" {
			if s.Train.X64 != nil {
				t.Error("float32 run keeps a float64 copy of the data")
			}
			continue
		}
		x := make([]float64, 2)
		y := make([]int32, 1)
		found := false
		for i := range s.Train.N {
			data.Gather(s.Train, []int{i}, x, y)
			found = found || x[0] == 0.1
		}
		if !found {
			t.Error("float64 run: 0.1 does not reach a batch as float64 0.1")
		}
	}
}
