package train

// The epoch policy: at each epoch's end, measure, log, keep the best
// model, stop early or on divergence, and save (model, metrics,
// checkpoint) when it is time.

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/metrics"
	"github.com/nnfc/nnfc/pkg/model"
)

// endEpoch measures the epoch, logs it, keeps the best model, writes the
// metrics and the checkpoint, and decides about early stopping.
func (t *trainer[T]) endEpoch(lr float64, steps int, secs, rate float64) error {
	st := t.st
	m, trainEv, valEv := t.measure(lr, steps, secs, rate)
	// The loss of the epoch's last step was taken before its update, so
	// the weights may have diverged unseen. Stop before anything is
	// written: the model and checkpoint on disk stay the last good ones.
	if l := m.ValLoss + m.L2; math.IsNaN(l) || math.IsInf(l, 0) {
		return t.diverged(&NonFiniteError{Epoch: m.Epoch, Step: steps, Loss: l, LR: lr, Dir: t.dir, Validation: true, Model: t.lastModel()})
	}
	st.History = append(st.History, m)
	if err := rundir.AppendMetrics(t.dir, m); err != nil {
		return err
	}
	t.logEpoch(m, trainEv, valEv)
	t.watchDivergence(m)
	// The plateau schedule watches the monitored metric, lower is better.
	t.sched.Observe(-m.Score(t.c.Train.Monitor))
	t.keepBest(m)
	st.Epoch, st.Step, st.LossSum, st.DataLossSum, st.NormSum, st.Seconds = m.Epoch, 0, 0, 0, 0, 0
	t.decideStop()
	t.sinceSave++
	every, maxSecs := t.c.Train.CheckpointEvery, t.c.Train.CheckpointSeconds
	if st.Finished || (every > 0 && t.sinceSave >= every) || (maxSecs > 0 && time.Since(t.lastSave).Seconds() >= maxSecs) {
		return t.persist()
	}
	return nil
}

// measure evaluates the model after the epoch's last step on a sample of
// the training split and on the validation split.
func (t *trainer[T]) measure(lr float64, steps int, secs, rate float64) (m rundir.Metrics, trainEv, valEv Eval) {
	c, st := t.c, t.st
	e := st.Epoch
	sub := subsample(t.splits.Train.N, c.Train.TrainAccSamples, rand.New(rand.NewPCG(c.Seed, streamSubset+uint64(e))))
	trainEv = t.eval.Evaluate(t.splits.Train, sub, false)
	valEv = t.eval.Evaluate(t.splits.Val, nil, false)
	m = rundir.Metrics{Epoch: e + 1, Loss: st.LossSum / float64(steps), DataLoss: st.DataLossSum / float64(steps), L2: valEv.RegLoss,
		TrainAcc: trainEv.Accuracy, ValAcc: valEv.Accuracy, ValLoss: valEv.Loss, LR: lr, Seconds: secs, SamplesPerSec: rate,
		TrainMSE: trainEv.MSE, ValMSE: valEv.MSE, Val: valEv.Metrics, Train: trainEv.Metrics, AugmentSeconds: t.augSecs}
	if c.Train.GradClip > 0 {
		m.GradNorm = st.NormSum / float64(steps)
	}
	if c.Train.TestEachEpoch && t.splits.Test != nil {
		// A record only (train.test_each_epoch): keepBest, early
		// stopping and the plateau schedule never read it.
		testEv := t.eval.Evaluate(t.splits.Test, nil, false)
		m.TestAcc, m.TestLoss, m.CPUSeconds = &testEv.Accuracy, &testEv.Loss, t.epochCPU
	}
	return m, trainEv, valEv
}

// logEpoch prints the epoch's line, its figures as the task shows them.
func (t *trainer[T]) logEpoch(m rundir.Metrics, trainEv, valEv Eval) {
	c := t.c
	l2 := ""
	if c.Model.Reg > 0 {
		l2 = fmt.Sprintf(" (L2 %.4f)", m.L2)
	}
	test := ""
	if m.TestAcc != nil {
		test = fmt.Sprintf("  test_acc %.4f (record only)", *m.TestAcc)
	}
	aug := ""
	if m.AugmentSeconds > 0 {
		aug = fmt.Sprintf(" (augment %.1fs)", m.AugmentSeconds)
	}
	fmt.Fprintf(t.o.Stdout, "epoch %d/%d  %s%s  lr %.3g  %.1fs%s  %.0f samples/s\n",
		m.Epoch, c.Train.Epochs, task.Of(t.net.Spec).EpochLine(m.Loss, l2, trainEv, valEv), test, m.LR, m.Seconds, aug, m.SamplesPerSec)
}

// keepBest copies the network into best when the monitored metric
// improved by more than train.min_delta, and counts the epochs without.
func (t *trainer[T]) keepBest(m rundir.Metrics) {
	c, st := t.c, t.st
	monitored := m.Score(c.Train.Monitor) // larger is better
	if math.IsInf(monitored, 0) {
		monitored = -math.MaxFloat64 // missing or NaN: never an improvement; JSON-safe
	}
	// Without a validation split every epoch is the best so far by a
	// validation metric: the model file is the last epoch's (a train_
	// monitor picks by the training split's figure).
	noVal := t.splits.Val.N == 0 && !strings.HasPrefix(c.Train.Monitor, metrics.TrainPrefix)
	if st.BestEpoch == 0 || monitored > st.Best+c.Train.MinDelta || noVal {
		st.Best, st.BestEpoch, st.Bad = monitored, m.Epoch, 0
		copyState(t.best, t.model())
		t.modelDirty = true
	} else {
		st.Bad++
	}
}

