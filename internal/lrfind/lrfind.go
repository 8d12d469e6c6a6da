package lrfind

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/atomicfile"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/optim"
)

// Options are the range test's settings (nnfc lrfind's flags).
type Options struct {
	MinLR, MaxLR float64 // the rates of the first and last step
	Steps        int     // at most this many steps (minibatches)
	Rule         string  // the rule of the suggestion: one of Rules
}

// Defaults are fastai's lr_find defaults (1e-7 to 10 over 100 steps) with
// the auto rule.
func Defaults() Options { return Options{MinLR: 1e-7, MaxLR: 10, Steps: 100, Rule: "auto"} }

// Rules lists the suggestion rules, the default first.
var Rules = []string{"auto", "edge", "valley", "steepest", "minimum"}

// AutoRule is the rule auto stands for with the update rule optRule:
// edge for sgd, momentum and nesterov; steepest for the adaptive rules
// (rmsprop, adam, adamw), whose step does not grow with the gradient, so
// that the loss rises long before it blows up, and may not blow up by
// MaxLR at all. Both measured by make lrfind-check against a 7-point grid
// (with OPT=adamw, steepest came within 0.28 and 0.38 points of the
// grid's best, valley 5.8 and 2.4, edge 2.0 and 2.6).
func AutoRule(optRule string) string {
	switch optRule {
	case "rmsprop", "adam", "adamw":
		return "steepest"
	}
	return "edge"
}

// EdgeDivisor: the edge rule suggests the rate at which the test
// diverged divided by this (an order of magnitude below the blow-up).
const EdgeDivisor = 10

// Check reports the first bad option, naming its flag.
func (o Options) Check() error {
	switch {
	case !(o.MinLR > 0) || math.IsInf(o.MinLR, 0):
		return fmt.Errorf("--min-lr: must be > 0, got %g", o.MinLR)
	case !(o.MaxLR > o.MinLR) || math.IsInf(o.MaxLR, 0):
		return fmt.Errorf("--max-lr: must be above --min-lr (%g) and finite, got %g", o.MinLR, o.MaxLR)
	case o.Steps < 20 || o.Steps > 100000:
		return fmt.Errorf("--steps: must be in [20, 100000] (the suggestion skips the first tenth and the last 5 steps), got %d", o.Steps)
	case !slices.Contains(Rules, o.Rule):
		return fmt.Errorf("--rule: must be one of %s, got %q", strings.Join(Rules, ", "), o.Rule)
	}
	return nil
}

// Result is a range test: what was run, each step's rate and loss, and
// the suggestions. It is written as JSON (lrfind.json).
type Result struct {
	Config    string  `json:"config"`
	Rule      string  `json:"rule"`       // the rule of the suggestion
	RuleAsked string  `json:"rule_asked"` // --rule: Rule, or auto
	Suggested float64 `json:"suggested_lr"`
	// The rates each rule gives: Edge (DivergedLR / EdgeDivisor; 0 when
	// the test did not diverge), Valley, Steepest, and the rate of the
	// smoothed minimum over 10 (rule minimum).
	Edge        float64 `json:"edge_lr"`
	Valley      float64 `json:"valley_lr"`
	Steepest    float64 `json:"steepest_lr"`
	MinimumBy10 float64 `json:"minimum_lr_div10"`
	MinLR       float64 `json:"min_lr"`
	MaxLR       float64 `json:"max_lr"`
	Steps       int     `json:"steps"`     // asked
	StepsRun    int     `json:"steps_run"` // recorded
	// Stopped says why the test ended: "completed", or the divergence;
	// DivergedLR is the rate of the step that diverged (0: none did).
	Stopped    string    `json:"stopped"`
	DivergedLR float64   `json:"diverged_lr"`
	Optimizer  string    `json:"optimizer"`
	BatchSize  int       `json:"batch_size"`
	LR         []float64 `json:"lr"`
	Loss       []float64 `json:"loss"`
	Smoothed   []float64 `json:"smoothed_loss"`
}

// Beta is the smoothing of the loss (fastai's AvgSmoothLoss).
const Beta = 0.98

// divergeFactor: the test stops once the smoothed loss exceeds this many
// times its minimum (fastai's stop_div).
const divergeFactor = 4

