package train

import (
	"time"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/sysinfo"
)

// results assembles results.json from the trainer's state.
func (t *trainer[T]) results(status, reason string, test *Eval) *rundir.Results {
	c, st := t.c, t.st
	r := &rundir.Results{
		Status: status, Reason: reason,
		Model: t.net.Spec.String(), Kind: t.net.Spec.Kind, Data: t.splits.Train.Name, Optimizer: c.Optimizer.Rule + " " + c.Schedule.Kind,
		LR: c.Optimizer.LR, BatchSize: c.Train.BatchSize, Seed: c.Seed, Precision: c.Precision,
		Epochs: len(st.History), EpochsPlanned: c.Train.Epochs, Monitor: c.Train.Monitor, BestEpoch: st.BestEpoch,
		WallSeconds: time.Since(t.wallStart).Seconds(), Checkpoints: t.saves, Warnings: st.Warnings, Info: sysinfo.Get(),
	}
	var rates []float64
	for _, m := range st.History {
		r.TrainSeconds += m.Seconds
		rates = append(rates, m.SamplesPerSec)
	}
	r.SamplesPerSec = median(rates)
	if n := len(st.History); n > 0 {
		final := st.History[n-1]
		r.Final = &final
		if st.BestEpoch >= 1 && st.BestEpoch <= n {
			best := st.History[st.BestEpoch-1]
			r.Best = &best
		}
	}
	if test != nil {
		r.Test = &rundir.TestMetrics{N: test.N, Accuracy: test.Accuracy, Loss: test.Loss, L2: test.RegLoss, MSE: test.MSE,
			Metrics: test.Metrics, ClassMetrics: test.ClassMetrics}
	}
	return r
}
