package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Named tolerances.
const (
	// tol64 bounds float64 results against the float64 reference: the
	// package hoists Adam's bias corrections, so a few ulps may differ.
	tol64 = 1e-13
	// tol32 bounds float32 results against the float64 reference: state is
	// rounded to float32 (ε ≈ 6e-8) after every step.
	tol32 = 2e-6
	// printed is half a unit in the last place of the cs231n notebook's
	// literals, which are printed with 8 decimals.
	printed = 0.5e-8
	// printedSlack absorbs the float64 rounding of our own computation on
	// top of printed.
	printedSlack = 1e-12
	// courseRelErr is the course's bar: rel_error "around 1e-7 or less".
	courseRelErr = 1e-7
	// courseRelErr32 is the bar for float32 parameters: ε ≈ 6e-8 per
	// rounding, amplified by cancellation (nesterov's first element is
	// -0.4 + 0.48714 = 0.08714, which loses a factor of ~10).
	courseRelErr32 = 1e-6
)

func typeName[T layers.Float]() string {
	var z T
	return fmt.Sprintf("%T", z)
}

func tolFor[T layers.Float]() float64 {
	if typeName[T]() == "float32" {
		return tol32
	}
	return tol64
}

func cfgFor(t *testing.T, rule string) Config {
	t.Helper()
	c, err := Defaults(rule)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newOpt[T layers.Float](t testing.TB, c Config, ps []*layers.Param[T]) Optimizer[T] {
	t.Helper()
	o, err := New(c, ps)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestRulesByHand runs three steps of each rule on a one-element parameter
// with a constant gradient, where the trajectory can be worked out on paper.
func TestRulesByHand(t *testing.T) {
	t.Run("T=float64", testRulesByHand[float64])
	t.Run("T=float32", testRulesByHand[float32])
}

func testRulesByHand[T layers.Float](t *testing.T) {
	// rmsprop, decay 0.99, g = 1 from cache 0: cache_t = 1 − 0.99ᵗ, i.e.
	// 0.01, 0.0199, 0.029701, and each step moves w by lr/(√cache_t + eps).
	r1 := 0.1 / (math.Sqrt(0.01) + 1e-8)
	r2 := 0.1 / (math.Sqrt(0.0199) + 1e-8)
	r3 := 0.1 / (math.Sqrt(0.029701) + 1e-8)
	// adam with a constant g: m_t = (1−β1ᵗ)·g and v_t = (1−β2ᵗ)·g², so the
	// bias-corrected m̂ = g and v̂ = g² at every t, and each step moves w by
	// lr·g/(|g| + eps). With lr = 0.1 and g = 2:
	a := 0.1 * 2 / (2 + 1e-8)
	// adamw additionally takes lr·wd·w_prev = 0.001·w_prev when Decay:
	w1 := 1 - a - 0.001*1
	w2 := w1 - a - 0.001*w1
	w3 := w2 - a - 0.001*w2

	for _, tc := range []struct {
		rule  string
		decay bool
		w0, g float64
		want  [3]float64
	}{
		// w −= 0.1·0.5 three times.
		{rule: "sgd", w0: 1, g: 0.5, want: [3]float64{0.95, 0.90, 0.85}},
		// v = −0.1, −0.19, −0.271; w = Σv.
		{rule: "momentum", w0: 0, g: 1, want: [3]float64{-0.1, -0.29, -0.561}},
		// v as momentum; w += −0.9·v_prev + 1.9·v:
		// 0 + 0 − 0.19; −0.19 + 0.09 − 0.361; −0.461 + 0.171 − 0.5149.
		{rule: "nesterov", w0: 0, g: 1, want: [3]float64{-0.19, -0.461, -0.8049}},
		{rule: "rmsprop", w0: 0, g: 1, want: [3]float64{-r1, -r1 - r2, -r1 - r2 - r3}},
		{rule: "adam", w0: 0, g: 2, want: [3]float64{-a, -2 * a, -3 * a}},
		{rule: "adamw", decay: true, w0: 1, g: 2, want: [3]float64{w1, w2, w3}},
		{rule: "adamw", decay: false, w0: 1, g: 2, want: [3]float64{1 - a, 1 - 2*a, 1 - 3*a}},
	} {
		t.Run(fmt.Sprintf("rule=%s,decay=%v", tc.rule, tc.decay), func(t *testing.T) {
			p := layers.NewParam[T]("w", tc.decay, 1)
			p.Data[0], p.Grad[0] = T(tc.w0), T(tc.g)
			o := newOpt(t, cfgFor(t, tc.rule), []*layers.Param[T]{p})
			for k, want := range tc.want {
				o.Step(0.1)
				if got := float64(p.Data[0]); !scalar.EqualWithinAbsOrRel(got, want, tolFor[T](), tolFor[T]()) {
					t.Errorf("step %d: w = %.17g, want %.17g", k+1, got, want)
				}
			}
			if o.Steps() != 3 {
				t.Errorf("Steps() = %d, want 3", o.Steps())
			}
			if float64(p.Grad[0]) != tc.g {
				t.Errorf("Step changed the gradient to %v", p.Grad[0])
			}
		})
	}
}

// refParam is one parameter of the float64 reference: its value, gradient,
// and up to two state tensors (velocity or cache in s1; Adam's m, v in s1, s2).
type refParam struct {
	w, dw, s1, s2 []float64
	decay         bool
}

// refStep is a line-by-line transcription of cs231n's optim.py into Go, one
// element at a time, plus AdamW per Loshchilov and Hutter (Algorithm 2,
// line 12, with schedule multiplier 1). t is the step count after this step.
// It shares no code with the package.
func refStep(rule string, c Config, lr float64, p *refParam, t int) {
	for i := range p.w {
		w, dw := p.w[i], p.dw[i]
		switch rule {
		case "sgd":
			w -= lr * dw
		case "momentum":
			v := c.Momentum*p.s1[i] - lr*dw
			w += v
			p.s1[i] = v
		case "nesterov":
			vPrev := p.s1[i]
			v := c.Momentum*p.s1[i] - lr*dw
			w += -c.Momentum*vPrev + (1+c.Momentum)*v
			p.s1[i] = v
		case "rmsprop":
			cache := c.Decay*p.s1[i] + (1-c.Decay)*(dw*dw)
			w -= lr * dw / (math.Sqrt(cache) + c.Eps)
			p.s1[i] = cache
		case "adam", "adamw":
			m := c.Beta1*p.s1[i] + (1-c.Beta1)*dw
			mt := m / (1 - math.Pow(c.Beta1, float64(t)))
			v := c.Beta2*p.s2[i] + (1-c.Beta2)*(dw*dw)
			vt := v / (1 - math.Pow(c.Beta2, float64(t)))
			next := w - lr*mt/(math.Sqrt(vt)+c.Eps)
			if rule == "adamw" && p.decay {
				next -= lr * c.WeightDecay * w
			}
			w = next
			p.s1[i], p.s2[i] = m, v
		}
		p.w[i] = w
	}
}

// TestRulesAgainstReference runs five steps with changing random gradients
// on two parameters (a weight with Decay and a bias without) and compares
// values and state with refStep.
func TestRulesAgainstReference(t *testing.T) {
	t.Run("T=float64", testRulesAgainstReference[float64])
	t.Run("T=float32", testRulesAgainstReference[float32])
}

func testRulesAgainstReference[T layers.Float](t *testing.T) {
	const steps, lr = 5, 0.05
	for _, rule := range Rules {
		t.Run("rule="+rule, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(1, 2))
			// Round every input through T so both sides start equal.
			val := func() float64 { return float64(T(2*rnd.Float64() - 1)) }
			ps := []*layers.Param[T]{layers.NewParam[T]("0.weight", true, 2, 3), layers.NewParam[T]("0.bias", false, 2)}
			refs := make([]*refParam, len(ps))
			for i, p := range ps {
				n := p.Size()
				refs[i] = &refParam{w: make([]float64, n), dw: make([]float64, n), s1: make([]float64, n), s2: make([]float64, n), decay: p.Decay}
				for j := range p.Data {
					refs[i].w[j] = val()
					p.Data[j] = T(refs[i].w[j])
				}
			}
			c := cfgFor(t, rule)
			if rule == "adamw" {
				c.WeightDecay = 0.1 // larger than the default 0.01, so a wrong decay shows
			}
			o := newOpt(t, c, ps)
			for k := 1; k <= steps; k++ {
				for i, p := range ps {
					for j := range p.Grad {
						refs[i].dw[j] = val()
						p.Grad[j] = T(refs[i].dw[j])
					}
					refStep(rule, c, lr, refs[i], k)
				}
				o.Step(lr)
			}
			tol := tolFor[T]()
			st := o.State()
			for i, p := range ps {
				for j := range p.Data {
					if got, want := float64(p.Data[j]), refs[i].w[j]; !scalar.EqualWithinAbsOrRel(got, want, tol, tol) {
						t.Errorf("%s[%d] = %.17g, want %.17g", p.Name, j, got, want)
					}
				}
				// State: one or two tensors per parameter, in s1, s2 order.
				per := len(st) / len(ps)
				for k, s := range st[i*per : (i+1)*per] {
					want := [][]float64{refs[i].s1, refs[i].s2}[k]
					for j := range s.Data {
						if got := float64(s.Data[j]); !scalar.EqualWithinAbsOrRel(got, want[j], tol, tol) {
							t.Errorf("%s[%d] = %.17g, want %.17g", s.Name, j, got, want[j])
						}
					}
				}
			}
		})
	}
}