// decideStop finishes the run on early stopping (train.patience epochs
// without improvement) or when its epochs are done.
func (t *trainer[T]) decideStop() {
	c, st := t.c, t.st
	if c.Train.Patience > 0 && st.Bad >= c.Train.Patience {
		st.Finished = true
		st.Reason = fmt.Sprintf("early stop: %s did not improve by %g for %s", c.Train.Monitor, c.Train.MinDelta, english.Count(st.Bad, "epoch"))
		fmt.Fprintln(t.o.Stdout, st.Reason)
	}
	if !st.Finished && st.Epoch >= c.Train.Epochs {
		st.Finished, st.Reason = true, "completed "+english.Count(st.Epoch, "epoch")
	}
}

// Divergence that stays finite: an epoch's mean training loss this many
// times the lowest seen (the first step's or an epoch's mean), and back
// above divergeShare of the first step's loss, draws a warning.
const (
	divergeFactor = 100
	divergeShare  = 0.1
)

// watchDivergence warns, once per run, when the epoch's mean training
// loss has grown by two orders of magnitude over the lowest seen and has
// climbed back to a tenth of where the run started: the run is diverging
// without (yet) becoming NaN. A loss that fell to 1e-5 and moves around
// 1e-3 is a fitted training set, not a divergence: the ratio alone, to a
// minimum near zero, said otherwise.
func (t *trainer[T]) watchDivergence(m rundir.Metrics) {
	st := t.st
	if st.LossFloor > 0 && m.Loss > divergeFactor*st.LossFloor && m.Loss > divergeShare*st.LossStart && len(st.Warnings) == 0 {
		w := fmt.Sprintf("the training loss grew to %.4g at epoch %d, %.0f× the lowest seen (%.4g; the first step's was %.4g): the run is diverging; try a lower optimizer.lr (%g)",
			m.Loss, m.Epoch, m.Loss/st.LossFloor, st.LossFloor, st.LossStart, t.c.Optimizer.LR)
		st.Warnings = append(st.Warnings, w)
		t.prog.end()
		fmt.Fprintln(t.o.Stderr, "warning:", w)
	}
	if m.Loss > 0 && m.Loss < st.LossFloor {
		st.LossFloor = m.Loss
	}
}

// diverged writes what is good of a run whose loss became NaN or
// infinite: the best model (finished epochs only), metrics.jsonl and
// results.json. The checkpoint stays the last one written, from before.
func (t *trainer[T]) diverged(nf *NonFiniteError) error {
	if t.modelDirty {
		if err := model.Save(filepath.Join(t.dir, rundir.Model), t.best, t.splits.Norm); err != nil {
			return err
		}
		t.modelDirty = false
	}
	if len(t.st.History) > 0 {
		if err := t.writeMetrics(); err != nil {
			return err
		}
	}
	if err := rundir.WriteResults(t.dir, t.results("diverged", nf.Error(), nil)); err != nil {
		return err
	}
	return nf
}

// persist writes the best model (when it changed), metrics.jsonl and the
// checkpoint, in that order: a crash between them leaves a checkpoint
// that resumes to the same files.
func (t *trainer[T]) persist() error {
	if t.modelDirty {
		if err := model.Save(filepath.Join(t.dir, rundir.Model), t.best, t.splits.Norm); err != nil {
			return err
		}
		t.modelDirty = false
	}
	if err := t.writeMetrics(); err != nil {
		return err
	}
	if err := t.checkpoint(); err != nil {
		return err
	}
	t.lastSave, t.sinceSave = time.Now(), 0
	t.saves++
	return nil
}

// lastModel is the model file of the best epoch so far, "" before one.
func (t *trainer[T]) lastModel() string {
	if t.st.BestEpoch == 0 {
		return ""
	}
	return filepath.Join(t.dir, rundir.Model)
}

func (t *trainer[T]) checkpoint() error {
	t.st.OptSteps = t.opt.Steps()
	b, err := json.Marshal(t.sched)
	if err != nil {
		return err
	}
	t.st.Schedule = b
	if t.ema != nil {
		t.st.EMASteps = t.ema.N
	}
	return saveCheckpoint(filepath.Join(t.dir, rundir.Checkpoint), t.net, t.best, t.emaNet, t.opt, t.splits.Norm, t.st)
}

// writeMetrics rewrites metrics.jsonl from the history, atomically, so it
// matches the checkpoint.
func (t *trainer[T]) writeMetrics() error {
	return rundir.WriteMetrics(t.dir, t.st.History)
}

// subsample draws k distinct indices of [0, n) (all of them when k ≥ n).
func subsample(n, k int, rng *rand.Rand) []int {
	if k >= n {
		return nil
	}
	p := rng.Perm(n)[:k]
	slices.Sort(p)
	return p
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