// Run runs the range test of the run c describes (its data, network,
// seed, update rule, batch size; not its schedule): from the fresh
// network, Steps minibatches in the order of the run's shuffles, the
// rate of step i (0-based) MinLR·(MaxLR/MinLR)^(i/(Steps−1)). When the
// curve is recorded but no rate can be suggested (it diverged too early;
// or, for rule edge, not at all), Run returns the result with the error,
// so that the curve can still be written.
func Run(c config.Config, o Options) (*Result, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	if c.Precision == "float64" {
		return run[float64](c, o)
	}
	return run[float32](c, o) // bfloat16 runs in float32: the curve's shape is the same
}

func run[T layers.Float](c config.Config, o Options) (*Result, error) {
	splits, err := train.LoadData(c, nil)
	if err != nil {
		return nil, err
	}
	net, err := train.NewNet[T](c, splits)
	if err != nil {
		return nil, err
	}
	opt, err := optim.New(c.Optimizer.Config, net.Params())
	if err != nil {
		return nil, fmt.Errorf("optimizer: %v", err)
	}
	if c.Train.GradClip > 0 {
		opt = optim.Clip(opt, net.Params(), c.Train.GradClip)
	}
	tr := splits.Train
	bs := min(c.Train.BatchSize, tr.N)
	perEpoch := tr.N / bs // whole batches only: batch norm needs two samples
	perm := make([]int, tr.N)
	x, y := &layers.Matrix[T]{}, make([]int32, bs)
	v, w := &layers.Matrix[T]{}, make([]T, bs)
	rule := o.Rule
	if rule == "auto" {
		rule = AutoRule(c.Optimizer.Rule)
	}
	r := &Result{Rule: rule, RuleAsked: o.Rule, MinLR: o.MinLR, MaxLR: o.MaxLR, Steps: o.Steps, Stopped: "completed",
		Optimizer: c.Optimizer.Rule, BatchSize: bs}
	bl := blasbackend.BeginLoop()
	defer bl.End()
	var avg, best float64
	for i := 0; i < o.Steps; i++ {
		e, b := i/perEpoch, i%perEpoch
		if b == 0 {
			for j := range perm {
				perm[j] = j
			}
			data.Shuffle(perm, rand.New(rand.NewPCG(c.Seed, shuffleStream+uint64(e))))
		}
		idx := perm[b*bs : (b+1)*bs]
		x.Resize(bs, tr.D)
		data.Gather(tr, idx, x.Data, y)
		tgt := train.BatchTarget(tr, idx, y, v, w)
		if len(net.Dropout) > 0 {
			net.SeedDropout(c.Seed ^ uint64(e)<<32 ^ uint64(b))
		}
		lr := o.MinLR * math.Pow(o.MaxLR/o.MinLR, float64(i)/float64(o.Steps-1))
		loss, _ := net.TrainStep(x, tgt, opt, lr)
		bl.Step()
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			r.Stopped = fmt.Sprintf("diverged: the loss became %v at step %d (lr %.3g)", loss, i+1, lr)
			r.DivergedLR = lr
			break
		}
		avg = Beta*avg + (1-Beta)*loss
		smooth := avg / (1 - math.Pow(Beta, float64(i+1)))
		r.LR, r.Loss, r.Smoothed = append(r.LR, lr), append(r.Loss, loss), append(r.Smoothed, smooth)
		if i == 0 || smooth < best {
			best = smooth
		}
		if smooth > divergeFactor*best {
			r.Stopped = fmt.Sprintf("diverged: the smoothed loss %.4g passed %d× its minimum %.4g at step %d (lr %.3g)", smooth, divergeFactor, best, i+1, lr)
			r.DivergedLR = lr
			break
		}
	}
	r.StepsRun = len(r.LR)
	return r, r.suggest()
}

// shuffleStream is the random stream of the test's minibatch order (a
// run's epochs use their own): the same batches for the same seed.
const shuffleStream = 5 << 32

