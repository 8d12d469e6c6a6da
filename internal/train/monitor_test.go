package train

import (
	"context"
	"fmt"
	"math"
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

// TestMonitorTrainMetric monitors figures of the training split
// (train.monitor train_<metric>): a regression without a validation split
// on train_rmse (lower is better; early stopping and the plateau schedule
// take a train_ monitor without one) and a classifier on train_loss (the
// epoch's mean data loss, lower is better) and train_acc (higher). The best
// epoch, the plateau's halvings and the stop are recomputed from
// metrics.jsonl; with the direction flipped the best epoch would differ;
// train_acc's run has no validation split and keeps an epoch before its
// last.
func TestMonitorTrainMetric(t *testing.T) {
	prices := priceTable(t)
	tookBest := false
	for _, c := range []struct {
		name, cfg, monitor, key string
		higher                  bool
	}{
		{"regression-train_rmse", fmt.Sprintf(`seed: 2
data: {source: table, train: %s, target: y, val_fraction: 0}
model: {task: regression, hidden: [8]}
optimizer: {rule: sgd, lr: 0.3}
`, prices), "train_rmse", "rmse", false},
		{"classifier-train_loss", smallSpiral + "model: {hidden: [8]}\noptimizer: {rule: sgd, lr: 2}\n", "train_loss", "", false},
		// No validation split: the model file is still the best epoch's.
		{"classifier-train_acc", strings.Replace(smallSpiral, "val_fraction: 0.25", "val_fraction: 0", 1) + "model: {hidden: [8]}\noptimizer: {rule: sgd, lr: 2}\n", "train_acc", "accuracy", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := loadConfig(t, c.cfg+fmt.Sprintf(`schedule: {kind: plateau, patience: 0, factor: 0.5, min_delta: 0.001}
train: {epochs: 14, batch_size: 16, monitor: %s, patience: 4, min_delta: 0.001, checkpoint_seconds: 0}
`, c.monitor))
			var out strings.Builder
			res, err := Start(context.Background(), cfg, Options{Stdout: &out, Stderr: &out})
			if err != nil {
				t.Fatal(err)
			}
			ms := readMetrics(t, cfg.Train.OutDir)
			sign := -1.0
			if c.higher {
				sign = 1
			}
			bestAt, best, flipAt, flip := 0, math.Inf(-1), 0, math.Inf(-1)
			plateau, lr, halved := math.Inf(-1), cfg.Optimizer.LR, 0
			for _, m := range ms {
				v := m.DataLoss
				if c.key == "accuracy" {
					v = m.TrainAcc
				} else if c.key != "" {
					var ok bool
					if v, ok = m.Train[c.key]; !ok {
						t.Fatalf("epoch %d: train_metrics %v lacks %s", m.Epoch, m.Train, c.key)
					}
				}
				if m.LR != lr {
					t.Errorf("epoch %d: lr %g, want %g from the plateau rule on %s", m.Epoch, m.LR, lr, c.monitor)
				}
				if s := sign * v; s > best+0.001 {
					best, bestAt = s, m.Epoch
				}
				if s := -sign * v; s > flip+0.001 {
					flip, flipAt = s, m.Epoch
				}
				if s := sign * v; s > plateau+0.001 {
					plateau = s
				} else {
					lr *= 0.5
					halved++
				}
			}
			if res.BestEpoch != bestAt {
				t.Errorf("best epoch %d, want %d (the best %s, min_delta 0.001)", res.BestEpoch, bestAt, c.monitor)
			}
			if len(ms) > 0 && ms[len(ms)-1].Epoch != res.BestEpoch {
				tookBest = true
			}
			if flipAt == bestAt {
				t.Errorf("the best epoch %d by %s is also the best the other way round: the test cannot tell the direction", bestAt, c.monitor)
			}
			stopped := len(ms) < cfg.Train.Epochs && strings.Contains(res.Reason, c.monitor+" did not improve")
			t.Logf("%d epochs, best %d, lr halved %d times, %s", len(ms), bestAt, halved, res.Reason)
			if halved == 0 && !stopped {
				t.Errorf("neither the plateau schedule nor early stopping acted on %s: the test does not test them", c.monitor)
			}
		})
	}
	if !tookBest {
		t.Error("every run's best epoch was its last: the test does not show the best epoch kept")
	}
}
