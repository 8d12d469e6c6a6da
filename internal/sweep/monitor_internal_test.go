package sweep

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
)

// TestMonitorRanksAndPrunes: with train.monitor val_f1_macro (higher is
// better) the trials are ranked by their best macro F1, not by accuracy;
// with val_log_loss (lower is better) by their lowest log loss; and the
// early-stop rule prunes the trial whose monitored score is below the
// rung's quantile, in the metric's direction.
func TestMonitorRanksAndPrunes(t *testing.T) {
	dir := t.TempDir()
	// Trial 0 is more accurate; trial 1 has the better F1 and log loss.
	records := [][]rundir.Metrics{
		{{Epoch: 1, ValAcc: 0.90, Val: map[string]float64{"f1_macro": 0.60, "log_loss": 0.50}},
			{Epoch: 2, ValAcc: 0.91, Val: map[string]float64{"f1_macro": 0.62, "log_loss": 0.45}}},
		{{Epoch: 1, ValAcc: 0.80, Val: map[string]float64{"f1_macro": 0.75, "log_loss": 0.30}},
			{Epoch: 2, ValAcc: 0.79, Val: map[string]float64{"f1_macro": 0.70, "log_loss": 0.35}}},
	}
	var mts []ManifestTrial
	for i, ms := range records {
		d := filepath.Join(dir, string(rune('a'+i)))
		if err := mkdirMetrics(d, ms); err != nil {
			t.Fatal(err)
		}
		mts = append(mts, ManifestTrial{Index: i, Dir: d, Epochs: 2})
	}
	for _, c := range []struct {
		monitor string
		first   int
		best    [2]float64 // each trial's best value
		epoch   [2]int
	}{
		{"val_acc", 0, [2]float64{0.91, 0.80}, [2]int{2, 1}},
		{"val_f1_macro", 1, [2]float64{0.62, 0.75}, [2]int{2, 1}},
		{"val_log_loss", 1, [2]float64{0.45, 0.30}, [2]int{2, 1}},
	} {
		var ts []Trial
		for _, mt := range mts {
			tr, err := readTrial(mt.Dir, mt, c.monitor, newLiveness())
			if err != nil {
				t.Fatal(err)
			}
			if tr.Best != c.best[mt.Index] || tr.BestEpoch != c.epoch[mt.Index] {
				t.Errorf("%s: trial %d best %v at epoch %d, want %v at %d", c.monitor, mt.Index, tr.Best, tr.BestEpoch, c.best[mt.Index], c.epoch[mt.Index])
			}
			ts = append(ts, tr)
		}
		slices.SortStableFunc(ts, func(a, b Trial) int { return compareTrials(a, b, c.monitor) })
		if ts[0].Index != c.first {
			t.Errorf("%s: trial %d ranked first, want %d", c.monitor, ts[0].Index, c.first)
		}
	}
	// Pruning at rung 1 (eta 2: below the median), lower is better: a log
	// loss of 0.9 among 0.3 and 0.5 is pruned, 0.2 is not.
	tab := &Table{Metric: "val_log_loss"}
	es := newASHA(EarlyStop{MinEpochs: 1, Eta: 2}, tab)
	es.at[1] = []float64{-0.3, -0.5}
	rec := func(v float64) rundir.Metrics {
		return rundir.Metrics{Epoch: 1, Val: map[string]float64{"log_loss": v}}
	}
	if !es.stop(Trial{Index: 7, MaxEpochs: 4}, rec(0.9)) {
		t.Error("val_log_loss 0.9 among 0.3 and 0.5 was not pruned")
	}
	if es.stop(Trial{Index: 8, MaxEpochs: 4}, rec(0.2)) {
		t.Error("val_log_loss 0.2 among 0.3, 0.5 and 0.9 was pruned")
	}
	// A record without the monitored metric scores lowest, finitely.
	if v := finiteScore(rundir.Metrics{Epoch: 1}, "val_log_loss"); v != -math.MaxFloat64 {
		t.Errorf("a record without the metric scores %v, want the lowest finite value", v)
	}
}

func mkdirMetrics(d string, ms []rundir.Metrics) error {
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	return rundir.WriteMetrics(d, ms)
}