// suggest fills in the rules' rates: valley, steepest and minimum from
// the smoothed curve without its first tenth and last five steps, edge
// from the rate that diverged.
func (r *Result) suggest() error {
	lo, hi := r.Steps/10, len(r.LR)-5
	if hi-lo < 3 {
		return fmt.Errorf("the loss diverged after %d of %d steps (%s), too early to suggest a rate: lower --min-lr or --max-lr (%g..%g)",
			len(r.LR), r.Steps, r.Stopped, r.MinLR, r.MaxLR)
	}
	lrs, losses := r.LR[lo:hi], r.Smoothed[lo:hi]
	r.Valley = lrs[Valley(losses)]
	r.Steepest = lrs[Steepest(lrs, losses)]
	m := 0
	for i, l := range losses {
		if l < losses[m] {
			m = i
		}
	}
	r.MinimumBy10 = lrs[m] / 10
	if r.DivergedLR > 0 {
		r.Edge = r.DivergedLR / EdgeDivisor
	}
	switch r.Rule {
	case "valley":
		r.Suggested = r.Valley
	case "steepest":
		r.Suggested = r.Steepest
	case "minimum":
		r.Suggested = r.MinimumBy10
	default:
		if r.Edge == 0 {
			rule := "--rule edge"
			if r.RuleAsked == "auto" {
				rule = "--rule auto (edge for " + r.Optimizer + ")"
			}
			return fmt.Errorf("%s: the loss did not diverge by --max-lr %g (%d steps, %s); raise --max-lr, or choose --rule valley, steepest or minimum", rule, r.MaxLR, len(r.LR), r.Stopped)
		}
		r.Suggested = r.Edge
	}
	return nil
}

// Valley is fastai's valley rule: the index 5/9 of the way along the
// longest decreasing subsequence of losses (from its start, by
// int(len/3) + int(len/3/2) steps, with len its span in steps).
func Valley(losses []float64) int {
	n := len(losses)
	lds := make([]int, n)
	for i := range lds {
		lds[i] = 1
	}
	maxStart, maxEnd := 0, 0
	for i := 1; i < n; i++ {
		for j := 0; j < i; j++ {
			if losses[i] < losses[j] && lds[i] < lds[j]+1 {
				lds[i] = lds[j] + 1
			}
			if lds[maxEnd] < lds[i] {
				maxEnd = i
				maxStart = maxEnd - lds[maxEnd]
			}
		}
	}
	sections := float64(maxEnd-maxStart) / 3
	return maxStart + int(sections) + int(sections/2)
}

// Steepest is the index where losses fall fastest against log(lr): the
// most negative (loss[i+1] − loss[i])/(log lr[i+1] − log lr[i]), at i.
func Steepest(lrs, losses []float64) int {
	best, at := math.Inf(1), 0
	for i := 0; i+1 < len(losses); i++ {
		g := (losses[i+1] - losses[i]) / (math.Log(lrs[i+1]) - math.Log(lrs[i]))
		if g < best {
			best, at = g, i
		}
	}
	return at
}

// Write writes lrfind.json and lrfind.png into dir (created if needed)
// and returns their paths.
func (r *Result) Write(dir string) (jsonPath, pngPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("--out: %v", err)
	}
	jsonPath, pngPath = filepath.Join(dir, "lrfind.json"), filepath.Join(dir, "lrfind.png")
	if err := atomicfile.Write(jsonPath, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}); err != nil {
		return "", "", err
	}
	var marks []plots.LRMark
	for _, m := range []struct {
		rule, name string
		lr         float64
	}{{"edge", fmt.Sprintf("edge = diverged %.3g / %d", r.DivergedLR, EdgeDivisor), r.Edge},
		{"valley", "valley", r.Valley}, {"steepest", "steepest", r.Steepest}, {"minimum", "minimum / 10", r.MinimumBy10}} {
		if m.lr > 0 && (m.rule != "minimum" || r.Rule == "minimum") {
			marks = append(marks, plots.LRMark{Name: m.name, LR: m.lr, Loss: r.at(m.lr), Chosen: r.Rule == m.rule})
		}
	}
	png, err := plots.LRFindPNG(plots.LRFind{Title: fmt.Sprintf("LR range test: %s, %s, batch %d", filepath.Base(r.Config), r.Optimizer, r.BatchSize),
		LR: r.LR, Loss: r.Loss, Smoothed: r.Smoothed, Marks: marks})
	if err != nil {
		return "", "", err
	}
	if err := atomicfile.Write(pngPath, 0o644, func(w io.Writer) error {
		_, err := w.Write(png)
		return err
	}); err != nil {
		return "", "", err
	}
	return jsonPath, pngPath, nil
}

// at is the smoothed loss of the step whose rate is nearest lr (on the
// log scale).
func (r *Result) at(lr float64) float64 {
	best, at := math.Inf(1), -1
	for i, v := range r.LR {
		if d := math.Abs(math.Log(v / lr)); d < best {
			best, at = d, i
		}
	}
	if at < 0 {
		return math.NaN()
	}
	return r.Smoothed[at]
}
