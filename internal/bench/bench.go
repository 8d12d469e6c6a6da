package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/sysinfo"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
)

// The benchmark network and its cost, as in the peer scripts.
const (
	Inputs  = 784
	Classes = 10
	// ForwardFLOP and BackwardFLOP count the GEMMs of one sample for
	// 784-H-10 with H = 512: forward 2·(784·H + H·10), backward
	// 2·(784·H + 2·H·10) (dW1, dW2 and dH; no input gradient).
	ForwardFLOP  = 2 * (Inputs*512 + 512*Classes)
	BackwardFLOP = 2 * (Inputs*512 + 2*512*Classes)
	TrainFLOP    = ForwardFLOP + BackwardFLOP // 1,636,352
)

// Options configure a benchmark run. The zero value of a field means the
// peers' default (see Defaults).
type Options struct {
	Act       string // relu | swish
	Precision string // float32 | float64
	Epochs    int
	Batch     int
	EvalBatch int
	Hidden    int
	Samples   int // rows of synthetic data
	// Rule is the update rule (optim.Rules), with its default
	// hyperparameters; LR 0 means the rule's benchmark rate (RuleLR).
	Rule     string
	LR       float64
	Seed     uint64 // initialization and shuffling
	DataSeed uint64 // the synthetic data and its teacher
	// GemmSeconds is how long each GEMM-bound measurement runs.
	GemmSeconds float64
	Out         io.Writer // JSON lines
}

// Defaults returns the peers' settings: relu, float32, 3 epochs, batch 128,
// eval batch 1000, 784-512-10, 60000 samples, lr 0.1.
func Defaults() Options {
	return Options{Act: "relu", Precision: "float32", Epochs: 3, Batch: 128, EvalBatch: 1000, Hidden: 512,
		Samples: 60000, Rule: "sgd", Seed: 0, DataSeed: 12345, GemmSeconds: 0.3, Out: io.Discard}
}

// Validate reports every problem with o, each naming its flag.
func (o Options) Validate() error {
	var errs []string
	if o.Act != "relu" && o.Act != "swish" {
		errs = append(errs, fmt.Sprintf("--act: want relu or swish, got %q", o.Act))
	}
	if o.Precision != "float32" && o.Precision != "float64" && o.Precision != "bfloat16" {
		errs = append(errs, fmt.Sprintf("--precision: want float32, float64 or bfloat16, got %q", o.Precision))
	}
	if o.Epochs < 1 {
		errs = append(errs, fmt.Sprintf("--epochs: must be ≥ 1, got %d", o.Epochs))
	}
	if o.Batch < 1 || o.EvalBatch < 1 || o.Hidden < 1 || o.Samples < o.Batch {
		errs = append(errs, fmt.Sprintf("sizes: --batch %d, --eval-batch %d, hidden %d, samples %d: all must be ≥ 1 and samples ≥ batch",
			o.Batch, o.EvalBatch, o.Hidden, o.Samples))
	}
	if !(o.GemmSeconds > 0) {
		errs = append(errs, fmt.Sprintf("--gemm-seconds: must be > 0, got %g", o.GemmSeconds))
	}
	if _, err := optim.Defaults(o.Rule); err != nil {
		errs = append(errs, fmt.Sprintf("--rule: want one of %s, got %q", strings.Join(optim.Rules, ", "), o.Rule))
	}
	if !(o.LR >= 0) || math.IsInf(o.LR, 1) {
		errs = append(errs, fmt.Sprintf("--lr: must be > 0 (or 0: the rule's benchmark rate), got %g", o.LR))
	}
	if len(errs) > 0 {
		return fmt.Errorf("bench: %s", joinLines(errs))
	}
	return nil
}

func joinLines(s []string) string {
	out := s[0]
	for _, e := range s[1:] {
		out += "; " + e
	}
	return out
}

// Epoch is one epoch's record, in the peers' field names.
type Epoch struct {
	Epoch            int     `json:"epoch"`
	TrainS           float64 `json:"train_s"`
	TrainSamplesPerS float64 `json:"train_samples_per_s"`
	TrainGFLOPs      float64 `json:"train_gflops"`
	EvalS            float64 `json:"eval_s"`
	EvalSamplesPerS  float64 `json:"eval_samples_per_s"`
	EvalGFLOPs       float64 `json:"eval_gflops"`
	TrainLoss        float64 `json:"train_loss"`
	EvalAcc          float64 `json:"eval_acc"`
	// GemmBoundSamplesPerS is the rate of the step's five GEMMs alone,
	// measured just before this epoch.
	GemmBoundSamplesPerS float64 `json:"gemm_bound_samples_per_s"`
	// TrainSamplesPerCPUS is the training rate per second of CPU time the
	// process got (all its threads): on a machine shared with other work,
	// with 1 thread, the rate of a core that is ours alone.
	TrainSamplesPerCPUS float64 `json:"train_samples_per_cpu_s"`
}