// linspace is numpy.linspace(start, stop, n).
func linspace(start, stop float64, n int) []float64 {
	out := make([]float64, n)
	step := (stop - start) / float64(n-1)
	for i := range out {
		out[i] = start + float64(i)*step
	}
	out[n-1] = stop
	return out
}

// courseRelError is the course's rel_error: max |x−y| / max(1e-8, |x|+|y|).
func courseRelError(x, y []float64) float64 {
	var e float64
	for i := range x {
		e = math.Max(e, math.Abs(x[i]-y[i])/math.Max(1e-8, math.Abs(x[i])+math.Abs(y[i])))
	}
	return e
}

// TestCS231n reproduces the checks of cs231n assignment 2
// (FullyConnectedNets.ipynb): N, D = 4, 5; w = linspace(-0.4, 0.6);
// dw = linspace(-0.6, 0.4); state = linspace(0.6, 0.9) (Adam: m as that,
// v = linspace(0.7, 0.5), t = 5). The expected arrays are the notebook's
// published literals (sgd_momentum, rmsprop, adam from cs231n's notebook;
// nesterov from the cs231n-derived UCLA ECE 239AS notebook, which uses the
// same update). sgd has no published check and is not here (see
// TestRulesAgainstReference).
func TestCS231n(t *testing.T) {
	t.Run("T=float64", testCS231n[float64])
	t.Run("T=float32", testCS231n[float32])
}

