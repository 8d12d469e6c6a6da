package train

// The loop: epochs of minibatch steps, as cs231n's Solver.train and
// Solver._step; what happens at an epoch's end is in epoch.go.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/sysinfo"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
)

type trainer[T layers.Float] struct {
	c      config.Config
	o      Options
	dir    string
	splits *Splits
	net    *model.Net[T]
	opt    optim.Optimizer[T] // the update rule (clip, when clipping)
	clip   *optim.Clipped[T]  // nil without train.grad_clip
	sched  optim.Schedule
	// cycle sets the rule's momentum before each step when the schedule
	// cycles it (one-cycle with schedule.min_momentum); nil otherwise.
	cycle func(epoch, step, steps int)
	// ema is the exponential moving average of the weights (train.ema),
	// nil when off; emaNet holds it as a network for evaluation.
	ema    *optim.EMA[T]
	emaNet *model.Net[T]
	best   *model.Net[T]
	st     *state
	eval   *Evaluator[T]
	prog   progress

	// The minibatch: the epoch's order of the training rows, and the
	// rows, labels, float targets and weights of the current step (the
	// last two only when the data have them).
	perm []int
	x    *layers.Matrix[T]
	y    []int32
	v    *layers.Matrix[T]
	w    []T
	// aug warps the minibatch's images (data.augment), nil when off;
	// augSecs is its wall time in the current epoch, in this process.
	aug     *data.Augmenter[T]
	augSecs float64

	wallStart  time.Time // this process's start
	lastSave   time.Time // of the last checkpoint
	sinceSave  int       // epochs finished since the last checkpoint
	modelDirty bool      // best holds a model not yet in model.safetensors
	saves      int       // checkpoints written in this process
	stepsHere  int       // steps taken in this process
	rates      []float64 // samples/s of each epoch trained in this process
	trainSecs  float64   // seconds of those epochs
	epochCPU   float64   // CPU seconds of the process over the epoch's steps
}

// loop trains epoch after epoch until the run finishes (its epochs done,
// or early stopping), then restores the best model and tests it.
func (t *trainer[T]) loop(ctx context.Context) (*Result, error) {
	train := t.splits.Train
	t.perm = make([]int, train.N)
	t.x = &layers.Matrix[T]{}
	t.y = make([]int32, min(t.c.Train.BatchSize, train.N))
	t.v = &layers.Matrix[T]{}
	if train.W != nil {
		t.w = make([]T, min(t.c.Train.BatchSize, train.N))
	}
	if a := t.c.Data.Augment; a.Active() {
		h, w, ch, ok := source.ImageShape(t.c.Data)
		if !ok || h*w*ch != train.D {
			// config.Validate refuses data.augment for sources of no pictures.
			panic(fmt.Sprintf("train: data.augment on %s: %d features, not pictures", t.c.Data.Source, train.D))
		}
		// As many workers as BLAS threads: the warp runs between GEMMs.
		t.aug = data.NewAugmenter[T](a, h, w, ch, t.splits.Norm, max(1, blasbackend.Threads()))
		defer t.aug.Close()
	}
	bl := blasbackend.BeginLoop() // one OS thread, one OpenMP pool: see Loop
	defer bl.End()
	for t.st.Epoch < t.c.Train.Epochs && !t.st.Finished {
		if err := t.epoch(ctx, bl); err != nil {
			return nil, err
		}
		if t.st.Finished {
			break
		}
		if t.o.AfterEpoch != nil && t.o.AfterEpoch(t.st.History[len(t.st.History)-1]) {
			return nil, t.interrupted(t.st.Epoch) // before the next epoch's first step
		}
		testHold(ctx, t.dir, t.st.Epoch)
	}
	return t.finish()
}

// steps is the number of minibatches of an epoch.
func (t *trainer[T]) steps() int {
	n, bs := t.splits.Train.N, t.c.Train.BatchSize
	steps := (n + bs - 1) / bs
	if t.c.Model.BatchNorm && n%bs == 1 {
		steps-- // batch statistics of a single sample are undefined: drop it
	}
	return steps
}

// epoch trains the rest of the current epoch, step by step, from the
// step a resumed run stopped at, then ends the epoch (endEpoch).
func (t *trainer[T]) epoch(ctx context.Context, bl *blasbackend.Loop) error {
	st, train, bs, steps := t.st, t.splits.Train, t.c.Train.BatchSize, t.steps()
	e := st.Epoch
	lr := t.sched.LR(e)
	t0, c0 := time.Now(), sysinfo.CPUSeconds() // the epoch's shuffle is training time too
	for i := range t.perm {
		t.perm[i] = i
	}
	data.Shuffle(t.perm, rand.New(rand.NewPCG(t.c.Seed, streamShuffle+uint64(e))))
	startStep := st.Step
	t.prog.start(e+1, t.c.Train.Epochs, train.N, min(st.Step*bs, train.N))
	stepSched, perStep := t.sched.(optim.StepSchedule)
	for b := st.Step; b < steps; b++ {
		stepLR := lr
		if perStep {
			stepLR = stepSched.StepLR(e, b, steps)
		}
		if t.cycle != nil {
			t.cycle(e, b, steps)
		}
		if err := t.step(e, b, stepLR); err != nil {
			t.prog.end()
			return err
		}
		bl.Step()
		t.prog.step(min((b+1)*bs, train.N), st.LossSum/float64(st.Step))
		if ctx.Err() != nil || (t.o.StopAfter > 0 && t.stepsHere >= t.o.StopAfter) {
			t.prog.end()
			st.Seconds += time.Since(t0).Seconds()
			return t.interrupted(e)
		}
	}
	t.prog.end()
	secs := time.Since(t0).Seconds()
	t.epochCPU = sysinfo.CPUSeconds() - c0
	rate := float64(train.N-startStep*bs) / secs // samples trained in this process
	t.rates = append(t.rates, rate)
	t.trainSecs += secs
	err := t.endEpoch(lr, steps, st.Seconds+secs, rate)
	t.augSecs = 0
	return err
}

