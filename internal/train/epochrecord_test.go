package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
)

// TestEpochRecords: each finished epoch's record is in metrics.jsonl when
// the epoch ends, long before a checkpoint; AfterEpoch stopping the run
// checkpoints it like a signal; the resumed run first cuts metrics.jsonl
// back to the checkpoint and ends with the uninterrupted run's records.
func TestEpochRecords(t *testing.T) {
	text := "seed: 5\n" + smallSpiral + "model: {hidden: [8]}\ntrain: {epochs: 5, batch_size: 16, checkpoint_seconds: 100000}\n"
	ref := loadConfig(t, text)
	if _, err := Start(context.Background(), ref, Options{}); err != nil {
		t.Fatal(err)
	}
	c := loadConfig(t, text)
	dir := c.Train.OutDir
	seen := 0
	_, err := Start(context.Background(), c, Options{AfterEpoch: func(m rundir.Metrics) bool {
		seen++
		ms, err := rundir.ReadMetrics(dir)
		if err != nil || len(ms) != m.Epoch || !reflect.DeepEqual(ms[len(ms)-1], m) {
			t.Errorf("after epoch %d: metrics.jsonl holds %d records (%v), the last %+v", m.Epoch, len(ms), err, ms)
		}
		if _, err := os.Stat(filepath.Join(dir, rundir.Checkpoint)); err == nil {
			t.Errorf("after epoch %d: a checkpoint already (checkpoint_seconds 100000)", m.Epoch)
		}
		return m.Epoch == 3
	}})
	var ie *InterruptedError
	if !errors.As(err, &ie) || ie.Epoch != 4 || ie.Step != 0 || seen != 3 {
		t.Fatalf("AfterEpoch stop at epoch 3: %v (%d calls)", err, seen)
	}
	// A crash after the checkpoint leaves records of later epochs: resume
	// drops them and trains those epochs again.
	if err := rundir.AppendMetrics(dir, rundir.Metrics{Epoch: 4, ValAcc: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(context.Background(), dir, Options{}); err != nil {
		t.Fatal(err)
	}
	if got, want := timeless(readMetrics(t, dir)), timeless(readMetrics(t, ref.Train.OutDir)); !reflect.DeepEqual(got, want) {
		t.Errorf("metrics after resume\n%+v\nwant\n%+v", got, want)
	}
}
