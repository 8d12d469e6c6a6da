package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
)

// TestResultsJSON: a finished run's results.json holds its outcome and
// what it ran on; an interrupted one says so.
func TestResultsJSON(t *testing.T) {
	c := loadConfig(t, "seed: 3\n"+smallSpiral+"model: {hidden: [8], reg: 0.01}\ntrain: {epochs: 4, batch_size: 16}\n")
	res, err := Start(context.Background(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := rundir.ReadResults(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, res.Dir)
	if r.Status != "finished" || r.Epochs != 4 || r.EpochsPlanned != 4 || r.BestEpoch != res.BestEpoch ||
		r.Final == nil || !reflect.DeepEqual(*r.Final, ms[3]) || r.Best == nil || !reflect.DeepEqual(*r.Best, ms[res.BestEpoch-1]) {
		t.Errorf("results.json does not match the run: %+v\nmetrics %+v", r, ms)
	}
	if r.Model != "2-8(relu)-3 softmax" || r.Seed != 3 || r.BatchSize != 16 || r.Precision != "float32" {
		t.Errorf("settings: %q seed %d batch %d %s", r.Model, r.Seed, r.BatchSize, r.Precision)
	}
	if r.Build.Version == "" || r.Build.Commit == "" || r.BLAS.Backend == "" || r.BLAS.Vec == "" || r.CPU == "" {
		t.Errorf("provenance missing: %+v %+v cpu %q", r.Build, r.BLAS, r.CPU)
	}
	if !(r.TrainSeconds > 0 && r.WallSeconds >= r.TrainSeconds && r.SamplesPerSec > 0) || r.Checkpoints != res.Checkpoints {
		t.Errorf("times: train %g wall %g rate %g checkpoints %d/%d", r.TrainSeconds, r.WallSeconds, r.SamplesPerSec, r.Checkpoints, res.Checkpoints)
	}
	// val_loss is the data loss and l2 the L2 term: with reg > 0 the
	// training objective (loss) exceeds the data loss by about the L2 term.
	for _, m := range ms {
		if !(m.L2 > 0) || math.Abs(m.Loss-m.DataLoss-m.L2) > 0.5*m.L2 {
			t.Errorf("epoch %d: loss %g, data_loss %g, l2 %g: loss should be data_loss + the L2 term", m.Epoch, m.Loss, m.DataLoss, m.L2)
		}
	}

	c2 := loadConfig(t, "seed: 3\n"+smallSpiral+"model: {hidden: [8]}\ntrain: {epochs: 4, batch_size: 16}\n")
	if _, err := Start(context.Background(), c2, Options{StopAfter: 8}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	r, err = rundir.ReadResults(c2.Train.OutDir)
	if err != nil || r.Status != "interrupted" || !strings.Contains(r.Reason, "--resume") || r.Epochs != 1 {
		t.Errorf("interrupted run: %v %+v", err, r)
	}
}

// TestDivergenceWarning: a loss that grows by orders of magnitude without
// becoming NaN (spiral at lr 50, as in the issue) draws one warning on
// stderr and in the result; a healthy run draws none.
func TestDivergenceWarning(t *testing.T) {
	for _, tt := range []struct {
		lr   string
		warn bool
	}{{"50", true}, {"0.5", false}} {
		c := loadConfig(t, "seed: 1\n"+smallSpiral+"model: {hidden: [50]}\noptimizer: {lr: "+tt.lr+"}\ntrain: {epochs: 10, batch_size: 16}\n")
		var stderr bytes.Buffer
		res, err := Start(context.Background(), c, Options{Stderr: &stderr})
		if err != nil {
			t.Fatalf("lr %s: %v", tt.lr, err)
		}
		n := strings.Count(stderr.String(), "warning: the training loss grew")
		if tt.warn && (n != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "lower optimizer.lr")) {
			t.Errorf("lr %s: %d warnings on stderr %q, result %q; want one", tt.lr, n, stderr.String(), res.Warnings)
		}
		if !tt.warn && (n != 0 || len(res.Warnings) != 0) {
			t.Errorf("lr %s: a healthy run warned: %q", tt.lr, stderr.String())
		}
		if r, err := rundir.ReadResults(res.Dir); err != nil || len(r.Warnings) != len(res.Warnings) {
			t.Errorf("lr %s: results.json warnings %v (%v)", tt.lr, r, err)
		}
	}
}

// TestCheckpointInterval: checkpoint_every K writes one every K epochs
// and one at the end; the default time interval writes only the last for
// a run shorter than it; a run resumed from any of them ends the same.
func TestCheckpointInterval(t *testing.T) {
	base := "seed: 4\n" + smallSpiral + "model: {hidden: [8]}\n"
	for _, tt := range []struct {
		train string
		want  int
	}{
		{"train: {epochs: 7, batch_size: 16, checkpoint_every: 3, checkpoint_seconds: 0}\n", 3}, // after 3, 6, and the end (7)
		{"train: {epochs: 7, batch_size: 16, checkpoint_every: 1}\n", 7},
		{"train: {epochs: 7, batch_size: 16}\n", 1}, // 10 s default: the end only
	} {
		c := loadConfig(t, base+tt.train)
		res, err := Start(context.Background(), c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Checkpoints != tt.want {
			t.Errorf("%s: %d checkpoints, want %d", strings.TrimSpace(tt.train), res.Checkpoints, tt.want)
		}
		if len(readMetrics(t, res.Dir)) != 7 {
			t.Errorf("metrics.jsonl incomplete")
		}
	}
	// Interrupted in epoch 5 with checkpoint_every 3: the interruption
	// still writes a checkpoint, and resuming gives the weights of an
	// uninterrupted run.
	c := loadConfig(t, base+"train: {epochs: 7, batch_size: 16, checkpoint_every: 3, checkpoint_seconds: 0}\n")
	_, err := Start(context.Background(), c, Options{StopAfter: 4*smallSteps + 2})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("want an interruption, got %v", err)
	}
	if _, st := checkpointOf(t, c.Train.OutDir); st.Epoch != 4 || st.Step != 2 {
		t.Errorf("checkpoint at epoch %d step %d, want 4, 2", st.Epoch, st.Step)
	}
	if _, err := Resume(context.Background(), c.Train.OutDir, Options{}); err != nil {
		t.Fatal(err)
	}
	whole := loadConfig(t, base+"train: {epochs: 7, batch_size: 16}\n")
	if _, err := Start(context.Background(), whole, Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, filepath.Join(c.Train.OutDir, rundir.Model)), readFile(t, filepath.Join(whole.Train.OutDir, rundir.Model))) {
		t.Errorf("interrupted and resumed run ended with another model than an uninterrupted one")
	}
}