func testCS231n[T layers.Float](t *testing.T) {
	const n = 4 * 5
	velocity := []float64{ // sgd_momentum and nesterov share it
		0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158,
		0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105,
		0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053,
		0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096,
	}
	for _, tc := range []struct {
		rule   string
		lr     float64
		t0     int         // Steps before the step
		init   [][]float64 // initial state tensors, in State order
		wantW  []float64
		wantSt [][]float64
	}{
		{
			rule: "momentum", lr: 1e-3,
			init: [][]float64{linspace(0.6, 0.9, n)},
			wantW: []float64{
				0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789,
				0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526,
				0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263,
				1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096,
			},
			wantSt: [][]float64{velocity},
		},
		{
			rule: "nesterov", lr: 1e-3,
			init: [][]float64{linspace(0.6, 0.9, n)},
			wantW: []float64{
				0.08714, 0.15246105, 0.21778211, 0.28310316, 0.34842421,
				0.41374526, 0.47906632, 0.54438737, 0.60970842, 0.67502947,
				0.74035053, 0.80567158, 0.87099263, 0.93631368, 1.00163474,
				1.06695579, 1.13227684, 1.19759789, 1.26291895, 1.32824,
			},
			wantSt: [][]float64{velocity},
		},
		{
			rule: "rmsprop", lr: 1e-2,
			init: [][]float64{linspace(0.6, 0.9, n)},
			wantW: []float64{
				-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247,
				-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774,
				0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447,
				0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619,
			},
			wantSt: [][]float64{{
				0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321,
				0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377,
				0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936,
				0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926,
			}},
		},
		{
			rule: "adam", lr: 1e-2, t0: 5,
			init: [][]float64{linspace(0.6, 0.9, n), linspace(0.7, 0.5, n)},
			wantW: []float64{
				-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977,
				-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929,
				0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969,
				0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459,
			},
			wantSt: [][]float64{{ // m
				0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474,
				0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316,
				0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158,
				0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85,
			}, { // v
				0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853,
				0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385,
				0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767,
				0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966,
			}},
		},
	} {
		t.Run("rule="+tc.rule, func(t *testing.T) {
			p := layers.NewParam[T]("w", true, 4, 5)
			for j, x := range linspace(-0.4, 0.6, n) {
				p.Data[j] = T(x)
			}
			for j, x := range linspace(-0.6, 0.4, n) {
				p.Grad[j] = T(x)
			}
			o := newOpt(t, cfgFor(t, tc.rule), []*layers.Param[T]{p})
			st := o.State()
			if len(st) != len(tc.init) {
				t.Fatalf("State() has %d tensors, want %d", len(st), len(tc.init))
			}
			for k, s := range st {
				for j, x := range tc.init[k] {
					s.Data[j] = T(x)
				}
			}
			o.SetSteps(tc.t0)
			o.Step(tc.lr)

			check := func(name string, got []T, want []float64) {
				g := make([]float64, len(got))
				for j := range got {
					g[j] = float64(got[j])
				}
				e := courseRelError(g, want)
				t.Logf("%s: course rel_error %.3g", name, e)
				if typeName[T]() == "float32" {
					if e > courseRelErr32 {
						t.Errorf("%s: rel_error %.3g > %g", name, e, courseRelErr32)
					}
					return
				}
				// In float64 the only error is the 8-decimal printing of
				// the literals, so check to that: stricter than rel_error
				// < 1e-7 everywhere except near zero, where the printing
				// itself can exceed 1e-7 relative (adam's 0.01971428).
				for j := range g {
					if d := math.Abs(g[j] - want[j]); d > printed+printedSlack {
						t.Errorf("%s[%d] = %.10f, want %.8f (|diff| %.3g)", name, j, g[j], want[j], d)
					}
				}
			}
			check("next_w", p.Data, tc.wantW)
			for k, s := range st {
				check(s.Name, s.Data, tc.wantSt[k])
			}
			if o.Steps() != tc.t0+1 {
				t.Errorf("Steps() = %d, want %d", o.Steps(), tc.t0+1)
			}
		})
	}
}

