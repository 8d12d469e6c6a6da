package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// smallSpiral is the data section of the fast runs below: 3 arms of 40
// points, a quarter of them for validation, so 90 training samples make
// six steps of 16 per epoch, the last one partial (10 samples).
const smallSpiral = `
data:
  source: spiral
  spiral: {per_class: 40, classes: 3, noise: 0.2}
  val_fraction: 0.25
  normalize: none
`

// smallSteps is the number of steps per epoch of smallSpiral at batch 16.
const smallSteps = 6

// loadConfig writes text as a YAML file and loads it as the CLI would,
// with train.out_dir set to a fresh directory.
func loadConfig(t *testing.T, text string) config.Config {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "run.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(p, nil)
	if err != nil {
		t.Fatalf("config does not load: %v\n%s", err, text)
	}
	c.Train.OutDir = filepath.Join(dir, "run")
	return c
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readMetrics(t *testing.T, dir string) []rundir.Metrics {
	t.Helper()
	ms, err := rundir.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// timeless clears the fields of metrics that measure time, the only ones
// allowed to differ between runs.
func timeless(ms []rundir.Metrics) []rundir.Metrics {
	out := make([]rundir.Metrics, len(ms))
	for i, m := range ms {
		m.Seconds, m.SamplesPerSec, m.AugmentSeconds = 0, 0, 0
		out[i] = m
	}
	return out
}

// checkpointOf reads a checkpoint's tensors (by name) and its position.
func checkpointOf(t *testing.T, dir string) (map[string]stfile.Tensor, state) {
	t.Helper()
	ts, meta, err := stfile.Read(filepath.Join(dir, rundir.Checkpoint))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]stfile.Tensor{}
	for _, x := range ts {
		byName[x.Name] = x
	}
	var st state
	if err := json.Unmarshal([]byte(meta[metaState]), &st); err != nil {
		t.Fatal(err)
	}
	st.Seconds = 0
	st.History = timeless(st.History)
	return byName, st
}

// sameTensors reports the first tensor of want that got lacks or holds
// different bits.
func sameTensors(got, want map[string]stfile.Tensor) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d tensors, want %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			return fmt.Errorf("tensor %s missing", name)
		}
		if !reflect.DeepEqual(g.Shape, w.Shape) || len(g.F32) != len(w.F32) || len(g.F64) != len(w.F64) {
			return fmt.Errorf("tensor %s: shape %v (%d/%d values), want %v (%d/%d)", name, g.Shape, len(g.F32), len(g.F64), w.Shape, len(w.F32), len(w.F64))
		}
		for i := range w.F32 {
			if math.Float32bits(g.F32[i]) != math.Float32bits(w.F32[i]) {
				return fmt.Errorf("tensor %s[%d] = %v, want %v", name, i, g.F32[i], w.F32[i])
			}
		}
		for i := range w.F64 {
			if math.Float64bits(g.F64[i]) != math.Float64bits(w.F64[i]) {
				return fmt.Errorf("tensor %s[%d] = %v, want %v", name, i, g.F64[i], w.F64[i])
			}
		}
	}
	return nil
}

