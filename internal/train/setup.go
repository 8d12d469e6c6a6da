package train

// Setup: from a config to a trainer ready to loop — the data, the
// network, the optimizer and schedule, and, when resuming, the
// checkpoint's state.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// Spec derives the network spec of a config from its data, through the
// config's task.
func Spec(c config.Config, train *data.Dataset) model.Spec {
	t, err := task.Lookup(c.Model.Kind)
	if err != nil {
		panic(err) // a loaded config has a valid kind
	}
	spec := t.Spec(c.Model, train.D, max(train.Classes, c.Data.Classes), train.K)
	// A table's embedded columns (data.embed) become the network's
	// embedding tables.
	for _, e := range train.Embed {
		spec.Embed = append(spec.Embed, layers.EmbedColumn{Col: e.Col, Vocab: e.Vocab, Dim: e.Dim})
	}
	return spec
}

// run builds the run of c in its directory (resuming it from its
// checkpoint with resume) and trains it.
func run[T layers.Float](ctx context.Context, c config.Config, o Options, resume bool, begin func() error) (*Result, error) {
	wallStart := time.Now()
	// Refuse a network too large for memory before reading any data; the
	// input width is not known yet, so the data source's known width (or
	// 1) stands in. The exact check follows once the data is read.
	if err := checkMemory[T](c, Spec(c, knownData(c.Data)), 1); err != nil {
		return nil, err
	}
	norm, src, stored, err := startingPoint[T](c, resume)
	if err != nil {
		return nil, err
	}
	splits, err := LoadData(c, norm)
	if err != nil {
		return nil, err
	}
	if c.Train.TestEachEpoch && splits.Test == nil {
		return nil, fmt.Errorf("train.test_each_epoch: data.source %s has no test split to evaluate", c.Data.Source)
	}
	net, err := newNet(c, splits, src, stored)
	if err != nil {
		return nil, err
	}
	t := &trainer[T]{c: c, o: o, dir: c.Train.OutDir, splits: splits, net: net,
		eval: &Evaluator[T]{Net: net, Batch: c.Train.EvalBatch}, prog: newProgress(o.Progress, o.Stderr, o.Width),
		wallStart: wallStart, st: &state{}} // BestEpoch 0: no best yet
	if err := t.newOptimizer(); err != nil {
		return nil, err
	}
	t.newEMA()
	// best holds the best-validation model: parameters and batch
	// normalization statistics.
	t.best, _ = model.New[T](net.Spec, nil)
	copyState(t.best, net)
	if begin != nil {
		if err := begin(); err != nil {
			return nil, err
		}
	}
	if resume {
		if res, err := t.restore(); res != nil || err != nil {
			return res, err
		}
	}
	if err := t.startMetrics(resume); err != nil {
		return nil, err
	}
	t.announce()
	t.lastSave = time.Now()
	return t.loop(ctx)
}

// startingPoint reads what a run starts from besides its config: the
// input normalization and the network spec of the checkpoint when
// resuming (stored), or the source model and its normalization when
// fine-tuning (train.init_from); nil for a fresh run, whose normalization
// is fitted on its training split.
func startingPoint[T layers.Float](c config.Config, resume bool) (*data.Normalizer, *model.Net[T], *model.Spec, error) {
	switch {
	case resume:
		cp := filepath.Join(c.Train.OutDir, rundir.Checkpoint)
		ts, meta, err := stfile.Read(cp)
		if err != nil {
			return nil, nil, nil, err
		}
		net, norm, err := model.FromTensors[T](cp, ts, meta, "")
		if err != nil {
			return nil, nil, nil, err
		}
		return norm, nil, &net.Spec, nil
	case c.Train.InitFrom != "":
		src, norm, err := model.Load[T](c.Train.InitFrom)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("train.init_from: %v", err)
		}
		return norm, src, nil, nil
	}
	return nil, nil, nil, nil
}

// classWeights resolves train.class_weights for spec on the training
// split: balanced, from its class counts, or the user's map by class
// name (or index). Nil without class weights.
func classWeights(c config.Config, spec model.Spec, splits *Splits) ([]float64, error) {
	balanced, given, err := config.ParseClassWeights(c.Train.ClassWeights)
	if err != nil || (!balanced && given == nil) {
		return nil, err
	}
	names := classNames(c, spec, splits)
	if balanced {
		return data.BalancedWeights(splits.Train.Y, spec.Classes, names)
	}
	return data.ResolveClassWeights(given, spec.Classes, names)
}

