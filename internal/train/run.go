package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/stfile"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
)

// Options are the run's outside world.
type Options struct {
	Stdout, Stderr io.Writer
	// Progress is bar | plain | none.
	Progress string
	// Width is the terminal's width in columns, for the bar; nil: 80.
	Width func() int
	// Force lets Start replace a run directory that holds a run.
	Force bool
	// StopAfter, when > 0, interrupts the run after that many optimizer
	// steps in this process, as a signal would (for tests of resume).
	StopAfter int
	// AfterEpoch, when set, is called with each epoch's record once it is
	// in metrics.jsonl (not after the last epoch); true stops the run
	// there as a signal would: checkpoint, InterruptedError. nnfc sweep's
	// early stopping decides through it.
	AfterEpoch func(rundir.Metrics) (stop bool)
}

// Result summarizes a run.
type Result struct {
	Dir           string
	Epochs        int       // epochs finished
	EpochsHere    int       // of those, epochs finished in this process
	BestEpoch     int       // 1-based
	BestValAcc    float64   // validation accuracy at the best epoch
	Task          task.Task // the model's: what the figures mean and how they print
	BestValMSE    float64   // an autoencoder's validation MSE at the best epoch
	Test          *Eval     // the best model on the test split; nil without one
	Seconds       float64   // training time in this process
	SamplesPerSec float64   // median over this process's epochs
	Reason        string    // why training ended
	// Warnings are problems a finished run had (a diverging loss).
	Warnings     []string
	NoValidation bool // no validation split: the model is the last epoch's
	// Checkpoints is the number of checkpoints written in this process.
	Checkpoints int
}

// ErrInterrupted is matched (errors.Is) by the InterruptedError returned
// when the context was cancelled (Ctrl-C).
var ErrInterrupted = errors.New("interrupted")

// InterruptedError says where a run stopped: after a finished step, with a
// checkpoint written to resume from.
type InterruptedError struct {
	Dir         string
	Epoch, Step int // 1-based epoch; steps finished in it
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted at epoch %d, step %d; checkpoint written. Resume with: nnfc train --resume %s", e.Epoch, e.Step, e.Dir)
}

// Is makes errors.Is(err, ErrInterrupted) true.
func (e *InterruptedError) Is(target error) bool { return target == ErrInterrupted }

// NonFiniteError reports a NaN or infinite loss.
type NonFiniteError struct {
	Epoch, Step int
	Loss, LR    float64
	Dir         string
	// Validation is true when the loss is the validation loss at the end
	// of the epoch (of the weights after step Step, the epoch's last), not
	// the training loss of step Step.
	Validation bool
	// Model is the last good model file, "" when no epoch finished.
	Model string
}

func (e *NonFiniteError) Error() string {
	what, at := "loss", "at"
	if e.Validation {
		what, at = "validation loss", "after"
	}
	kept := "No epoch finished, so no model was saved."
	if e.Model != "" {
		kept = "The last good model is " + e.Model
	}
	return fmt.Sprintf("%s became %v %s epoch %d, step %d (optimizer.lr %g): training stopped; try a lower optimizer.lr. %s",
		what, e.Loss, at, e.Epoch, e.Step, e.LR, kept)
}

// Start begins a new run in c.Train.OutDir. It refuses a directory that
// already holds a run, so nothing good is ever overwritten.
//
// A directory without a checkpoint holds no run yet, whatever else it
// holds: a run killed before its first checkpoint leaves config.yaml and
// perhaps model.safetensors, and starting afresh there is what --resume
// would do too. Temporary files of killed writes are removed.
func Start(ctx context.Context, c config.Config, o Options) (*Result, error) {
	dir := c.Train.OutDir
	if err := checkFresh(dir, o.Force); err != nil {
		return nil, err
	}
	if c.Precision == "bfloat16" { // refused before the run directory exists
		if _, err := blasbackend.SetBFloat16(true); err != nil {
			return nil, err
		}
		blasbackend.SetBFloat16(false)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train.out_dir: %v", err)
	}
	if err := cleanDir(dir, o.Stderr); err != nil {
		return nil, err
	}
	return start(ctx, c, o)
}

// start writes the config of a new run into its directory and runs it.
func start(ctx context.Context, c config.Config, o Options) (*Result, error) {
	dir := c.Train.OutDir
	if err := atomicfile.Write(filepath.Join(dir, rundir.Config), 0o644, func(w io.Writer) error {
		_, err := io.WriteString(w, c.YAML())
		return err
	}); err != nil {
		return nil, err
	}
	return dispatch(ctx, c, o, false)
}