// TestResume checks that checkpointing after k steps (parameters, State,
// Steps) and restoring into a fresh optimizer continues exactly as an
// uninterrupted run, bit for bit.
func TestResume(t *testing.T) {
	t.Run("T=float64", testResume[float64])
	t.Run("T=float32", testResume[float32])
}

func testResume[T layers.Float](t *testing.T) {
	const k, total, lr = 3, 8, 0.01
	rnd := rand.New(rand.NewPCG(3, 4))
	shapes := [][]int{{3, 4}, {3}, {2, 3}, {2}}
	names := []string{"0.weight", "0.bias", "1.weight", "1.bias"}
	init := make([][]T, len(shapes))
	grads := make([][][]T, total) // grads[step][param]
	newParams := func() []*layers.Param[T] {
		ps := make([]*layers.Param[T], len(shapes))
		for i, s := range shapes {
			ps[i] = layers.NewParam[T](names[i], len(s) == 2, s...)
		}
		return ps
	}
	for i, p := range newParams() {
		init[i] = make([]T, p.Size())
		for j := range init[i] {
			init[i][j] = T(rnd.NormFloat64())
		}
	}
	for s := range grads {
		grads[s] = make([][]T, len(shapes))
		for i := range init {
			grads[s][i] = make([]T, len(init[i]))
			for j := range grads[s][i] {
				grads[s][i][j] = T(rnd.NormFloat64())
			}
		}
	}
	run := func(o Optimizer[T], ps []*layers.Param[T], from, to int) {
		for s := from; s < to; s++ {
			for i, p := range ps {
				copy(p.Grad, grads[s][i])
			}
			o.Step(lr)
		}
	}
	for _, rule := range Rules {
		t.Run("rule="+rule, func(t *testing.T) {
			c := cfgFor(t, rule)

			// Uninterrupted.
			ref := newParams()
			for i, p := range ref {
				copy(p.Data, init[i])
			}
			oRef := newOpt(t, c, ref)
			run(oRef, ref, 0, total)

			// Interrupted after k steps: checkpoint is deep copies.
			a := newParams()
			for i, p := range a {
				copy(p.Data, init[i])
			}
			oa := newOpt(t, c, a)
			run(oa, a, 0, k)
			ckW := make([][]T, len(a))
			for i, p := range a {
				ckW[i] = slices.Clone(p.Data)
			}
			ckSt := oa.State()
			for i := range ckSt {
				ckSt[i].Data = slices.Clone(ckSt[i].Data)
			}
			ckSteps := oa.Steps()
			run(oa, a, k, k+1) // keep running: the checkpoint must not alias

			// Restore into fresh parameters and optimizer.
			b := newParams()
			for i, p := range b {
				copy(p.Data, ckW[i])
			}
			ob := newOpt(t, c, b)
			st := ob.State()
			if len(st) != len(ckSt) {
				t.Fatalf("fresh State() has %d tensors, checkpoint %d", len(st), len(ckSt))
			}
			for i := range st {
				if st[i].Name != ckSt[i].Name {
					t.Fatalf("State()[%d] is %q, checkpoint has %q", i, st[i].Name, ckSt[i].Name)
				}
				copy(st[i].Data, ckSt[i].Data)
			}
			ob.SetSteps(ckSteps)
			run(ob, b, k, total)

			if ob.Steps() != total {
				t.Errorf("Steps() = %d after resume, want %d", ob.Steps(), total)
			}
			for i := range ref {
				for j := range ref[i].Data {
					if b[i].Data[j] != ref[i].Data[j] {
						t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", ref[i].Name, j, b[i].Data[j], ref[i].Data[j])
					}
				}
			}
			refSt, gotSt := oRef.State(), ob.State()
			for i := range refSt {
				if !slices.Equal(refSt[i].Data, gotSt[i].Data) {
					t.Errorf("%s differs after resume", refSt[i].Name)
				}
			}
		})
	}
}

