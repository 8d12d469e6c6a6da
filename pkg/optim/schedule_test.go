package optim

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/nnfc/nnfc/pkg/layers"
)

// tolSchedule bounds schedule values against the hand-computed literals
// below, which are given to 16 significant digits.
const tolSchedule = 1e-15

func mustSchedule(t *testing.T, cfg ScheduleConfig, lr0 float64) Schedule {
	t.Helper()
	s, err := NewSchedule(cfg, lr0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScheduleValues(t *testing.T) {
	def := func(kind string, edit func(*ScheduleConfig)) ScheduleConfig {
		c, err := DefaultSchedule(kind)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  ScheduleConfig
		lr0  float64
		want map[int]float64 // epoch → lr
	}{
		{"constant", def("constant", nil), 0.1, map[int]float64{0: 0.1, 1: 0.1, 99: 0.1}},
		// warmup 4: (e+1)/4 of the rate for e < 4.
		{"constant warmup", def("constant", func(c *ScheduleConfig) { c.Warmup = 4 }), 0.1,
			map[int]float64{0: 0.025, 1: 0.05, 2: 0.075, 3: 0.1, 4: 0.1, 10: 0.1}},
		// the course: lr_decay 0.95 → 1e-3·0.95ᵉ; 0.95¹⁰ = 0.5987369392383789.
		{"exponential", def("exponential", nil), 1e-3,
			map[int]float64{0: 1e-3, 1: 9.5e-4, 2: 9.025e-4, 10: 5.987369392383789e-4}},
		{"exponential gamma 1", def("exponential", func(c *ScheduleConfig) { c.Gamma = 1 }), 1e-3,
			map[int]float64{0: 1e-3, 50: 1e-3}},
		// ⌊e/10⌋ drops of 0.1.
		{"step", def("step", nil), 0.1, map[int]float64{0: 0.1, 9: 0.1, 10: 0.01, 19: 0.01, 25: 0.001}},
		{"step every 3 gamma 0.5 warmup 5", def("step", func(c *ScheduleConfig) { c.Every, c.Gamma, c.Warmup = 3, 0.5, 5 }), 0.1,
			map[int]float64{0: 0.02, 2: 0.06, 3: 0.05 * 0.8, 4: 0.05, 6: 0.025}},
		// 0.05·(1 + cos(πe/10)): cos(0.2π) = 0.8090169943749475.
		{"cosine", def("cosine", func(c *ScheduleConfig) { c.Epochs = 10 }), 0.1,
			map[int]float64{0: 0.1, 2: 0.09045084971874737, 5: 0.05, 10: 0, 12: 0}},
		// 0.01 + 0.09·(1 + cos(πe/10))/2.
		{"cosine min_lr", def("cosine", func(c *ScheduleConfig) { c.Epochs, c.MinLR = 10, 0.01 }), 0.1,
			map[int]float64{0: 0.1, 5: 0.055, 10: 0.01, 11: 0.01}},
		// e=1: 1.0·0.05·(1 + cos(0.1π)), cos(0.1π) = 0.9510565162951535.
		{"cosine warmup", def("cosine", func(c *ScheduleConfig) { c.Epochs, c.Warmup = 10, 2 }), 0.1,
			map[int]float64{0: 0.05, 1: 0.09755282581475768, 5: 0.05}},
		{"plateau before any loss", def("plateau", func(c *ScheduleConfig) { c.Warmup = 2 }), 0.1,
			map[int]float64{0: 0.05, 1: 0.1, 7: 0.1}},
	} {
		s := mustSchedule(t, tc.cfg, tc.lr0)
		for e, want := range tc.want {
			if got := s.LR(e); !scalar.EqualWithinAbsOrRel(got, want, tolSchedule, tolSchedule) {
				t.Errorf("%s: LR(%d) = %.17g, want %.17g", tc.name, e, got, want)
			}
		}
	}
}

// plateauLosses drives TestPlateau: factor 0.5, patience 2, min_delta 0.01,
// min_lr 0.02, lr0 0.1. lr is the rate after observing loss, worked out
// by hand; an improvement needs loss < best − 0.01.
var plateauLosses = []struct {
	loss, lr float64
	bad      int
}{
	{1.0, 0.1, 0},         // first: best = 1.0
	{0.995, 0.1, 1},       // not below 0.99
	{0.98, 0.1, 0},        // best = 0.98
	{0.98, 0.1, 1},        //
	{0.975, 0.1, 2},       // not below 0.97
	{0.99, 0.05, 0},       // third bad epoch > patience: halve, restart count
	{math.NaN(), 0.05, 1}, // NaN is no improvement
	{math.Inf(-1), 0.05, 2},
	{1, 0.025, 0},   // reduce again
	{0.5, 0.025, 0}, // best = 0.5
	{0.5, 0.025, 1},
	{0.5, 0.025, 2},
	{0.5, 0.02, 0}, // 0.0125 clamped to min_lr
	{0.5, 0.02, 1},
	{0.5, 0.02, 2},
	{0.5, 0.02, 0}, // stays at the floor
}

func plateauCfg() ScheduleConfig {
	return ScheduleConfig{Kind: "plateau", Factor: 0.5, Patience: 2, MinDelta: 0.01, MinLR: 0.02}
}

func TestPlateau(t *testing.T) {
	s := mustSchedule(t, plateauCfg(), 0.1).(*ReduceOnPlateau)
	for i, o := range plateauLosses {
		s.Observe(o.loss)
		if got := s.LR(i + 1); !scalar.EqualWithinAbsOrRel(got, o.lr, tolSchedule, tolSchedule) || s.Bad != o.bad {
			t.Errorf("after loss %d (%v): LR = %v, bad = %d; want %v, %d", i, o.loss, got, s.Bad, o.lr, o.bad)
		}
	}
	if s.Best != 0.5 {
		t.Errorf("Best = %v, want 0.5", s.Best)
	}
}

// TestPlateauResume saves the state half way with encoding/json, restores
// it into a fresh schedule, and checks the rest of the run is identical.
func TestPlateauResume(t *testing.T) {
	const k = 7 // after the NaN: Bad is 1 and Current has been reduced once
	ref := mustSchedule(t, plateauCfg(), 0.1)
	a := mustSchedule(t, plateauCfg(), 0.1)
	for _, o := range plateauLosses[:k] {
		ref.Observe(o.loss)
		a.Observe(o.loss)
	}
	blob, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	b := mustSchedule(t, plateauCfg(), 0.1)
	if err := json.Unmarshal(blob, b); err != nil {
		t.Fatal(err)
	}
	var got, want []float64
	for i, o := range plateauLosses[k:] {
		ref.Observe(o.loss)
		b.Observe(o.loss)
		got, want = append(got, b.LR(k+i+1)), append(want, ref.LR(k+i+1))
	}
	if !slices.Equal(got, want) || *b.(*ReduceOnPlateau) != *ref.(*ReduceOnPlateau) {
		t.Errorf("resumed run %v (state %+v), uninterrupted %v (state %+v)", got, b, want, ref)
	}
}

func TestScheduleValidate(t *testing.T) {
	set := func(keys ...string) map[string]bool {
		m := map[string]bool{}
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	for _, tc := range []struct {
		name string
		cfg  ScheduleConfig
		set  map[string]bool
		want []string
	}{
		{"step ok", ScheduleConfig{Kind: "step", Gamma: 0.5, Every: 2}, set("gamma", "every", "warmup"), nil},
		{"gamma above 1", ScheduleConfig{Kind: "exponential", Gamma: 1.5}, nil, []string{"schedule.gamma: must be in (0,1], got 1.5"}},
		{"gamma 0", ScheduleConfig{Kind: "step", Gamma: 0, Every: 1}, nil, []string{"schedule.gamma: must be in (0,1], got 0"}},
		{"every with cosine", ScheduleConfig{Kind: "cosine", Epochs: 5}, set("schedule.every", "gamma"), []string{
			"schedule.gamma: does not apply to kind cosine",
			"schedule.every: does not apply to kind cosine",
		}},
		{"cosine needs epochs", ScheduleConfig{Kind: "cosine"}, nil, []string{"schedule.epochs: must be >= 1, got 0"}},
		{"plateau ranges", ScheduleConfig{Kind: "plateau", Factor: 1, Patience: -1, MinDelta: math.Inf(1), MinLR: -1, Warmup: -2}, nil, []string{
			"schedule.min_lr: must be >= 0, got -1",
			"schedule.warmup: must be >= 0, got -2",
			"schedule.factor: must be in (0,1), got 1",
			"schedule.patience: must be >= 0, got -1",
			"schedule.min_delta: must be >= 0, got +Inf",
		}},
		{"unknown kind", ScheduleConfig{Kind: "linear"}, nil, []string{
			`schedule.kind: unknown kind "linear" (want one of constant, exponential, step, cosine, plateau, onecycle)`}},
		{"onecycle ranges", ScheduleConfig{Kind: "onecycle", Epochs: 0, PctStart: 1, Div: 0.5, DivFinal: math.NaN(), Anneal: "cosine", MinMomentum: 1}, set("warmup"), []string{
			"schedule.epochs: must be >= 1, got 0",
			"schedule.warmup: does not apply to kind onecycle",
			"schedule.pct_start: must be in (0,1), got 1",
			"schedule.div: must be >= 1, got 0.5",
			"schedule.div_final: must be >= 1, got NaN",
			`schedule.anneal: must be cos or linear, got "cosine"`,
			"schedule.min_momentum: must be in [0,1) (0: no momentum cycling), got 1",
		}},
		{"onecycle keys with cosine", ScheduleConfig{Kind: "cosine", Epochs: 5}, set("pct_start", "schedule.min_momentum"), []string{
			"schedule.pct_start: does not apply to kind cosine",
			"schedule.min_momentum: does not apply to kind cosine",
		}},
	} {
		var got []string
		for _, e := range tc.cfg.Validate(tc.set) {
			got = append(got, e.Error())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Validate = %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, kind := range Kinds {
		c, err := DefaultSchedule(kind)
		if kind == "cosine" || kind == "onecycle" {
			c.Epochs = 10
		}
		if err != nil || c.Validate(nil) != nil {
			t.Errorf("DefaultSchedule(%q) = %+v, %v: does not validate: %v", kind, c, err, c.Validate(nil))
		}
	}
	for _, tc := range []struct {
		cfg  ScheduleConfig
		lr0  float64
		want string
	}{
		{ScheduleConfig{Kind: "constant"}, 0, "schedule: base learning rate must be > 0, got 0"},
		{ScheduleConfig{Kind: "cosine", Epochs: 3, MinLR: 0.2}, 0.1, "schedule.min_lr: must be <= the base learning rate 0.1, got 0.2"},
		{ScheduleConfig{Kind: "exponential", Gamma: 2}, 0.1, "schedule.gamma: must be in (0,1], got 2"},
	} {
		if _, err := NewSchedule(tc.cfg, tc.lr0); err == nil || err.Error() != tc.want {
			t.Errorf("NewSchedule(%+v, %v) error = %v, want %q", tc.cfg, tc.lr0, err, tc.want)
		}
	}
}

// TestOneCycleCurve checks one-cycle's rate and momentum, step by step
// over a whole run, against its formula written out independently here
// (fastai's combined_cos: SchedCos(start, end)(pos) = start + (1 +
// cos(π(1 − pos)))·(end − start)/2; SchedLin is start + pos·(end −
// start)), and at hand-computed points: max_lr 0.1, div 25, div_final
// 1e5, pct_start 0.25, 4 epochs of 10 steps, so the peak is at step 10.
func TestOneCycleCurve(t *testing.T) {
	const epochs, steps = 4, 10
	total := float64(epochs * steps)
	for _, anneal := range []string{"cos", "linear"} {
		cfg, err := DefaultSchedule("onecycle")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Epochs, cfg.Anneal, cfg.MinMomentum = epochs, anneal, 0.85
		s := mustSchedule(t, cfg, 0.1).(*OneCycle)
		sched := func(start, end, pos float64) float64 {
			if anneal == "linear" {
				return start + pos*(end-start)
			}
			return start + (1+math.Cos(math.Pi*(1-pos)))*(end-start)/2
		}
		for e := 0; e < epochs+2; e++ {
			for b := 0; b < steps; b++ {
				pos := (float64(e*steps + b)) / total
				var lr, mom float64
				if pos < 0.25 {
					lr, mom = sched(0.1/25, 0.1, pos/0.25), sched(0.95, 0.85, pos/0.25)
				} else {
					f := math.Min(1, (pos-0.25)/0.75)
					lr, mom = sched(0.1, 0.1/1e5, f), sched(0.85, 0.95, f)
				}
				if got := s.StepLR(e, b, steps); !scalar.EqualWithinAbsOrRel(got, lr, 1e-15, 1e-13) {
					t.Errorf("%s: StepLR(%d, %d) = %.17g, want %.17g", anneal, e, b, got, lr)
				}
				if got := s.Momentum(0.95, e, b, steps); !scalar.EqualWithinAbsOrRel(got, mom, 1e-15, 1e-13) {
					t.Errorf("%s: Momentum(0.95, %d, %d) = %.17g, want %.17g", anneal, e, b, got, mom)
				}
			}
			if s.LR(e) != s.StepLR(e, 0, steps) {
				t.Errorf("%s: LR(%d) = %g is not the epoch's first step's rate %g", anneal, e, s.LR(e), s.StepLR(e, 0, steps))
			}
		}
		// Hand-computed points (python3, math.cos).
		want := map[int]float64{0: 0.004, 2: 0.013167184270002533, 5: 0.052, 10: 0.1, 17: 0.08715736970145699, 25: 0.0500005, 39: 0.0002749024925340197, 40: 1e-6}
		if anneal == "linear" {
			want = map[int]float64{0: 0.004, 2: 0.0232, 5: 0.052, 10: 0.1, 17: 0.0766669, 25: 0.0500005, 39: 0.0033343, 40: 1e-6}
		}
		for step, w := range want {
			if got := s.StepLR(step/steps, step%steps, steps); !scalar.EqualWithinAbsOrRel(got, w, 1e-15, 1e-12) {
				t.Errorf("%s: step %d: lr %.17g, want %.17g", anneal, step, got, w)
			}
		}
		// Momentum: 0.95 at the ends, 0.85 at the peak, 0.9 half-way down.
		for step, w := range map[int]float64{0: 0.95, 10: 0.85, 25: 0.9, 40: 0.95} {
			if got := s.Momentum(0.95, step/steps, step%steps, steps); !scalar.EqualWithinAbsOrRel(got, w, 1e-15, 1e-12) {
				t.Errorf("%s: step %d: momentum %.17g, want %.17g", anneal, step, got, w)
			}
		}
	}
	// Without min_momentum the momentum is left as configured.
	s := mustSchedule(t, ScheduleConfig{Kind: "onecycle", Epochs: 2, PctStart: 0.3, Div: 10, DivFinal: 100, Anneal: "cos"}, 1)
	if m := s.(MomentumSchedule).Momentum(0.9, 0, 5, 10); m != 0.9 {
		t.Errorf("momentum without min_momentum: %g, want 0.9", m)
	}
}

// TestSetMomentum: the momentum the one-cycle policy sets reaches the
// rules that have one (through clipping too) and no other.
func TestSetMomentum(t *testing.T) {
	for _, rule := range Rules {
		cfg, _ := Defaults(rule)
		p := []*layers.Param[float64]{{Name: "w", Data: []float64{1, 2}, Grad: []float64{0.5, -1}}}
		opt, err := New(cfg, p)
		if err != nil {
			t.Fatal(err)
		}
		_, _, has := MomentumOf(cfg)
		if got := SetMomentum(Optimizer[float64](Clip(opt, p, 10)), 0.5); got != has {
			t.Errorf("%s: SetMomentum = %v, MomentumOf says %v", rule, got, has)
		}
		var m float64
		switch o := opt.(type) {
		case *Momentum[float64]:
			m = o.Mu
		case *Nesterov[float64]:
			m = o.Mu
		case *Adam[float64]:
			m = o.Beta1
		case *AdamW[float64]:
			m = o.Beta1
		}
		if has && m != 0.5 {
			t.Errorf("%s: momentum %g after SetMomentum(0.5)", rule, m)
		}
	}
}

// TestEMA checks the moving average against its recurrence computed by
// hand: decay 0.9 with TensorFlow's ramp min(0.9, (1+n)/(10+n)): d = 0.1,
// 2/11, 3/12, ... reaching 0.9 at n = 80.
func TestEMA(t *testing.T) {
	w := []float64{1, -2}
	avg := make([]float64, 2)
	e := NewEMA(0.9, [][]float64{w}, [][]float64{avg})
	if avg[0] != 1 || avg[1] != -2 {
		t.Fatalf("the average starts at %v, want a copy of the weights", avg)
	}
	want := []float64{1, -2}
	for n := 0; n < 100; n++ {
		w[0], w[1] = float64(n), -float64(n*n)
		d := math.Min(0.9, float64(1+n)/float64(10+n))
		if r := e.Rate(); r != d {
			t.Fatalf("update %d: rate %g, want %g", n, r, d)
		}
		e.Update()
		for j := range want {
			want[j] = d*want[j] + (1-d)*w[j]
			if avg[j] != want[j] {
				t.Fatalf("update %d: avg[%d] = %.17g, want %.17g", n, j, avg[j], want[j])
			}
		}
	}
	if e.N != 100 || e.Rate() != 0.9 {
		t.Errorf("after 100 updates: N %d, rate %g", e.N, e.Rate())
	}
	// Weights that stay put leave the average where it converges: a
	// wrong sign or a missing (1−d) fails here.
	w[0], w[1] = 3, 3
	for range 400 {
		e.Update()
	}
	if math.Abs(avg[0]-3) > 1e-12 || math.Abs(avg[1]-3) > 1e-12 {
		t.Errorf("average of constant weights %v, want 3, 3", avg)
	}
}