// Resume continues the run in dir from its checkpoint, with the config it
// was started with.
//
// A directory with the run's config.yaml but no checkpoint yet (the run
// was killed before its first checkpoint) is started afresh from that
// config: resuming from nothing.
func Resume(ctx context.Context, dir string, o Options) (*Result, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--resume %s: no such run directory", dir)
	}
	_, errCP := os.Stat(filepath.Join(dir, rundir.Checkpoint))
	_, errCfg := os.Stat(filepath.Join(dir, rundir.Config))
	if errCP != nil && errCfg != nil {
		return nil, fmt.Errorf("--resume %s: no run there (neither %s nor %s); start one with nnfc train --config FILE", dir, rundir.Checkpoint, rundir.Config)
	}
	c, err := config.LoadStored(filepath.Join(dir, rundir.Config))
	if err != nil {
		return nil, err
	}
	c.Train.OutDir = dir
	if err := cleanDir(dir, o.Stderr); err != nil {
		return nil, err
	}
	if errCP != nil {
		if o.Stderr != nil {
			fmt.Fprintf(o.Stderr, "%s has no checkpoint yet (the run stopped before its first epoch ended): starting it from epoch 1 with its %s\n", dir, rundir.Config)
		}
		return start(ctx, c, o)
	}
	return dispatch(ctx, c, o, true)
}

// checkFresh refuses a directory that holds a run, saying what the run is
// and what to do instead; with force it removes the run's files.
func checkFresh(dir string, force bool) error {
	// Only a checkpoint makes a run: without one (a run killed before its
	// first checkpoint) there is nothing to resume, and starting afresh is
	// what --resume would do too.
	held := rundir.Checkpoint
	if _, err := os.Stat(filepath.Join(dir, held)); err != nil {
		return nil
	}
	if force {
		for _, f := range rundir.Files {
			if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("--force: %v", err)
			}
		}
		return nil
	}
	if st, err := peekState(filepath.Join(dir, rundir.Checkpoint)); err == nil && !st.Finished {
		return fmt.Errorf("train.out_dir: %s holds an unfinished run (stopped in epoch %d); continue it with nnfc train --resume %s, or start over with --force (deletes it) or another --out",
			dir, st.Epoch+1, dir)
	} else if err == nil {
		return fmt.Errorf("train.out_dir: %s holds a finished run (%s); choose another --out, or replace it with --force", dir, st.Reason)
	}
	return fmt.Errorf("train.out_dir: %s already holds a run (%s); choose another --out, or replace it with --force", dir, held)
}

// cleanDir removes the temporary files that killed writes left in a run
// directory, saying so on w.
func cleanDir(dir string, w io.Writer) error {
	removed, err := atomicfile.RemoveStale(dir, rundir.Files...)
	if err != nil {
		return err
	}
	if len(removed) > 0 && w != nil {
		fmt.Fprintf(w, "removed %d temporary file(s) of an interrupted write in %s\n", len(removed), dir)
	}
	return nil
}

func dispatch(ctx context.Context, c config.Config, o Options, resume bool) (*Result, error) {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	switch c.Precision {
	case "float64":
		return run[float64](ctx, c, o, resume)
	case "bfloat16":
		// float32 weights and everything else; the large GEMMs take
		// bfloat16 inputs (blasbackend.SetBFloat16).
		kernel, err := blasbackend.SetBFloat16(true)
		if err != nil {
			return nil, err
		}
		defer blasbackend.SetBFloat16(false)
		fmt.Fprintf(o.Stderr, "precision: bfloat16 inputs to the GEMMs of 2^23 multiply-adds and more (oneDNN kernel %s); float32 weights and the rest\n", kernel)
	}
	return run[float32](ctx, c, o, resume)
}

// Spec derives the network spec of a config from its data, through the
// config's task.
func Spec(c config.Config, train *data.Dataset) model.Spec {
	t, err := task.Lookup(c.Model.Kind)
	if err != nil {
		panic(err) // a loaded config has a valid kind
	}
	return t.Spec(c.Model, train.D, max(train.Classes, c.Data.Classes))
}