// classNames names spec's classes: the ones the data source fitted (the
// table's target values), else its source's names (class 0, digit
// names, ...).
func classNames(c config.Config, spec model.Spec, splits *Splits) []string {
	fitted := splits.Fitted
	if splits.Norm != nil {
		fitted = splits.Norm.Source
	}
	if names := source.FittedClassNames(fitted); names != nil {
		return names
	}
	return source.ClassNames(c.Data, spec.Classes)
}

// NetSpec is the network spec of c for its (raw or prepared) splits, with
// the class weights train.class_weights fits on the training split: the
// network nnfc gradcheck --config checks.
func NetSpec(c config.Config, splits *Splits) (model.Spec, error) {
	spec := Spec(c, splits.Train)
	w, err := classWeights(c, spec, splits)
	spec.ClassWeights = w
	return spec, err
}

// NewNet builds the network of c for its prepared data, initialized from
// the run's seed as a fresh run's is (nnfc lrfind starts from it).
func NewNet[T layers.Float](c config.Config, splits *Splits) (*model.Net[T], error) {
	return newNet[T](c, splits, nil, nil)
}

// newNet builds the network of c for its data, initialized from the
// run's seed, or with src's weights when fine-tuning. Its class weights
// are stored's when resuming (the checkpoint's spec), else fitted on the
// training split.
func newNet[T layers.Float](c config.Config, splits *Splits, src *model.Net[T], stored *model.Spec) (*model.Net[T], error) {
	spec := Spec(c, splits.Train)
	if err := task.Of(spec).CheckData(spec, splits.Train.Name); err != nil {
		return nil, err
	}
	if stored != nil {
		spec.ClassWeights = stored.ClassWeights
	} else {
		w, err := classWeights(c, spec, splits)
		if err != nil {
			return nil, err
		}
		spec.ClassWeights = w
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
	return net, nil
}

// newOptimizer builds the update rule (its gradients clipped with
// train.grad_clip) and the learning-rate schedule.
func (t *trainer[T]) newOptimizer() error {
	c := t.c
	opt, err := optim.New(c.Optimizer.Config, t.net.Params())
	if err != nil {
		return fmt.Errorf("optimizer: %v", err)
	}
	t.opt = opt
	if c.Train.GradClip > 0 {
		t.clip = optim.Clip(opt, t.net.Params(), c.Train.GradClip)
		t.opt = t.clip
	}
	if t.sched, err = optim.NewSchedule(c.Schedule, c.Optimizer.LR); err != nil {
		return fmt.Errorf("schedule: %v", err)
	}
	// One-cycle's momentum: a pure function of the position, like its rate.
	if ms, ok := t.sched.(optim.MomentumSchedule); ok && c.Schedule.MinMomentum > 0 {
		if max, _, ok := optim.MomentumOf(c.Optimizer.Config); ok {
			t.cycle = func(e, b, steps int) { optim.SetMomentum(t.opt, ms.Momentum(max, e, b, steps)) }
		}
	}
	return nil
}

// newEMA sets up the moving average of the weights (train.ema): a
// second network holds it, and each epoch evaluates it, keeps it as the
// best and saves it as the model.
func (t *trainer[T]) newEMA() {
	if t.c.Train.EMA == 0 {
		return
	}
	t.emaNet, _ = model.New[T](t.net.Spec, nil)
	w, _ := t.net.Flat()
	avg, _ := t.emaNet.Flat()
	t.ema = optim.NewEMA(t.c.Train.EMA, [][]T{w, t.net.FlatBuffers()}, [][]T{avg, t.emaNet.FlatBuffers()})
	t.eval = &Evaluator[T]{Net: t.emaNet, Batch: t.c.Train.EvalBatch}
}

// model is the network each epoch evaluates and the run keeps: the
// moving average of the weights with train.ema, else the network trained.
func (t *trainer[T]) model() *model.Net[T] {
	if t.emaNet != nil {
		return t.emaNet
	}
	return t.net
}

// restore loads the checkpoint's state into the trainer. A finished run
// returns its Result: there is nothing to train.
func (t *trainer[T]) restore() (*Result, error) {
	cp := filepath.Join(t.dir, rundir.Checkpoint)
	st, err := loadCheckpoint(cp, t.net, t.best, t.emaNet, t.opt)
	if err != nil {
		return nil, err
	}
	t.st = st
	if t.ema != nil {
		t.ema.N = st.EMASteps
	}
	if len(st.Schedule) > 0 {
		if err := json.Unmarshal(st.Schedule, t.sched); err != nil {
			return nil, fmt.Errorf("%s: schedule state: %v", cp, err)
		}
	}
	if st.Finished {
		fmt.Fprintf(t.o.Stdout, "run %s already finished (%s); nothing to do. To train it again: nnfc train --config %s --out NEW_DIR (or --force to replace this run)\n",
			t.dir, st.Reason, filepath.Join(t.dir, rundir.Config))
		return &Result{Dir: t.dir, Epochs: st.Epoch, BestEpoch: st.BestEpoch, Reason: st.Reason, BestValAcc: bestValAcc(st),
			Task: task.Of(t.net.Spec), BestValMSE: bestValMSE(st), Monitor: t.c.Train.Monitor, Best: bestValue(st, t.c.Train.Monitor), BestMetrics: bestMetrics(st),
			NoValidation: t.splits.Val.N == 0}, nil
	}
	fmt.Fprintf(t.o.Stderr, "resuming %s at epoch %d, step %d\n", t.dir, st.Epoch+1, st.Step)
	return nil, nil
}

// startMetrics starts metrics.jsonl, which gets one record appended per
// epoch: as the checkpoint's history when resuming (epochs after the
// checkpoint are trained again), else absent.
func (t *trainer[T]) startMetrics(resume bool) error {
	if resume {
		return rundir.WriteMetrics(t.dir, t.st.History)
	}
	if err := os.Remove(rundir.Path(t.dir, rundir.MetricsLog)); !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// announce prints the "training ..." line: network, data, rule, schedule.
func (t *trainer[T]) announce() {
	c, splits, spec, o := t.c, t.splits, t.net.Spec, t.o
	if c.Inferred != "" {
		fmt.Fprintln(o.Stdout, c.Inferred)
	}
	for _, l := range splits.Notes {
		fmt.Fprintln(o.Stdout, l)
	}
	classes := "" // an autoencoder has none; labels or numbers are not classes
	if spec.Classes > 0 && splits.Train.Y != nil {
		classes = source.DescribeClasses(c.Data, spec.Classes) + "; "
	}
	fmt.Fprintf(o.Stdout, "training %s on %s: %s%d train, %d val", spec, splits.Train.Name, classes, splits.Train.N, splits.Val.N)
	if splits.Test != nil {
		fmt.Fprintf(o.Stdout, ", %d test", splits.Test.N)
	}
	fmt.Fprintf(o.Stdout, "; %s %s lr %g, batch %d, %s, %s\n", c.Optimizer.Rule, c.Schedule.Kind, c.Optimizer.LR, c.Train.BatchSize, english.Count(c.Train.Epochs, "epoch"), c.Precision)
	names := classNames(c, spec, splits)
	if a, ok := task.Of(spec).(task.Announcer); ok {
		fmt.Fprintln(o.Stdout, a.Announce(spec, names))
	}
	if spec.ClassWeights != nil {
		how := "train.class_weights"
		if b, _, _ := config.ParseClassWeights(c.Train.ClassWeights); b {
			how = "train.class_weights: balanced, n_samples / (n_classes · count) on the training split"
		}
		parts := make([]string, len(spec.ClassWeights))
		for i, w := range spec.ClassWeights {
			parts[i] = fmt.Sprintf("%s %.4g", names[i], w)
		}
		fmt.Fprintf(o.Stdout, "class weights (%s): %s\n", how, strings.Join(parts, ", "))
	}
	if w := source.EmptyClassesWarning(c.Data, spec.Classes, splits.Train, splits.Val); w != "" {
		fmt.Fprintln(o.Stderr, "warning:", w)
	}
	if splits.Val.N == 0 {
		fmt.Fprintf(o.Stderr, "no validation split (data.val_count and data.val_fraction are 0): %s is the model of the last epoch\n", filepath.Join(t.dir, rundir.Model))
	}
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

// bestMetrics are the validation metrics of the best epoch, nil before
// one.
func bestMetrics(st *state) map[string]float64 {
	if st.BestEpoch >= 1 && st.BestEpoch <= len(st.History) {
		return st.History[st.BestEpoch-1].Val
	}
	return nil
}

// bestValue is the monitored metric's value at the best epoch.
func bestValue(st *state, monitor string) float64 {
	if st.BestEpoch >= 1 && st.BestEpoch <= len(st.History) {
		return st.History[st.BestEpoch-1].Value(monitor)
	}
	return math.NaN()
}