func TestStateNames(t *testing.T) {
	ps := []*layers.Param[float32]{layers.NewParam[float32]("0.weight", true, 2, 2), layers.NewParam[float32]("0.bias", false, 2)}
	for _, tc := range []struct {
		rule string
		want []string
	}{
		{"sgd", nil},
		{"momentum", []string{"0.weight.velocity", "0.bias.velocity"}},
		{"nesterov", []string{"0.weight.velocity", "0.bias.velocity"}},
		{"rmsprop", []string{"0.weight.cache", "0.bias.cache"}},
		{"adam", []string{"0.weight.m", "0.weight.v", "0.bias.m", "0.bias.v"}},
		{"adamw", []string{"0.weight.m", "0.weight.v", "0.bias.m", "0.bias.v"}},
	} {
		o := newOpt(t, cfgFor(t, tc.rule), ps)
		var got []string
		for i, s := range o.State() {
			got = append(got, s.Name)
			if want := ps[i/max(1, len(tc.want)/len(ps))].Size(); len(s.Data) != want {
				t.Errorf("%s: %s has %d elements, want %d", tc.rule, s.Name, len(s.Data), want)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: State names %q, want %q", tc.rule, got, tc.want)
		}
		// Views, not copies: a write through State is seen by the next call.
		if st := o.State(); len(st) > 0 {
			st[0].Data[0] = 42
			if o.State()[0].Data[0] != 42 {
				t.Errorf("%s: State() returns copies, want views", tc.rule)
			}
		}
	}
}

func TestStepDoesNotAllocate(t *testing.T) {
	ps := []*layers.Param[float32]{layers.NewParam[float32]("0.weight", true, 8, 8), layers.NewParam[float32]("0.bias", false, 8)}
	for _, rule := range Rules {
		o := newOpt(t, cfgFor(t, rule), ps)
		if n := testing.AllocsPerRun(10, func() { o.Step(1e-3) }); n != 0 {
			t.Errorf("%s: Step allocates %v times per call, want 0", rule, n)
		}
	}
}

func TestDefaults(t *testing.T) {
	want := map[string]Config{
		"sgd":      {Rule: "sgd"},
		"momentum": {Rule: "momentum", Momentum: 0.9},
		"nesterov": {Rule: "nesterov", Momentum: 0.9},
		"rmsprop":  {Rule: "rmsprop", Decay: 0.99, Eps: 1e-8},
		"adam":     {Rule: "adam", Beta1: 0.9, Beta2: 0.999, Eps: 1e-8},
		"adamw":    {Rule: "adamw", Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01},
	}
	for _, rule := range Rules {
		c, err := Defaults(rule)
		if err != nil || c != want[rule] {
			t.Errorf("Defaults(%q) = %+v, %v; want %+v", rule, c, err, want[rule])
		}
		if errs := c.Validate(nil); errs != nil {
			t.Errorf("Defaults(%q) does not validate: %v", rule, errs)
		}
	}
	if _, err := Defaults("adagrad"); err == nil || !strings.HasPrefix(err.Error(), "optimizer.rule: unknown rule \"adagrad\"") {
		t.Errorf("Defaults(adagrad) error = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	def := func(rule string, edit func(*Config)) Config {
		c, _ := Defaults(rule)
		if edit != nil {
			edit(&c)
		}
		return c
	}
	set := func(keys ...string) map[string]bool {
		m := map[string]bool{}
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		set  map[string]bool
		want []string
	}{
		{"defaults written out", def("adamw", nil), set("rule", "beta1", "beta2", "eps", "weight_decay"), nil},
		{"beta1 with sgd", def("sgd", nil), set("beta1"), []string{"optimizer.beta1: does not apply to rule sgd"}},
		{"prefixed key", def("sgd", nil), set("optimizer.beta1"), []string{"optimizer.beta1: does not apply to rule sgd"}},
		{"unset inapplicable value ignored", def("sgd", func(c *Config) { c.Beta1 = 7 }), nil, nil},
		{"momentum range", def("momentum", func(c *Config) { c.Momentum = 1.2 }), set("momentum"),
			[]string{"optimizer.momentum: must be in [0,1), got 1.2"}},
		{"momentum NaN", def("nesterov", func(c *Config) { c.Momentum = math.NaN() }), nil,
			[]string{"optimizer.momentum: must be in [0,1), got NaN"}},
		{"weight decay with adam", def("adam", nil), set("weight_decay", "momentum"), []string{
			"optimizer.momentum: does not apply to rule adam",
			"optimizer.weight_decay: does not apply to rule adam",
		}},
		{"every problem reported", def("adamw", func(c *Config) { c.Beta1, c.Beta2, c.Eps, c.WeightDecay = -0.1, 1, 0, -1 }), set("decay"), []string{
			"optimizer.decay: does not apply to rule adamw",
			"optimizer.beta1: must be in [0,1), got -0.1",
			"optimizer.beta2: must be in [0,1), got 1",
			"optimizer.eps: must be > 0, got 0",
			"optimizer.weight_decay: must be >= 0, got -1",
		}},
		{"rmsprop decay", def("rmsprop", func(c *Config) { c.Decay = 1 }), nil, []string{"optimizer.decay: must be in [0,1), got 1"}},
		{"unknown rule", Config{Rule: "adagrad"}, set("beta1"), []string{
			`optimizer.rule: unknown rule "adagrad" (want one of sgd, momentum, nesterov, rmsprop, adam, adamw)`}},
	} {
		var got []string
		for _, e := range tc.cfg.Validate(tc.set) {
			got = append(got, e.Error())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Validate = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	p := func(name string) *layers.Param[float64] { return layers.NewParam[float64](name, true, 2) }
	if _, err := New(Config{Rule: "momentum", Momentum: 1.5}, []*layers.Param[float64]{p("a")}); err == nil ||
		err.Error() != "optimizer.momentum: must be in [0,1), got 1.5" {
		t.Errorf("invalid config: err = %v", err)
	}
	if _, err := New(Config{Rule: "sgd"}, []*layers.Param[float64]{p("a"), p("a")}); err == nil || !strings.Contains(err.Error(), `duplicate parameter name "a"`) {
		t.Errorf("duplicate names: err = %v", err)
	}
	for name, f := range map[string]func(){
		"grad length": func() {
			q := p("a")
			q.Grad = q.Grad[:1]
			_, _ = New(Config{Rule: "sgd"}, []*layers.Param[float64]{q})
		},
		"nil param":        func() { _, _ = New(Config{Rule: "sgd"}, []*layers.Param[float64]{nil}) },
		"negative steps":   func() { o, _ := New(Config{Rule: "sgd"}, []*layers.Param[float64]{}); o.SetSteps(-1) },
		"negative epoch":   func() { (&Constant{LR0: 1}).LR(-1) },
		"clip maxNorm 0":   func() { ClipGlobalNorm([]*layers.Param[float64]{p("a")}, 0) },
		"clip maxNorm NaN": func() { ClipGlobalNorm([]*layers.Param[float64]{p("a")}, math.NaN()) },
	} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.HasPrefix(s, "optim: ") {
					t.Errorf("%s: recovered %v, want a panic prefixed \"optim: \"", name, r)
				}
			}()
			f()
		}()
	}
}

// TestStateCopies: StateCopies agrees with the state tensors each rule
// actually keeps (per parameter).
func TestStateCopies(t *testing.T) {
	ps := []*layers.Param[float32]{layers.NewParam[float32]("w", true, 3, 2), layers.NewParam[float32]("b", false, 3)}
	for _, rule := range Rules {
		cfg, _ := Defaults(rule)
		o, err := New(cfg, ps)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := StateCopies(rule), len(o.State())/len(ps); got != want {
			t.Errorf("%s: StateCopies %d, State holds %d per parameter", rule, got, want)
		}
	}
}

// TestRule32: each float32 rule but SGD hands its kind, this step's
// constants and its state to vec.GemmRule32 (the values its apply passes
// to the rule's vec function); SGD, float64 parameters and a parameter the
// optimizer was not built with get none.
func TestRule32(t *testing.T) {
	ps := []*layers.Param[float32]{layers.NewParam[float32]("w", true, 2, 3), layers.NewParam[float32]("b", false, 2)}
	kinds := map[string]int{"momentum": vec.RuleMomentum, "nesterov": vec.RuleNesterov, "rmsprop": vec.RuleRMSProp, "adam": vec.RuleAdam, "adamw": vec.RuleAdamW}
	for _, rule := range Rules {
		cfg, _ := Defaults(rule)
		o, err := New(cfg, ps)
		if err != nil {
			t.Fatal(err)
		}
		u := o.(Fuser[float32]).Fused(0.5)
		ru, ok := u.(layers.RuleUpdate)
		if !ok {
			t.Fatalf("%s: the update is not a layers.RuleUpdate", rule)
		}
		r, ok := ru.Rule32(ps[0])
		if rule == "sgd" {
			if ok {
				t.Errorf("sgd handed a rule: %+v", r)
			}
			continue
		}
		if !ok || r.Kind != kinds[rule] || len(r.S1) != 6 || (r.S2 != nil) != (rule == "adam" || rule == "adamw") {
			t.Fatalf("%s: rule %+v, %v", rule, r, ok)
		}
		lr := float32(0.5)
		want := map[string][]float32{
			"momentum": {0.9, lr}, "nesterov": {0.9, 1.9, lr}, "rmsprop": {0.99, float32(1 - 0.99), 1e-8, lr},
			"adam": {0.9, float32(1 - 0.9), 0.999, float32(1 - 0.999), float32(0.5 / (1 - 0.9)), float32(1 / math.Sqrt(1-0.999)), 1e-8},
		}
		want["adamw"] = append(want["adam"], float32(0.5*cfg.WeightDecay))
		for i, v := range want[rule] {
			if r.K[i] != v {
				t.Errorf("%s: constant %d is %v, want %v", rule, i, r.K[i], v)
			}
		}
		if _, ok := ru.Rule32(layers.NewParam[float32]("other", true, 2, 3)); ok {
			t.Errorf("%s: a rule for a parameter it was not built with", rule)
		}
	}
	p64 := []*layers.Param[float64]{layers.NewParam[float64]("w", true, 2, 3)}
	o, _ := New(Config{Rule: "adam", Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, p64)
	if _, ok := o.(Fuser[float64]).Fused(0.5).(layers.RuleUpdate).Rule32(layers.NewParam[float32]("w", true, 2, 3)); ok {
		t.Error("a float64 Adam handed a float32 rule")
	}
}