// Summary is the final record: the peers' summary fields plus the
// GEMM-only bound and the backend.
type Summary struct {
	Impl                       string    `json:"impl"`
	Backend                    string    `json:"backend"`
	Data                       string    `json:"data"`
	Act                        string    `json:"act"`
	DType                      string    `json:"dtype"`
	Threads                    int       `json:"threads"`
	GOMAXPROCS                 int       `json:"gomaxprocs"`
	Opt                        string    `json:"opt"`
	LR                         float64   `json:"lr"`
	Batch                      int       `json:"batch"`
	Epochs                     int       `json:"epochs"`
	Seed                       uint64    `json:"seed"`
	Init                       string    `json:"init"`
	OpenBLASCoretype           string    `json:"openblas_coretype"`
	OpenBLASThreads            *string   `json:"openblas_threads"`
	TrainSamplesPerSMedian     float64   `json:"train_samples_per_s_median"`
	TrainSamplesPerSMin        float64   `json:"train_samples_per_s_min"`
	TrainSamplesPerSMax        float64   `json:"train_samples_per_s_max"`
	TrainGFLOPsMedian          float64   `json:"train_gflops_median"`
	EvalSamplesPerSMedian      float64   `json:"eval_samples_per_s_median"`
	EvalGFLOPsMedian           float64   `json:"eval_gflops_median"`
	FinalEvalAcc               float64   `json:"final_eval_acc"`
	AccPerEpoch                []float64 `json:"acc_per_epoch"`
	TotalSInclEval             float64   `json:"total_s_incl_eval"`
	TrainFLOPPerSample         int       `json:"train_flop_per_sample"`
	GemmBoundSamplesPerSMedian float64   `json:"gemm_bound_samples_per_s_median"`
	GemmBoundGFLOPsMedian      float64   `json:"gemm_bound_gflops_median"`
	FractionOfGemmBound        float64   `json:"fraction_of_gemm_bound"`
	TrainSamplesPerCPUSMedian  float64   `json:"train_samples_per_cpu_s_median"`
	EvalOverTrain              float64   `json:"eval_over_train"`
	// OpenMPPools counts the OS threads that ran oneDNN on a team of 2 or
	// more (blasbackend.OpenMPPools): 1 in nnfc, whose main thread runs it all.
	OpenMPPools int `json:"openmp_pools"`
}

// Synthetic returns the peers' MNIST-shaped data: n×784 features uniform
// in [0,1) and labels argmax((x−0.5)·teacher) for a standard normal
// 784×10 teacher, all drawn from seed. It is the same distribution as
// numpy's default_rng(12345), not the same numbers.
func Synthetic(n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 0))
	ds := &data.Dataset{Name: "synthetic", X: make([]float32, n*Inputs), Y: make([]int32, n), N: n, D: Inputs, Classes: Classes}
	for i := range ds.X {
		ds.X[i] = rng.Float32()
	}
	// teacher[c] is column c of the 784×10 teacher.
	var teacher [Classes][Inputs]float32
	for j := 0; j < Inputs; j++ {
		for c := 0; c < Classes; c++ {
			teacher[c][j] = float32(rng.NormFloat64())
		}
	}
	for i := 0; i < n; i++ {
		row := ds.X[i*Inputs : (i+1)*Inputs]
		best, bestV := 0, float32(math.Inf(-1))
		for c := range teacher {
			var s float32
			for j, v := range row {
				s += (v - 0.5) * teacher[c][j]
			}
			if s > bestV {
				best, bestV = c, s
			}
		}
		ds.Y[i] = int32(best)
	}
	return ds
}

// Run trains and evaluates the benchmark network as o says, writing one
// JSON line per epoch and a "SUMMARY " line to o.Out, and returns the
// summary.
func Run(o Options) (*Summary, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	ds := Synthetic(o.Samples, o.DataSeed)
	if o.Precision == "float64" {
		return run[float64](o, ds)
	}
	off, err := bfloat16(o)
	if err != nil {
		return nil, err
	}
	defer off()
	return run[float32](o, ds)
}