func run[T layers.Float](ctx context.Context, c config.Config, o Options, resume bool) (*Result, error) {
	wallStart := time.Now()
	dir := c.Train.OutDir
	// The input normalization: the checkpoint's when resuming, the source
	// model's when fine-tuning, else fitted on the training split.
	var norm *data.Normalizer
	var src *model.Net[T]
	var err error
	// Refuse a network too large for memory before reading any data; the
	// input width is not known yet, so the data source's known width (or
	// 1) stands in. The exact check follows once the data is read.
	if err := checkMemory[T](c, Spec(c, knownData(c.Data)), 1); err != nil {
		return nil, err
	}
	switch {
	case resume:
		cp := filepath.Join(dir, rundir.Checkpoint)
		ts, meta, err := stfile.Read(cp)
		if err != nil {
			return nil, err
		}
		if _, norm, err = model.FromTensors[T](cp, ts, meta, ""); err != nil {
			return nil, err
		}
	case c.Train.InitFrom != "":
		if src, norm, err = model.Load[T](c.Train.InitFrom); err != nil {
			return nil, fmt.Errorf("train.init_from: %v", err)
		}
	}
	splits, err := LoadData(c, norm)
	if err != nil {
		return nil, err
	}
	spec := Spec(c, splits.Train)
	if err := task.Of(spec).CheckData(spec, splits.Train.Name); err != nil {
		return nil, err
	}
	if err := checkMemory[T](c, spec, splits.Train.N); err != nil {
		return nil, err
	}
	net, err := model.New[T](spec, rand.New(rand.NewPCG(c.Seed, streamInit)))
	if err != nil {
		return nil, fmt.Errorf("model: %v", err)
	}
	if src != nil {
		if !sameShapes(src, net) {
			return nil, fmt.Errorf("train.init_from: %s holds a %s network, the config describes %s", c.Train.InitFrom, src.Spec, spec)
		}
		copyState(net, src)
	}
	opt, err := optim.New(c.Optimizer.Config, net.Params())
	if err != nil {
		return nil, fmt.Errorf("optimizer: %v", err)
	}
	sched, err := optim.NewSchedule(c.Schedule, c.Optimizer.LR)
	if err != nil {
		return nil, fmt.Errorf("schedule: %v", err)
	}
	// best holds the best-validation model: parameters and batch
	// normalization statistics.
	best, _ := model.New[T](spec, nil)
	copyState(best, net)
	st := &state{} // BestEpoch 0: no best yet
	if resume {
		if st, err = loadCheckpoint(filepath.Join(dir, rundir.Checkpoint), net, best, opt); err != nil {
			return nil, err
		}
		if len(st.Schedule) > 0 {
			if err := json.Unmarshal(st.Schedule, sched); err != nil {
				return nil, fmt.Errorf("%s: schedule state: %v", filepath.Join(dir, rundir.Checkpoint), err)
			}
		}
		if st.Finished {
			fmt.Fprintf(o.Stdout, "run %s already finished (%s); nothing to do. To train it again: nnfc train --config %s --out NEW_DIR (or --force to replace this run)\n",
				dir, st.Reason, filepath.Join(dir, rundir.Config))
			return &Result{Dir: dir, Epochs: st.Epoch, BestEpoch: st.BestEpoch, Reason: st.Reason, BestValAcc: bestValAcc(st),
				Task: task.Of(spec), BestValMSE: bestValMSE(st)}, nil
		}
		fmt.Fprintf(o.Stderr, "resuming %s at epoch %d, step %d\n", dir, st.Epoch+1, st.Step)
	}
	// metrics.jsonl gets one record appended per epoch: it starts as the
	// checkpoint's history (epochs after the checkpoint are trained
	// again), or absent.
	if resume {
		err = rundir.WriteMetrics(dir, st.History)
	} else if err = os.Remove(rundir.Path(dir, rundir.MetricsLog)); errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if err != nil {
		return nil, err
	}

	tr := &trainer[T]{c: c, o: o, dir: dir, splits: splits, net: net, opt: opt, sched: sched, best: best, st: st,
		eval: &Evaluator[T]{Net: net, Batch: c.Train.EvalBatch}, prog: newProgress(o.Progress, o.Stderr, o.Width),
		wallStart: wallStart, lastSave: time.Now()}
	for _, l := range splits.Notes {
		fmt.Fprintln(o.Stdout, l)
	}
	classes := "" // an autoencoder has none
	if spec.Classes > 0 {
		classes = source.DescribeClasses(c.Data, spec.Classes) + "; "
	}
	fmt.Fprintf(o.Stdout, "training %s on %s: %s%d train, %d val", spec, splits.Train.Name, classes, splits.Train.N, splits.Val.N)
	if splits.Test != nil {
		fmt.Fprintf(o.Stdout, ", %d test", splits.Test.N)
	}
	fmt.Fprintf(o.Stdout, "; %s %s lr %g, batch %d, %s, %s\n", c.Optimizer.Rule, c.Schedule.Kind, c.Optimizer.LR, c.Train.BatchSize, english.Count(c.Train.Epochs, "epoch"), c.Precision)
	if splits.Val.N == 0 {
		fmt.Fprintf(o.Stderr, "no validation split (data.val_count and data.val_fraction are 0): %s is the model of the last epoch\n", filepath.Join(dir, rundir.Model))
	}
	return tr.loop(ctx)
}