// allFinite reports whether every value of every tensor is finite.
func allFinite(ts map[string]stfile.Tensor) bool {
	for _, x := range ts {
		for _, v := range x.F32 {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return false
			}
		}
		for _, v := range x.F64 {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

// TestOverfitFiftySamples is the course's sanity check: a net with three
// hidden layers must fit 50 training samples perfectly. It fails when a
// backward pass, the optimizer or the batching is wrong.
func TestOverfitFiftySamples(t *testing.T) {
	// 60 random points in 5 dimensions with random labels of 4 classes:
	// only memorization can fit them.
	rng := rand.New(rand.NewPCG(50, 50))
	var csv strings.Builder
	for range 60 {
		fmt.Fprintf(&csv, "%d", rng.IntN(4))
		for range 5 {
			fmt.Fprintf(&csv, ",%.4f", rng.NormFloat64())
		}
		csv.WriteString("\n")
	}
	csvPath := filepath.Join(t.TempDir(), "random.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data := `
data:
  source: csv
  train: ` + csvPath + `
  header: "no"
  val_count: 10
  normalize: standardize
`
	tests := []struct {
		name, yaml string
	}{
		{"float32/momentum", `
precision: float32
model:
  hidden: [50, 50, 50]
  activation: relu
optimizer: {rule: momentum, lr: 0.05}
train: {epochs: 60, batch_size: 10}
`},
		{"float64/adam", `
precision: float64
model:
  hidden: [64, 64, 64]
  activations: [relu, tanh, swish]
optimizer: {rule: adam, lr: 0.005}
train: {epochs: 60, batch_size: 50}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadConfig(t, "seed: 50\n"+data+tt.yaml)
			if len(c.Model.Hidden) != 3 {
				t.Fatalf("the sanity check wants 3 hidden layers, config has %v", c.Model.Hidden)
			}
			res, err := Start(context.Background(), c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			splits, err := LoadData(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			if splits.Train.N != 50 {
				t.Fatalf("%d training samples, want 50", splits.Train.N)
			}
			ms := readMetrics(t, res.Dir)
			first, last := ms[0], ms[len(ms)-1]
			if first.TrainAcc == 1 {
				t.Errorf("training accuracy 100%% after one epoch: the check proves nothing")
			}
			if last.TrainAcc != 1 {
				t.Errorf("training accuracy %.4f after %d epochs (loss %.4g), want 1", last.TrainAcc, last.Epoch, last.Loss)
			}
			for _, m := range ms {
				if m.TrainAcc == 1 {
					t.Logf("100%% training accuracy from epoch %d of %d", m.Epoch, len(ms))
					break
				}
			}
		})
	}
}

// TestSpiral7 trains the example config and checks that it reaches the
// accuracy its comment promises, and that model.safetensors is the model
// of the best epoch.
func TestSpiral7(t *testing.T) {
	t.Parallel() // the slowest test here: let the others run beside it
	c, err := config.Load(filepath.Join("..", "..", "configs", "spiral-7.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Train.OutDir = filepath.Join(t.TempDir(), "spiral-7")
	res, err := Start(context.Background(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The bar: above 95% validation accuracy.
	if !(res.BestValAcc > 0.95) {
		t.Errorf("best val_acc %.4f at epoch %d, want > 0.95", res.BestValAcc, res.BestEpoch)
	}
	if res.Epochs != c.Train.Epochs {
		t.Errorf("%d epochs, want %d (%s)", res.Epochs, c.Train.Epochs, res.Reason)
	}
	if ms := readMetrics(t, res.Dir); len(ms) != c.Train.Epochs || ms[res.BestEpoch-1].ValAcc != res.BestValAcc {
		t.Errorf("metrics.jsonl has %d lines, best epoch %d: does not match the result %+v", len(ms), res.BestEpoch, res)
	}
	net, norm, err := model.Load[float32](filepath.Join(res.Dir, rundir.Model))
	if err != nil {
		t.Fatal(err)
	}
	splits, err := LoadData(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if norm == nil {
		t.Fatal("model file has no normalizer")
	}
	ev := (&Evaluator[float32]{Net: net, Batch: 100}).Evaluate(splits.Val, nil, false)
	if ev.Accuracy != res.BestValAcc {
		t.Errorf("the saved model has val_acc %.4f, the best epoch had %.4f", ev.Accuracy, res.BestValAcc)
	}
	t.Logf("spiral-7: best val_acc %.4f at epoch %d, test %.4f, %.1fs", res.BestValAcc, res.BestEpoch, res.Test.Accuracy, res.Seconds)
}

// runToEnd starts c in dir, interrupting after each count of stops steps
// (resuming after each), and returns the final result.
func runToEnd(t *testing.T, c config.Config, stops []int) *Result {
	t.Helper()
	ctx := context.Background()
	done := 0
	for i := 0; ; i++ {
		o := Options{}
		if i < len(stops) {
			o.StopAfter = stops[i]
		}
		var res *Result
		var err error
		if i == 0 {
			res, err = Start(ctx, c, o)
		} else {
			res, err = Resume(ctx, c.Train.OutDir, o)
		}
		if i >= len(stops) {
			if err != nil {
				t.Fatalf("final resume: %v", err)
			}
			return res
		}
		var ie *InterruptedError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInterrupted) {
			t.Fatalf("run %d with StopAfter %d: got %v, want an InterruptedError", i, stops[i], err)
		}
		done += stops[i]
		wantEpoch, wantStep := (done-1)/smallSteps+1, (done-1)%smallSteps+1
		if ie.Epoch != wantEpoch || ie.Step != wantStep || ie.Dir != c.Train.OutDir {
			t.Fatalf("interrupted at epoch %d step %d in %s, want epoch %d step %d in %s", ie.Epoch, ie.Step, ie.Dir, wantEpoch, wantStep, c.Train.OutDir)
		}
		if !strings.Contains(err.Error(), "--resume "+c.Train.OutDir) {
			t.Errorf("interruption does not say how to resume: %v", err)
		}
	}
}

// TestResumeEqualsUninterrupted checks the promise: a run
// interrupted (anywhere, any number of times) and resumed ends with the
// same weights, optimizer state and metrics as one that never stopped.
func TestResumeEqualsUninterrupted(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		train string // more keys of the train section
		stops []int  // steps before each interruption; 4 epochs have 24
		model string // more keys of the model section
	}{
		{"float32/sgd/exponential/first-step", `
precision: float32
optimizer: {rule: sgd, lr: 0.5}
schedule: {kind: exponential, gamma: 0.8}
`, "", []int{1}, ""},
		{"float64/adam/plateau/every-7-steps", `
precision: float64
optimizer: {rule: adam, lr: 0.01}
schedule: {kind: plateau, patience: 0, factor: 0.5, min_delta: 0.2}
`, "", []int{7, 7, 7}, ""},
		{"float32/adam/plateau/epoch-boundary", `
precision: float32
optimizer: {rule: adam, lr: 0.01, beta1: 0.8}
schedule: {kind: plateau, patience: 0, factor: 0.5, min_delta: 0.2}
`, "", []int{smallSteps, smallSteps}, ""},
		{"float64/sgd/exponential/boundary-then-next-step", `
precision: float64
optimizer: {rule: sgd, lr: 0.5}
schedule: {kind: exponential, gamma: 0.9}
`, "", []int{2 * smallSteps, 1, smallSteps - 1}, ""},
		{"float32/momentum/step/clip/last-step", `
precision: float32
optimizer: {rule: momentum, lr: 0.2}
schedule: {kind: step, gamma: 0.5, every: 2}
`, ", grad_clip: 0.5", []int{4*smallSteps - 1}, ""},
		// Dropout masks and batchnorm running statistics must survive an
		// interruption mid-epoch.
		{"float32/adamw/cosine/batchnorm+dropout/every-5-steps", `
precision: float32
optimizer: {rule: adamw, lr: 0.01}
schedule: {kind: cosine, warmup: 1}
`, "", []int{5, 5, 5, 5}, ", batchnorm: true, dropout: 0.3"},
		// One-cycle sets the rate and the momentum at every step, and the
		// moving average of the weights (train.ema) is the model: both
		// must resume mid-epoch exactly.
		{"float32/nesterov/onecycle+momentum/ema/every-5-steps", `
precision: float32
optimizer: {rule: nesterov, lr: 0.2, momentum: 0.95}
schedule: {kind: onecycle, min_momentum: 0.85}
`, ", ema: 0.9", []int{5, 5, 5, 5}, ""},
		{"float64/adam/onecycle-linear+momentum/ema/batchnorm/mid-epoch", `
precision: float64
optimizer: {rule: adam, lr: 0.02, beta1: 0.95}
schedule: {kind: onecycle, anneal: linear, pct_start: 0.3, min_momentum: 0.85}
`, ", ema: 0.95", []int{7, 9}, ", batchnorm: true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := "seed: 11\n" + smallSpiral + "model: {hidden: [16, 16], activations: [tanh, swish]" + tt.model + "}\n" +
				"train: {epochs: 4, batch_size: 16" + tt.train + "}\n" + tt.yaml
			ref := loadConfig(t, base)
			want, err := Start(context.Background(), ref, Options{})
			if err != nil {
				t.Fatal(err)
			}
			cut := loadConfig(t, base)
			got := runToEnd(t, cut, tt.stops)

			wantModel, gotModel := readFile(t, filepath.Join(ref.Train.OutDir, rundir.Model)), readFile(t, filepath.Join(cut.Train.OutDir, rundir.Model))
			if !bytes.Equal(gotModel, wantModel) {
				t.Errorf("model.safetensors differs from the uninterrupted run's")
			}
			wantTs, wantSt := checkpointOf(t, ref.Train.OutDir)
			gotTs, gotSt := checkpointOf(t, cut.Train.OutDir)
			if err := sameTensors(gotTs, wantTs); err != nil {
				t.Errorf("checkpoint: %v", err)
			}
			if !reflect.DeepEqual(gotSt, wantSt) {
				t.Errorf("checkpoint state\n%+v\nwant\n%+v", gotSt, wantSt)
			}
			wantMs, gotMs := timeless(readMetrics(t, ref.Train.OutDir)), timeless(readMetrics(t, cut.Train.OutDir))
			if !reflect.DeepEqual(gotMs, wantMs) {
				t.Errorf("metrics\n%+v\nwant\n%+v", gotMs, wantMs)
			}
			if len(wantMs) != 4 {
				t.Errorf("%d epochs of metrics, want 4", len(wantMs))
			}
			if got.Epochs != want.Epochs || got.BestEpoch != want.BestEpoch || got.BestValAcc != want.BestValAcc ||
				got.Reason != want.Reason || !reflect.DeepEqual(got.Test, want.Test) {
				t.Errorf("result %+v (test %+v), want %+v (test %+v)", got, got.Test, want, want.Test)
			}
			// The schedule must matter, or its restored state proves nothing.
			if wantMs[0].LR == wantMs[3].LR {
				t.Errorf("lr stayed %g for 4 epochs: the schedule is not exercised", wantMs[0].LR)
			}
		})
	}
}

// TestEMAIsTheModel (train.ema): the run evaluates and saves the moving
// average of the weights, not the weights it trains. Without a
// validation split the model is the last epoch's: exactly the
// checkpoint's average (ema.*), which differs from its weights, and the
// test figures are the average's.
func TestEMAIsTheModel(t *testing.T) {
	c := loadConfig(t, "seed: 5\n"+strings.Replace(smallSpiral, "val_fraction: 0.25", "val_fraction: 0", 1)+`
model: {hidden: [16]}
optimizer: {rule: momentum, lr: 0.1}
train: {epochs: 3, batch_size: 16, ema: 0.9}
`)
	res, err := Start(context.Background(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts, st := checkpointOf(t, c.Train.OutDir)
	if want := 3 * 8; st.EMASteps != want { // 120 samples, batch 16: 8 steps
		t.Errorf("the checkpoint counts %d average updates, want %d", st.EMASteps, want)
	}
	saved, _, err := stfile.Read(filepath.Join(c.Train.OutDir, rundir.Model))
	if err != nil {
		t.Fatal(err)
	}
	avg, raw := map[string]stfile.Tensor{}, map[string]stfile.Tensor{}
	file := map[string]stfile.Tensor{}
	for _, x := range saved {
		file[x.Name] = x
		avg[x.Name], raw[x.Name] = ts[emaPrefix+x.Name], ts[x.Name]
	}
	if err := sameTensors(file, avg); err != nil {
		t.Errorf("model.safetensors is not the checkpoint's moving average: %v", err)
	}
	if sameTensors(file, raw) == nil {
		t.Errorf("model.safetensors holds the trained weights, not their average")
	}
	net, norm, err := model.Load[float32](filepath.Join(c.Train.OutDir, rundir.Model))
	if err != nil {
		t.Fatal(err)
	}
	splits, err := LoadData(c, norm)
	if err != nil {
		t.Fatal(err)
	}
	if ev := (&Evaluator[float32]{Net: net, Batch: 100}).Evaluate(splits.Test, nil, false); res.Test == nil || ev.Loss != res.Test.Loss {
		t.Errorf("test loss %v, the saved average gives %v", res.Test, ev.Loss)
	}
}

// TestResumeFinishedRun: resuming a finished run says so and changes
// nothing.
func TestResumeFinishedRun(t *testing.T) {
	c := loadConfig(t, "seed: 3\n"+smallSpiral+"model: {hidden: [8]}\ntrain: {epochs: 2, batch_size: 16}\n")
	if _, err := Start(context.Background(), c, Options{}); err != nil {
		t.Fatal(err)
	}
	dir := c.Train.OutDir
	files := []string{rundir.Model, rundir.Checkpoint, rundir.MetricsLog, rundir.Config}
	before := map[string][]byte{}
	for _, f := range files {
		before[f] = readFile(t, filepath.Join(dir, f))
	}
	var out bytes.Buffer
	res, err := Resume(context.Background(), dir, Options{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "already finished") || res.Epochs != 2 {
		t.Errorf("resume of a finished run: result %+v, output %q", res, out.String())
	}
	for _, f := range files {
		if !bytes.Equal(readFile(t, filepath.Join(dir, f)), before[f]) {
			t.Errorf("%s changed", f)
		}
	}
}

// TestSameSeedSameResult: the same config gives the same files twice, and
// another seed gives other weights (so the seed is not ignored).
func TestSameSeedSameResult(t *testing.T) {
	text := smallSpiral + "model: {hidden: [16], activation: swish}\noptimizer: {rule: adam, lr: 0.01}\ntrain: {epochs: 3, batch_size: 16}\n"
	var models [][]byte
	var metrics [][]rundir.Metrics
	for _, seed := range []int{5, 5, 6} {
		c := loadConfig(t, fmt.Sprintf("seed: %d\n%s", seed, text))
		if _, err := Start(context.Background(), c, Options{}); err != nil {
			t.Fatal(err)
		}
		models = append(models, readFile(t, filepath.Join(c.Train.OutDir, rundir.Model)))
		metrics = append(metrics, timeless(readMetrics(t, c.Train.OutDir)))
	}
	if !bytes.Equal(models[0], models[1]) || !reflect.DeepEqual(metrics[0], metrics[1]) {
		t.Errorf("seed 5 twice gave different results:\n%+v\n%+v", metrics[0], metrics[1])
	}
	if bytes.Equal(models[0], models[2]) {
		t.Errorf("seeds 5 and 6 gave the same model")
	}
}

// TestNonFiniteStop: an absurd learning rate stops the run with a
// NonFiniteError naming epoch and step; the last good model and the
// checkpoint on disk are those of the last finished epoch, bit for bit.
func TestNonFiniteStop(t *testing.T) {
	tests := []struct {
		name, yaml string
		firstEpoch bool // diverges before any epoch finished
		validation bool // the validation loss is the first to diverge
	}{
		// Measured: NaN at epoch 1, step 3.
		{"leaky_relu-mse/first-epoch", smallSpiral + "model: {hidden: [20, 20], activation: leaky_relu, loss: mse}\ntrain: {epochs: 20, batch_size: 16}\n", true, false},
		// Measured: NaN at epoch 2, step 2.
		{"linear-mse/mid-epoch", smallSpiral + "model: {hidden: [], loss: mse}\ntrain: {epochs: 20, batch_size: 16}\n", false, false},
		// One step per epoch: the step that overflows the weights is the
		// epoch's last, and the validation loss is the first to see it.
		{"linear-mse/float64/epoch-end", "precision: float64\n" + smallSpiral + "model: {hidden: [], loss: mse}\ntrain: {epochs: 100, batch_size: 1000}\n", false, true},
		{"leaky_relu-softmax/epoch-end", smallSpiral + "model: {hidden: [20, 20], activation: leaky_relu}\ntrain: {epochs: 100, batch_size: 1000}\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A checkpoint every epoch, so that the one left is the last
			// good epoch's (with the default interval it may be older).
			text := "seed: 1\noptimizer: {rule: sgd, lr: 1e6}\n" + strings.Replace(tt.yaml, "train: {", "train: {checkpoint_every: 1, ", 1)
			c := loadConfig(t, text)
			res, err := Start(context.Background(), c, Options{})
			var nf *NonFiniteError
			if !errors.As(err, &nf) {
				t.Fatalf("got %v, %v; want a NonFiniteError", res, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("epoch %d, step %d", nf.Epoch, nf.Step)) || !strings.Contains(msg, "lower optimizer.lr") {
				t.Errorf("message does not name epoch and step or suggest a lower rate: %s", msg)
			}
			if nf.Epoch < 1 || nf.Step < 1 || !(math.IsNaN(nf.Loss) || math.IsInf(nf.Loss, 0)) || nf.LR != 1e6 || nf.Validation != tt.validation {
				t.Errorf("error fields %+v", nf)
			}
			dir := c.Train.OutDir
			_, statErr := os.Stat(filepath.Join(dir, rundir.Model))
			if tt.firstEpoch {
				if nf.Epoch != 1 {
					t.Fatalf("diverged at epoch %d, the case wants epoch 1", nf.Epoch)
				}
				if statErr == nil {
					t.Errorf("a model file exists though no epoch finished")
				}
				if strings.Contains(msg, rundir.Model) {
					t.Errorf("message points at a model file that does not exist: %s", msg)
				}
				return
			}
			if nf.Epoch < 2 {
				t.Fatalf("diverged at epoch %d, the case wants a finished epoch before", nf.Epoch)
			}
			if statErr != nil || !strings.Contains(msg, filepath.Join(dir, rundir.Model)) {
				t.Fatalf("last good model: %v; message: %s", statErr, msg)
			}
			if n := len(readMetrics(t, dir)); n != nf.Epoch-1 {
				t.Errorf("metrics.jsonl has %d epochs, want the %d finished", n, nf.Epoch-1)
			}
			ts, st := checkpointOf(t, dir)
			if !allFinite(ts) || st.Epoch != nf.Epoch-1 || st.Step != 0 {
				t.Errorf("checkpoint at epoch %d step %d (finite: %v), want the end of epoch %d", st.Epoch, st.Step, allFinite(ts), nf.Epoch-1)
			}
			// The same run told to stop after the last good epoch leaves the
			// last good files; the NaN stop must have left them as they were.
			good := loadConfig(t, text)
			good.Train.Epochs = nf.Epoch - 1
			if _, err := Start(context.Background(), good, Options{}); err != nil {
				t.Fatalf("%d epochs: %v", good.Train.Epochs, err)
			}
			if !bytes.Equal(readFile(t, filepath.Join(good.Train.OutDir, rundir.Model)), readFile(t, filepath.Join(dir, rundir.Model))) {
				t.Errorf("model.safetensors is not the last good one")
			}
			goodTs, _ := checkpointOf(t, good.Train.OutDir)
			if err := sameTensors(ts, goodTs); err != nil {
				t.Errorf("checkpoint is not the last good one: %v", err)
			}
			m, _, err := model.Load[float64](filepath.Join(dir, rundir.Model))
			if err != nil {
				t.Fatal(err)
			}
			if p, _ := m.Flat(); !allFinite(map[string]stfile.Tensor{"": {F64: p}}) {
				t.Errorf("the kept model has non-finite weights")
			}
			// Resuming the diverged run diverges the same way, again
			// without touching the files.
			before := readFile(t, filepath.Join(dir, rundir.Model))
			_, err = Resume(context.Background(), dir, Options{})
			var again *NonFiniteError
			if !errors.As(err, &again) || again.Epoch != nf.Epoch || again.Step != nf.Step || again.Validation != nf.Validation ||
				again.Model != nf.Model || math.Float64bits(again.Loss) != math.Float64bits(nf.Loss) {
				t.Errorf("resumed run: %v, want %v", err, nf)
			}
			if !bytes.Equal(readFile(t, filepath.Join(dir, rundir.Model)), before) {
				t.Errorf("the resumed divergence changed model.safetensors")
			}
		})
	}
}

// TestStartRefusesExistingRun: a new run never overwrites a run directory.
func TestStartRefusesExistingRun(t *testing.T) {
	text := "seed: 2\n" + smallSpiral + "model: {hidden: [8]}\ntrain: {epochs: 2, batch_size: 16}\n"
	tests := []struct {
		name      string
		stopAfter int
	}{
		{"finished", 0},
		{"interrupted", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadConfig(t, text)
			_, err := Start(context.Background(), c, Options{StopAfter: tt.stopAfter})
			if (err != nil) != (tt.stopAfter > 0) {
				t.Fatal(err)
			}
			dir := c.Train.OutDir
			before := map[string][]byte{}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				before[e.Name()] = readFile(t, filepath.Join(dir, e.Name()))
			}
			again := c
			again.Seed = 99
			again.Train.Epochs = 5
			_, err = Start(context.Background(), again, Options{})
			if err == nil || !strings.Contains(err.Error(), "train.out_dir") || !strings.Contains(err.Error(), dir) {
				t.Fatalf("second start in %s: %v", dir, err)
			}
			entries, _ = os.ReadDir(dir)
			if len(entries) != len(before) {
				t.Errorf("%d files after the refused start, %d before", len(entries), len(before))
			}
			for name, b := range before {
				if !bytes.Equal(readFile(t, filepath.Join(dir, name)), b) {
					t.Errorf("%s was overwritten", name)
				}
			}
		})
	}
}

// TestInitFrom fine-tunes from a saved model and rejects models whose
// shapes do not fit the config.
func TestInitFrom(t *testing.T) {
	const net = "model: {hidden: [16], activation: tanh}\n"
	src := loadConfig(t, "seed: 4\n"+smallSpiral+net+"train: {epochs: 3, batch_size: 16}\n")
	if _, err := Start(context.Background(), src, Options{}); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(src.Train.OutDir, rundir.Model)
	srcNet, srcNorm, err := model.Load[float64](saved)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := srcNet.Flat()

	// A learning rate far below float32 resolution leaves the weights
	// where init_from put them: the result is the source model (up to the
	// entries that are exactly zero).
	// The tuning config asks for another normalization: the source's wins.
	tune := loadConfig(t, "seed: 99\n"+strings.Replace(smallSpiral, "normalize: none", "normalize: standardize", 1)+net+"optimizer: {lr: 1e-30}\ntrain: {epochs: 1, batch_size: 16, init_from: "+saved+"}\n")
	if _, err := Start(context.Background(), tune, Options{}); err != nil {
		t.Fatal(err)
	}
	tuned, tunedNorm, err := model.Load[float64](filepath.Join(tune.Train.OutDir, rundir.Model))
	if err != nil {
		t.Fatal(err)
	}
	// The weights expect the source's input normalization, fitted on the
	// source's data (another seed here): fine-tuning keeps it.
	if !reflect.DeepEqual(tunedNorm, srcNorm) {
		t.Errorf("normalizer %+v, the init_from model has %+v", tunedNorm, srcNorm)
	}
	got, _ := tuned.Flat()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-20 {
			t.Fatalf("parameter %d = %v, the init_from model has %v", i, got[i], want[i])
		}
	}

	truncated := filepath.Join(t.TempDir(), "truncated.safetensors")
	b := readFile(t, saved)
	if err := os.WriteFile(truncated, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name, yaml, file string
		want             []string
	}{
		{"wider hidden layer", smallSpiral + "model: {hidden: [32], activation: tanh}\n", saved,
			[]string{"train.init_from", saved, "2-16(tanh)-3", "2-32(tanh)-3"}},
		{"more classes", strings.Replace(smallSpiral, "classes: 3", "classes: 4", 1) + net, saved,
			[]string{"train.init_from", "2-16(tanh)-3", "2-16(tanh)-4"}},
		{"extra layer", smallSpiral + "model: {hidden: [16, 16], activation: tanh}\n", saved,
			[]string{"train.init_from", "2-16(tanh)-16(tanh)-3"}},
		{"missing file", smallSpiral + net, saved + ".nope", []string{"train.init_from", saved + ".nope"}},
		{"truncated file", smallSpiral + net, truncated, []string{"train.init_from", truncated}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c := loadConfig(t, "seed: 4\n"+tt.yaml+"train: {epochs: 1, batch_size: 16, init_from: "+tt.file+"}\n")
			_, err := Start(context.Background(), c, Options{})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			for _, f := range []string{rundir.Model, rundir.Checkpoint} {
				if _, err := os.Stat(filepath.Join(c.Train.OutDir, f)); err == nil {
					t.Errorf("a rejected init_from left %s", f)
				}
			}
		})
	}
}