// RuleLR is the learning rate the benchmark trains with when --lr is not
// given: the peers' 0.1 for plain SGD, and rates at which the other rules
// train this network without diverging (their usual defaults).
func RuleLR(rule string) float64 {
	switch rule {
	case "momentum", "nesterov":
		return 0.01
	case "rmsprop", "adam", "adamw":
		return 0.001
	}
	return 0.1
}

// lr is the learning rate of the run: --lr, or the rule's.
func (o Options) lr() float64 {
	if o.LR > 0 {
		return o.LR
	}
	return RuleLR(o.Rule)
}

// newStep builds the benchmark network and returns it with one training
// step as the trainer runs it (internal/train): model.Net.TrainStep with
// the rule's optimizer, whose update runs inside the backward pass.
func newStep[T layers.Float](o Options) (*model.Net[T], func(x *layers.Matrix[T], y []int32) float64, error) {
	spec := model.Spec{InputDim: Inputs, Hidden: []int{o.Hidden}, Activations: []string{o.Act}, Classes: Classes,
		Loss: "softmax", Init: layers.InitHe}
	net, err := model.New[T](spec, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return nil, nil, err
	}
	cfg, err := optim.Defaults(o.Rule)
	if err != nil {
		return nil, nil, err
	}
	opt, err := optim.New(cfg, net.Params())
	if err != nil {
		return nil, nil, err
	}
	lr := o.lr()
	step := func(x *layers.Matrix[T], y []int32) float64 {
		loss, _ := net.TrainStep(x, layers.Classes[T](y), opt, lr)
		return loss
	}
	return net, step, nil
}