func bestValAcc(st *state) float64 {
	if st.BestEpoch >= 1 && st.BestEpoch <= len(st.History) {
		return st.History[st.BestEpoch-1].ValAcc
	}
	return math.NaN()
}

func bestValMSE(st *state) float64 {
	if st.BestEpoch >= 1 && st.BestEpoch <= len(st.History) {
		return st.History[st.BestEpoch-1].ValMSE
	}
	return math.NaN()
}

type trainer[T layers.Float] struct {
	c      config.Config
	o      Options
	dir    string
	splits *Splits
	net    *model.Net[T]
	opt    optim.Optimizer[T]
	sched  optim.Schedule
	best   *model.Net[T]
	st     *state
	eval   *Evaluator[T]
	prog   progress

	wallStart  time.Time // this process's start
	lastSave   time.Time // of the last checkpoint
	sinceSave  int       // epochs finished since the last checkpoint
	modelDirty bool      // best holds a model not yet in model.safetensors
	saves      int       // checkpoints written in this process
}

func (t *trainer[T]) loop(ctx context.Context) (*Result, error) {
	c, st, train := t.c, t.st, t.splits.Train
	bs := c.Train.BatchSize
	steps := (train.N + bs - 1) / bs
	if c.Model.BatchNorm && train.N%bs == 1 {
		steps-- // batch statistics of a single sample are undefined: drop it
	}
	perm := make([]int, train.N)
	x := &layers.Matrix[T]{}
	y := make([]int32, min(bs, train.N))
	var rates []float64
	var total float64
	stepsHere, epochsHere := 0, 0
	// Plain SGD without clipping on a network of affine layers: the update
	// runs inside the weight GEMMs (model.Net.LossSGD), the same arithmetic
	// as Loss then opt.Step, without writing the weight gradients.
	fusedSGD := c.Optimizer.Rule == "sgd" && c.Train.GradClip == 0 && t.net.CanLossSGD()
	bl := blasbackend.BeginLoop() // one OS thread, one OpenMP pool: see Loop
	defer bl.End()
	for st.Epoch < c.Train.Epochs {
		e := st.Epoch
		lr := t.sched.LR(e)
		for i := range perm {
			perm[i] = i
		}
		data.Shuffle(perm, rand.New(rand.NewPCG(c.Seed, streamShuffle+uint64(e))))
		t0 := time.Now()
		startStep := st.Step
		t.prog.start(e+1, c.Train.Epochs, train.N, min(st.Step*bs, train.N))
		for b := st.Step; b < steps; b++ {
			idx := perm[b*bs : min((b+1)*bs, train.N)]
			x.Resize(len(idx), train.D)
			data.Gather(train, idx, x.Data, y[:len(idx)])
			if len(t.net.Dropout) > 0 {
				// Masks depend only on (seed, epoch, step): exact resume.
				t.net.SeedDropout(c.Seed ^ uint64(e)<<32 ^ uint64(b))
			}
			var loss, dataLoss float64
			if fusedSGD {
				loss, dataLoss = t.net.LossSGD(x, y[:len(idx)], lr) // parameters untouched when loss is not finite
			} else {
				loss, dataLoss = t.net.Loss(x, y[:len(idx)])
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				t.prog.end()
				return nil, t.diverged(&NonFiniteError{Epoch: e + 1, Step: b + 1, Loss: loss, LR: lr, Dir: t.dir, Model: t.lastModel()})
			}
			if st.LossFloor == 0 || loss < st.LossFloor {
				st.LossFloor = loss // the lowest loss seen: the first step's, then epoch means
			}
			if fusedSGD {
				t.opt.SetSteps(t.opt.Steps() + 1)
			} else {
				if c.Train.GradClip > 0 {
					st.NormSum += optim.ClipGlobalNorm(t.net.Params(), c.Train.GradClip)
				}
				t.opt.Step(lr)
			}
			st.LossSum += loss
			st.DataLossSum += dataLoss
			st.Step = b + 1
			stepsHere++
			bl.Step()
			t.prog.step(min((b+1)*bs, train.N), st.LossSum/float64(st.Step))
			if ctx.Err() != nil || (t.o.StopAfter > 0 && stepsHere >= t.o.StopAfter) {
				t.prog.end()
				st.Seconds += time.Since(t0).Seconds()
				return nil, t.interrupt(e+1, st.Step)
			}
		}
		t.prog.end()
		secs := st.Seconds + time.Since(t0).Seconds()
		done := float64(train.N - startStep*bs) // samples trained in this process
		rate := done / time.Since(t0).Seconds()
		rates = append(rates, rate)
		total += time.Since(t0).Seconds()
		if err := t.endEpoch(lr, steps, secs, rate); err != nil {
			return nil, err
		}
		epochsHere++
		if st.Finished {
			break
		}
		if t.o.AfterEpoch != nil && t.o.AfterEpoch(st.History[len(st.History)-1]) {
			return nil, t.interrupt(st.Epoch+1, 0)
		}
		testHold(ctx, t.dir, st.Epoch)
	}
	if !st.Finished {
		st.Finished, st.Reason = true, "completed "+english.Count(st.Epoch, "epoch")
		if err := t.persist(); err != nil {
			return nil, err
		}
	}
	// Restore the best parameters (the course Solver's rule) and report
	// the test split on them.
	copyState(t.net, t.best)
	res := &Result{Dir: t.dir, Epochs: st.Epoch, EpochsHere: epochsHere, BestEpoch: st.BestEpoch, BestValAcc: bestValAcc(st),
		Task: task.Of(t.net.Spec), BestValMSE: bestValMSE(st),
		Seconds: total, SamplesPerSec: median(rates), Reason: st.Reason, Warnings: st.Warnings,
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

// interrupt checkpoints a run stopped in epoch (1-based) after step
// steps of it, writes results.json, and returns the InterruptedError.
func (t *trainer[T]) interrupt(epoch, step int) error {
	if err := t.persist(); err != nil {
		return err
	}
	ie := &InterruptedError{Dir: t.dir, Epoch: epoch, Step: step}
	if err := rundir.WriteResults(t.dir, t.results("interrupted", ie.Error(), nil)); err != nil {
		return err
	}
	return ie
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

// endEpoch measures the epoch, logs it, keeps the best model, writes the
// metrics and the checkpoint, and decides about early stopping.
func (t *trainer[T]) endEpoch(lr float64, steps int, secs, rate float64) error {
	c, st := t.c, t.st
	e := st.Epoch
	sub := subsample(t.splits.Train.N, c.Train.TrainAccSamples, rand.New(rand.NewPCG(c.Seed, streamSubset+uint64(e))))
	trainEv := t.eval.Evaluate(t.splits.Train, sub, false)
	valEv := t.eval.Evaluate(t.splits.Val, nil, false)
	m := rundir.Metrics{Epoch: e + 1, Loss: st.LossSum / float64(steps), DataLoss: st.DataLossSum / float64(steps), L2: valEv.RegLoss,
		TrainAcc: trainEv.Accuracy, ValAcc: valEv.Accuracy, ValLoss: valEv.Loss, LR: lr, Seconds: secs, SamplesPerSec: rate,
		TrainMSE: trainEv.MSE, ValMSE: valEv.MSE}
	if c.Train.GradClip > 0 {
		m.GradNorm = st.NormSum / float64(steps)
	}
	// The loss of the epoch's last step was taken before its update, so
	// the weights may have diverged unseen. Stop before anything is
	// written: the model and checkpoint on disk stay the last good ones.
	if l := m.ValLoss + m.L2; math.IsNaN(l) || math.IsInf(l, 0) {
		return t.diverged(&NonFiniteError{Epoch: e + 1, Step: steps, Loss: l, LR: lr, Dir: t.dir, Validation: true, Model: t.lastModel()})
	}
	st.History = append(st.History, m)
	if err := rundir.AppendMetrics(t.dir, m); err != nil {
		return err
	}
	l2 := ""
	if c.Model.Reg > 0 {
		l2 = fmt.Sprintf(" (L2 %.4f)", m.L2)
	}
	fmt.Fprintf(t.o.Stdout, "epoch %d/%d  %s  lr %.3g  %.1fs  %.0f samples/s\n",
		m.Epoch, c.Train.Epochs, task.Of(t.net.Spec).EpochLine(m.Loss, l2, trainEv, valEv), lr, secs, rate)
	t.watchDivergence(m)
	t.sched.Observe(m.ValLoss)
	monitored := m.ValAcc
	if c.Train.Monitor == "val_loss" {
		monitored = -m.ValLoss
	}
	if math.IsNaN(monitored) || math.IsInf(monitored, 0) {
		monitored = -math.MaxFloat64 // never an improvement; JSON-safe
	}
	// Without a validation split every epoch is the best so far: the
	// model file is the last epoch's.
	if st.BestEpoch == 0 || monitored > st.Best+c.Train.MinDelta || t.splits.Val.N == 0 {
		st.Best, st.BestEpoch, st.Bad = monitored, e+1, 0
		copyState(t.best, t.net)
		t.modelDirty = true
	} else {
		st.Bad++
	}
	st.Epoch, st.Step, st.LossSum, st.DataLossSum, st.NormSum, st.Seconds = e+1, 0, 0, 0, 0, 0
	if c.Train.Patience > 0 && st.Bad >= c.Train.Patience {
		st.Finished = true
		st.Reason = fmt.Sprintf("early stop: %s did not improve by %g for %s", c.Train.Monitor, c.Train.MinDelta, english.Count(st.Bad, "epoch"))
		fmt.Fprintln(t.o.Stdout, st.Reason)
	}
	if !st.Finished && st.Epoch >= c.Train.Epochs {
		st.Finished, st.Reason = true, "completed "+english.Count(st.Epoch, "epoch")
	}
	t.sinceSave++
	every, secs := c.Train.CheckpointEvery, c.Train.CheckpointSeconds
	if st.Finished || (every > 0 && t.sinceSave >= every) || (secs > 0 && time.Since(t.lastSave).Seconds() >= secs) {
		return t.persist()
	}
	return nil
}

// Divergence that stays finite: a training loss this many times the
// lowest seen (the first step's or an epoch's mean) draws a warning.
const divergeFactor = 100

// watchDivergence warns, once per run, when the epoch's mean training
// loss has grown by two orders of magnitude over the lowest seen: the
// run is diverging without (yet) becoming NaN.
func (t *trainer[T]) watchDivergence(m rundir.Metrics) {
	st := t.st
	if st.LossFloor > 0 && m.Loss > divergeFactor*st.LossFloor && len(st.Warnings) == 0 {
		w := fmt.Sprintf("the training loss grew to %.4g at epoch %d, %.0f× the lowest seen (%.4g): the run is diverging; try a lower optimizer.lr (%g)",
			m.Loss, m.Epoch, m.Loss/st.LossFloor, st.LossFloor, t.c.Optimizer.LR)
		st.Warnings = append(st.Warnings, w)
		t.prog.end()
		fmt.Fprintln(t.o.Stderr, "warning:", w)
	}
	if m.Loss > 0 && m.Loss < st.LossFloor {
		st.LossFloor = m.Loss
	}
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
	return saveCheckpoint(filepath.Join(t.dir, rundir.Checkpoint), t.net, t.best, t.opt, t.splits.Norm, t.st)
}

// writeMetrics rewrites metrics.jsonl from the history, atomically, so it
// matches the checkpoint.
func (t *trainer[T]) writeMetrics() error {
	return rundir.WriteMetrics(t.dir, t.st.History)
}

// copyState copies parameters and batch normalization statistics of src
// into dst, a network of the same shapes.
func copyState[T layers.Float](dst, src *model.Net[T]) {
	a, _ := src.Flat()
	b, _ := dst.Flat()
	copy(b, a)
	copy(dst.FlatBuffers(), src.FlatBuffers())
}

// sameShapes reports whether two networks have the same tensors.
func sameShapes[T layers.Float](a, b *model.Net[T]) bool {
	pa, pb := model.Tensors(a, ""), model.Tensors(b, "")
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if pa[i].Name != pb[i].Name || !slices.Equal(pa[i].Shape, pb[i].Shape) {
			return false
		}
	}
	return true
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
