package train

import (
	"context"
	"strings"
	"testing"
)

// TestMonitorF1Macro trains with train.monitor val_f1_macro: every epoch
// record carries the classifier's metrics, the best model is the epoch of
// the highest macro F1 (not of the highest accuracy), the plateau schedule
// halves the rate after each epoch whose F1 did not improve, and early
// stopping names the metric. The expectations are recomputed here from
// metrics.jsonl, not read back from the trainer's own bookkeeping.
func TestMonitorF1Macro(t *testing.T) {
	c := loadConfig(t, smallSpiral+`
model: {hidden: [8]}
optimizer: {rule: sgd, lr: 0.5}
schedule: {kind: plateau, patience: 0, factor: 0.5, min_delta: 0.01}
train: {epochs: 12, batch_size: 16, monitor: val_f1_macro, patience: 3, min_delta: 0.01, checkpoint_seconds: 0}
`)
	var out strings.Builder
	res, err := Start(context.Background(), c, Options{Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, c.Train.OutDir)
	bestAt, best := 0, -1.0
	plateau := -1.0
	lr := c.Optimizer.LR
	for i, m := range ms {
		f1, ok := m.Val["f1_macro"]
		if !ok || !(f1 >= 0 && f1 <= 1) {
			t.Fatalf("epoch %d: val_metrics %v lacks a valid f1_macro", m.Epoch, m.Val)
		}
		for _, k := range []string{"accuracy", "precision_macro", "recall_macro", "f1_weighted"} {
			if _, ok := m.Val[k]; !ok {
				t.Errorf("epoch %d: val_metrics lacks %s: %v", m.Epoch, k, m.Val)
			}
		}
		if m.Val["accuracy"] != m.ValAcc {
			t.Errorf("epoch %d: val_metrics accuracy %v, val_acc %v", m.Epoch, m.Val["accuracy"], m.ValAcc)
		}
		if m.LR != lr {
			t.Errorf("epoch %d: lr %g, want %g from the plateau rule on val_f1_macro", m.Epoch, m.LR, lr)
		}
		if f1 > best+0.01 || i == 0 {
			best, bestAt = f1, m.Epoch
		}
		// ReduceOnPlateau, patience 0: halve after an epoch without a rise above the best by min_delta.
		if i == 0 || f1 > plateau+0.01 {
			plateau = f1
		} else {
			lr *= 0.5
		}
	}
	if res.BestEpoch != bestAt {
		t.Errorf("best epoch %d, want %d (highest val f1_macro, min_delta 0.01)", res.BestEpoch, bestAt)
	}
	// This seeded run (9 epochs: best 6, lr halved after epochs 3, 7 and
	// 8) reaches both rules; the test needs them to have acted.
	if len(ms) >= c.Train.Epochs || !strings.Contains(res.Reason, "val_f1_macro did not improve") {
		t.Errorf("%d epochs of %d: %q should be an early stop naming val_f1_macro", len(ms), c.Train.Epochs, res.Reason)
	}
	if lr == c.Optimizer.LR {
		t.Error("the plateau schedule never acted: the test does not test it")
	}
}