// step trains on minibatch b of epoch e, as the course Solver's _step:
// make the minibatch, compute the loss and the gradients and update the
// parameters (one call: the network and the optimizer decide whether
// the update runs inside the backward pass), record the loss.
func (t *trainer[T]) step(e, b int, lr float64) error {
	st, train, bs := t.st, t.splits.Train, t.c.Train.BatchSize
	idx := t.perm[b*bs : min((b+1)*bs, train.N)]
	x, y := t.x, t.y[:len(idx)]
	x.Resize(len(idx), train.D)
	data.Gather(train, idx, x.Data, y)
	if t.aug != nil {
		// Each image's warp depends only on (seed, epoch, step, its
		// place in the batch): exact resume.
		t0 := time.Now()
		t.aug.Apply(x.Data, len(idx), t.c.Seed, e, b)
		t.augSecs += time.Since(t0).Seconds()
	}
	tgt := layers.Target[T]{Class: y}
	if train.Target != nil || train.W != nil {
		tgt = BatchTarget(train, idx, y, t.v, t.w)
	}
	if len(t.net.Dropout) > 0 {
		// Masks depend only on (seed, epoch, step): exact resume.
		t.net.SeedDropout(t.c.Seed ^ uint64(e)<<32 ^ uint64(b))
	}
	loss, dataLoss := t.net.TrainStep(x, tgt, t.opt, lr) // parameters untouched when loss is not finite
	if !finite(loss) {
		return t.diverged(&NonFiniteError{Epoch: e + 1, Step: b + 1, Loss: loss, LR: lr, Dir: t.dir, Model: t.lastModel()})
	}
	if st.LossStart == 0 {
		// The first step's loss: the start, and the first floor (then
		// epoch means: one easy minibatch's loss is no yardstick).
		st.LossStart, st.LossFloor = loss, loss
	}
	if t.clip != nil {
		st.NormSum += t.clip.Norm
	}
	if t.ema != nil {
		t.ema.Update()
	}
	st.LossSum += loss
	st.DataLossSum += dataLoss
	st.Step = b + 1
	t.stepsHere++
	return nil
}

// BatchTarget gathers the float targets (into v, resized) and weights
// (into w, of the batch size or more) of the rows idx of d, and returns
// the batch's target: labels y (nil when d has none), values and weights
// (nil when d has none).
func BatchTarget[T layers.Float](d *data.Dataset, idx []int, y []int32, v *layers.Matrix[T], w []T) layers.Target[T] {
	t := layers.Target[T]{}
	if d.Y != nil {
		t.Class = y
	}
	if d.Target != nil {
		v.Resize(len(idx), d.K)
		t.Value = v
	}
	if d.W != nil {
		t.Weight = w[:len(idx)]
	}
	var vd []T
	if t.Value != nil {
		vd = v.Data
	}
	data.GatherTarget(d, idx, vd, t.Weight)
	return t
}

// interrupted saves the run where it stopped, in epoch e, and returns the
// InterruptedError that says how to resume it.
func (t *trainer[T]) interrupted(e int) error {
	if err := t.persist(); err != nil {
		return err
	}
	ie := &InterruptedError{Dir: t.dir, Epoch: e + 1, Step: t.st.Step}
	if err := rundir.WriteResults(t.dir, t.results("interrupted", ie.Error(), nil)); err != nil {
		return err
	}
	return ie
}

// finish ends a run whose epochs are done: the final checkpoint, the
// best parameters restored (the course Solver's rule), the test split
// evaluated on them, and results.json.
func (t *trainer[T]) finish() (*Result, error) {
	st := t.st
	if !st.Finished {
		st.Finished, st.Reason = true, "completed "+english.Count(st.Epoch, "epoch")
		if err := t.persist(); err != nil {
			return nil, err
		}
	}
	copyState(t.model(), t.best)
	res := &Result{Dir: t.dir, Epochs: st.Epoch, EpochsHere: len(t.rates), BestEpoch: st.BestEpoch, BestValAcc: bestValAcc(st),
		Task: task.Of(t.net.Spec), BestValMSE: bestValMSE(st), Monitor: t.c.Train.Monitor, Best: bestValue(st, t.c.Train.Monitor), BestMetrics: bestMetrics(st),
		Seconds: t.trainSecs, SamplesPerSec: median(t.rates), Reason: st.Reason, Warnings: st.Warnings,
		NoValidation: t.splits.Val.N == 0, Checkpoints: t.saves}
	if t.splits.Test != nil {
		ev := t.eval.Evaluate(t.splits.Test, nil, false)
		res.Test = &ev
	}
	if err := rundir.WriteResults(t.dir, t.results("finished", st.Reason, res.Test)); err != nil {
		return nil, err
	}
	return res, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
