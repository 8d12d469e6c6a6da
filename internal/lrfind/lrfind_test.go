package lrfind

import (
	"math"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/optim"
)

// TestRules checks the two suggestion rules on curves whose answers are
// worked out by hand.
func TestRules(t *testing.T) {
	// Valley: the longest decreasing subsequence of 5 6 4 3 7 2 1 8 9
	// is 5 4 3 2 1 (indices 0, 2, 3, 5, 6). fastai's bookkeeping:
	// max_end 6, lds 5, max_start 6 − 5 = 1; sections 5/3: index
	// 1 + 1 + 0 = 2. (These answers are fastai's valley() run in Python.)
	if got := Valley([]float64{5, 6, 4, 3, 7, 2, 1, 8, 9}); got != 2 {
		t.Errorf("Valley = %d, want 2", got)
	}
	// A curve flat, falling, then rising: the longest descent is 2 1.9
	// ... 0.45 (8 values ending at index 8; max_start 0): sections 8/3,
	// index 0 + 2 + 1 = 3.
	losses := []float64{2, 2, 1.9, 1.7, 1.4, 1.0, 0.7, 0.5, 0.45, 0.6, 1.5, 3}
	if got := Valley(losses); got != 3 {
		t.Errorf("Valley = %d, want 3", got)
	}
	// Steepest: rates ×10 per step, so the slope is the loss difference
	// over log 10: the biggest drop, 1.4 → 1.0, starts at index 4.
	lrs := make([]float64, len(losses))
	for i := range lrs {
		lrs[i] = math.Pow(10, float64(i-8))
	}
	if got := Steepest(lrs, losses); got != 4 {
		t.Errorf("Steepest = %d, want 4", got)
	}
}

// TestSuggestTooEarly: a test that diverged within its first steps
// says so instead of suggesting a rate.
func TestSuggestTooEarly(t *testing.T) {
	r := &Result{Steps: 100, LR: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Smoothed: make([]float64, 12), Stopped: "diverged", MinLR: 1, MaxLR: 100}
	if err := r.suggest(); err == nil {
		t.Error("suggested a rate from 12 steps of 100")
	}
}

// synthetic is a range test of 100 steps from 1e-7 with ten steps a
// decade, whose smoothed curve is flat at 2.4 to step 50, falls as half
// a cosine to 0.4 at step 81 (fastest between steps 65 and 66), and
// rises after it; it "diverged" at step 95, rate 10^2.5.
func synthetic(rule string, diverged bool) *Result {
	r := &Result{Rule: rule, Steps: 100, MinLR: 1e-7, MaxLR: 1e3, Stopped: "completed"}
	n := 95
	if diverged {
		r.Stopped, r.DivergedLR = "diverged", math.Pow(10, 2.5)
	}
	for i := 0; i < n; i++ {
		l := 2.4
		switch {
		case i >= 50 && i <= 81:
			l = 1.4 + math.Cos(math.Pi*float64(i-50)/31)
		case i > 81:
			l = 0.4 + 0.1*float64(i-81)
		}
		r.LR = append(r.LR, 1e-7*math.Pow(10, float64(i)/10))
		r.Loss, r.Smoothed = append(r.Loss, l), append(r.Smoothed, l)
	}
	return r
}

// TestSuggestRules: each rule's rate on the synthetic curve, worked out
// by hand (the suggestion looks at steps 10 to 89: the first tenth and
// the last five are cut).
func TestSuggestRules(t *testing.T) {
	rate := func(i int) float64 { return 1e-7 * math.Pow(10, float64(i)/10) }
	// valley: the longest strictly decreasing run is steps 50..81 (32
	// values; the flat start does not count); fastai's max_start is
	// 81 − 32 = 49, sections 32/3: step 49 + 10 + 5 = 64.
	want := map[string]float64{"edge": math.Pow(10, 2.5) / 10, "valley": rate(64), "steepest": rate(65), "minimum": rate(81) / 10}
	for _, rule := range Rules[1:] {
		r := synthetic(rule, true)
		if err := r.suggest(); err != nil {
			t.Fatalf("%s: %v", rule, err)
		}
		if got := r.Suggested; math.Abs(got-want[rule]) > 1e-9*want[rule] {
			t.Errorf("rule %s suggests %g, want %g", rule, got, want[rule])
		}
		if r.Edge != want["edge"] || math.Abs(r.Valley-want["valley"]) > 1e-9*want["valley"] {
			t.Errorf("rule %s: edge %g, valley %g", rule, r.Edge, r.Valley)
		}
	}
	// Twin: the same curve without a divergence has no edge; the rule
	// says so in one line, the other rules still suggest.
	r := synthetic("edge", false)
	if err := r.suggest(); err == nil || r.Edge != 0 || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "--max-lr 1000") {
		t.Errorf("edge without a divergence: %v (edge %g)", err, r.Edge)
	}
	r = synthetic("valley", false)
	if err := r.suggest(); err != nil || r.Suggested != r.Valley {
		t.Errorf("valley without a divergence: %v, %g", err, r.Suggested)
	}
}

// TestCheckRule: a rule not in Rules is one line naming --rule.
func TestCheckRule(t *testing.T) {
	o := Defaults()
	if o.Rule != "auto" || o.Check() != nil {
		t.Fatalf("defaults %+v: %v", o, o.Check())
	}
	o.Rule = "lowest"
	if err := o.Check(); err == nil || err.Error() != `--rule: must be one of auto, edge, valley, steepest, minimum, got "lowest"` {
		t.Errorf("--rule lowest: %v", err)
	}
}

// TestAutoRule: auto is edge for the SGD family, steepest for the adaptive
// rules, and names every update rule.
func TestAutoRule(t *testing.T) {
	want := map[string]string{"sgd": "edge", "momentum": "edge", "nesterov": "edge", "rmsprop": "steepest", "adam": "steepest", "adamw": "steepest"}
	for _, rule := range optim.Rules {
		if got := AutoRule(rule); got != want[rule] {
			t.Errorf("AutoRule(%s) = %s, want %q", rule, got, want[rule])
		}
	}
	r := synthetic("edge", false)
	r.RuleAsked, r.Optimizer = "auto", "nesterov"
	if err := r.suggest(); err == nil || !strings.HasPrefix(err.Error(), "--rule auto (edge for nesterov): the loss did not diverge") {
		t.Errorf("auto without a divergence: %v", err)
	}
}