func run[T layers.Float](o Options, ds *data.Dataset) (*Summary, error) {
	net, step, err := newStep[T](o)
	if err != nil {
		return nil, err
	}
	ev := &train.Evaluator[T]{Net: net, Batch: o.EvalBatch}
	gb := newGemmStep[T](o.Batch, o.Hidden)

	n, bs := ds.N, o.Batch
	x := &layers.Matrix[T]{}
	y := make([]int32, bs)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}

	// Warm-up, not timed: thread start-up, first-touch page faults and
	// buffer sizing; the parameters are restored afterwards, as the peers do.
	params, _ := net.Flat()
	saved := slices.Clone(params)
	for b := 0; b < min(20, n/bs); b++ {
		idx := perm[b*bs : (b+1)*bs]
		x.Resize(len(idx), ds.D)
		data.Gather(ds, idx, x.Data, y)
		step(x, y)
	}
	copy(params, saved)
	ev.Evaluate(ds, nil, false)
	gb.rate(0.05)

	shuffle := rand.New(rand.NewPCG(o.Seed, 2))
	evalFLOP := float64(2 * (Inputs*o.Hidden + o.Hidden*Classes))
	trainFLOP := evalFLOP + float64(2*(Inputs*o.Hidden+2*o.Hidden*Classes))
	var epochs []Epoch
	bl := blasbackend.BeginLoop()
	defer bl.End()
	tAll := time.Now()
	for e := 0; e < o.Epochs; e++ {
		bound := gb.rate(o.GemmSeconds)
		c0 := sysinfo.CPUSeconds()
		t0 := time.Now()
		data.Shuffle(perm, shuffle)
		var lossSum float64
		for lo := 0; lo < n; lo += bs {
			idx := perm[lo:min(lo+bs, n)]
			x.Resize(len(idx), ds.D)
			data.Gather(ds, idx, x.Data, y[:len(idx)])
			loss := step(x, y[:len(idx)])
			lossSum += loss * float64(len(idx))
			bl.Step()
		}
		trainS := time.Since(t0).Seconds()
		trainCPU := sysinfo.CPUSeconds() - c0
		if math.IsNaN(lossSum) || math.IsInf(lossSum, 0) {
			// A step with a non-finite loss skips its backward pass: the
			// rate would not be a training rate.
			return nil, fmt.Errorf("bench: the training loss of rule %s at lr %g became %v in epoch %d; choose a lower --lr", o.Rule, o.lr(), lossSum, e+1)
		}
		t1 := time.Now()
		r := ev.Evaluate(ds, nil, false)
		evalS := time.Since(t1).Seconds()
		rec := Epoch{
			Epoch: e + 1, TrainS: round(trainS, 4), TrainSamplesPerS: round(float64(n)/trainS, 1),
			TrainGFLOPs: round(float64(n)*trainFLOP/trainS/1e9, 2),
			EvalS:       round(evalS, 4), EvalSamplesPerS: round(float64(n)/evalS, 1),
			EvalGFLOPs: round(float64(n)*evalFLOP/evalS/1e9, 2),
			TrainLoss:  round(lossSum/float64(n), 4), EvalAcc: round(r.Accuracy, 4),
			GemmBoundSamplesPerS: round(bound, 1),
			TrainSamplesPerCPUS:  round(float64(n)/trainCPU, 1),
		}
		epochs = append(epochs, rec)
		if err := writeJSON(o.Out, "", rec); err != nil {
			return nil, err
		}
	}
	total := time.Since(tAll).Seconds()

	pick := func(f func(Epoch) float64) []float64 {
		v := make([]float64, len(epochs))
		for i, e := range epochs {
			v[i] = f(e)
		}
		return v
	}
	tr := pick(func(e Epoch) float64 { return e.TrainSamplesPerS })
	evs := pick(func(e Epoch) float64 { return e.EvalSamplesPerS })
	bounds := pick(func(e Epoch) float64 { return e.GemmBoundSamplesPerS })
	dtype := dtypeOf(o.Precision)
	coretype := os.Getenv("OPENBLAS_CORETYPE")
	if coretype == "" {
		coretype = "auto"
	}
	var obThreads *string
	if v, ok := os.LookupEnv("OPENBLAS_NUM_THREADS"); ok {
		obThreads = &v
	}
	s := &Summary{
		Impl: "nnfc-" + blasbackend.Name(), Backend: blasbackend.Describe(), Data: "synthetic", Act: o.Act, DType: dtype,
		Threads: blasbackend.Threads(), GOMAXPROCS: runtime.GOMAXPROCS(0), Opt: o.Rule, LR: o.lr(), Batch: bs,
		Epochs: o.Epochs, Seed: o.Seed, Init: "he", OpenBLASCoretype: coretype, OpenBLASThreads: obThreads,
		TrainSamplesPerSMedian: median(tr), TrainSamplesPerSMin: slices.Min(tr), TrainSamplesPerSMax: slices.Max(tr),
		TrainGFLOPsMedian:     round(median(tr)*trainFLOP/1e9, 2),
		EvalSamplesPerSMedian: median(evs), EvalGFLOPsMedian: round(median(evs)*evalFLOP/1e9, 2),
		FinalEvalAcc: epochs[len(epochs)-1].EvalAcc, AccPerEpoch: pick(func(e Epoch) float64 { return e.EvalAcc }),
		TotalSInclEval: round(total, 2), TrainFLOPPerSample: int(trainFLOP),
		GemmBoundSamplesPerSMedian: median(bounds), GemmBoundGFLOPsMedian: round(median(bounds)*trainFLOP/1e9, 2),
		FractionOfGemmBound:       round(median(tr)/median(bounds), 4),
		EvalOverTrain:             round(median(evs)/median(tr), 3),
		TrainSamplesPerCPUSMedian: median(pick(func(e Epoch) float64 { return e.TrainSamplesPerCPUS })),
		OpenMPPools:               blasbackend.OpenMPPools(),
	}
	if err := writeJSON(o.Out, "SUMMARY ", s); err != nil {
		return nil, err
	}
	return s, nil
}

func writeJSON(w io.Writer, prefix string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s\n", prefix, b)
	return err
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// roundSig rounds v to digits significant digits.
func roundSig(v float64, digits int) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	return round(v, digits-1-int(math.Floor(math.Log10(math.Abs(v)))))
}

// median is the middle value (the mean of the two middle values for an
// even count), as Python's statistics.median.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	k := len(s)
	if k%2 == 1 {
		return s[k/2]
	}
	return (s[k/2-1] + s[k/2]) / 2
}

// bfloat16 turns the backend's bfloat16 mode on for --precision bfloat16
// (float32 everywhere else, bf16 inputs to the large GEMMs) and returns
// what turns it off again.
func bfloat16(o Options) (func(), error) {
	if o.Precision != "bfloat16" {
		return func() {}, nil
	}
	if _, err := blasbackend.SetBFloat16(true); err != nil {
		return nil, fmt.Errorf("--precision: %w", err)
	}
	return func() { blasbackend.SetBFloat16(false) }, nil
}

// dtypeOf names a precision as the peers' SUMMARY does: f32, f64, bf16.
func dtypeOf(precision string) string {
	switch precision {
	case "float64":
		return "f64"
	case "bfloat16":
		return "bf16"
	}
	return "f32"
}
