package vec

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

var optimLengths = []int{0, 1, 3, 15, 16, 17, 31, 33, 1000, 4099}

// optimExtra are more special values for the optimizer rules: float32's
// smallest subnormal and a huge value near its top (products overflow),
// and float64's subnormals and huge values (kept by fill64 only).
var (
	optimExtra32 = []float64{1e-45, -1e-45, 3e38, -3e38, 1e-20, 1e20}
	optimExtra64 = []float64{5e-324, -1e-310, 1e300, -1e300, 1e-160, 1e160}
)

// optimFill returns n values: fill's (uniform in [−2, 2), zeros, ±0, tiny,
// huge, ±Inf, NaNs), with some of extra mixed in.
func optimFill(rng *rand.Rand, n int, extra []float64) []float64 {
	v := fill(rng, n)
	for i := range v {
		if rng.IntN(16) == 0 {
			v[i] = extra[rng.IntN(len(extra))]
		}
	}
	return v
}

// optimScalars returns k per-step constants: typical values for set 0,
// values drawn like the data (special values included) for the others.
func optimScalars(rng *rand.Rand, set, k int, typical []float64, extra []float64) []float64 {
	if set == 0 {
		return typical[:k]
	}
	s := optimFill(rng, k, extra)
	for i := range s {
		if rng.IntN(2) == 0 { // keep most sets mostly finite
			s[i] = typical[i] * (0.5 + rng.Float64())
		}
	}
	return s
}

// The typical per-step constants, in each rule's argument order:
// momentum μ, lr; Nesterov μ, 1+μ, lr; RMSProp decay, 1−decay, eps, lr;
// Adam β1, 1−β1, β2, 1−β2, a, s, eps, wd.
var (
	typMomentum = []float64{0.9, 1e-2}
	typNesterov = []float64{0.9, 1.9, 1e-2}
	typRMSProp  = []float64{0.99, 0.01, 1e-8, 1e-3}
	typAdam     = []float64{0.9, 0.1, 0.999, 0.001, 1e-3 / 0.1, 1 / math.Sqrt(0.001), 1e-8, 1e-5}
)

func f32s(v []float64) []float32 {
	o := make([]float32, len(v))
	for i, x := range v {
		o[i] = float32(x)
	}
	return o
}

func clone32(v []float32) []float32 { return append([]float32(nil), v...) }
func clone64(v []float64) []float64 { return append([]float64(nil), v...) }

// TestOptimMatchesReference: every rule's build implementation (C in the
// cgo build) gives the Go reference's bits, for w and the state, float32
// and float64, over random data with special values, random and special
// constants, and state slices longer than w (their tail is left alone).
func TestOptimMatchesReference(t *testing.T) {
	t.Logf("backend: %s", Backend)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range optimLengths {
		for set := range 4 {
			t.Run(fmt.Sprintf("n=%d,set=%d", n, set), func(t *testing.T) {
				testOptim32(t, rng, n, set)
				testOptim64(t, rng, n, set)
			})
		}
	}
}

func testOptim32(t *testing.T, rng *rand.Rand, n, set int) {
	t.Helper()
	data := func() []float32 { return to32(optimFill(rng, n+3, optimExtra32)) }
	sc := func(typ []float64) []float32 { return f32s(optimScalars(rng, set, len(typ), typ, optimExtra32)) }
	w0, dw := data()[:n], data()
	s1, s2 := data(), data()

	{
		k := sc(typMomentum)
		w, v, rw, rv := clone32(w0), clone32(s1), clone32(w0), clone32(s1)
		Momentum32(w, dw, v, k[0], k[1])
		momentumRef32(rw, dw, rv, k[0], k[1])
		same32(t, "Momentum32 w", w, rw)
		same32(t, "Momentum32 v", v, rv)
	}
	{
		k := sc(typNesterov)
		w, v, rw, rv := clone32(w0), clone32(s1), clone32(w0), clone32(s1)
		Nesterov32(w, dw, v, k[0], k[1], k[2])
		nesterovRef32(rw, dw, rv, k[0], k[1], k[2])
		same32(t, "Nesterov32 w", w, rw)
		same32(t, "Nesterov32 v", v, rv)
	}
	{
		k := sc(typRMSProp)
		w, c, rw, rc := clone32(w0), clone32(s1), clone32(w0), clone32(s1)
		RMSProp32(w, dw, c, k[0], k[1], k[2], k[3])
		rmsPropRef32(rw, dw, rc, k[0], k[1], k[2], k[3])
		same32(t, "RMSProp32 w", w, rw)
		same32(t, "RMSProp32 cache", c, rc)
	}
	k := sc(typAdam)
	{
		w, m, v, rw, rm, rv := clone32(w0), clone32(s1), clone32(s2), clone32(w0), clone32(s1), clone32(s2)
		Adam32(w, dw, m, v, k[0], k[1], k[2], k[3], k[4], k[5], k[6])
		adamRef32(rw, dw, rm, rv, k[0], k[1], k[2], k[3], k[4], k[5], k[6])
		same32(t, "Adam32 w", w, rw)
		same32(t, "Adam32 m", m, rm)
		same32(t, "Adam32 v", v, rv)
	}
	for _, wd := range []float32{k[7], 0} {
		w, m, v, rw, rm, rv := clone32(w0), clone32(s1), clone32(s2), clone32(w0), clone32(s1), clone32(s2)
		AdamW32(w, dw, m, v, k[0], k[1], k[2], k[3], k[4], k[5], k[6], wd)
		adamWRef32(rw, dw, rm, rv, k[0], k[1], k[2], k[3], k[4], k[5], k[6], wd)
		same32(t, fmt.Sprintf("AdamW32(wd=%v) w", wd), w, rw)
		same32(t, "AdamW32 m", m, rm)
		same32(t, "AdamW32 v", v, rv)
	}
}

func testOptim64(t *testing.T, rng *rand.Rand, n, set int) {
	t.Helper()
	data := func() []float64 { return optimFill(rng, n+3, optimExtra64) }
	sc := func(typ []float64) []float64 { return optimScalars(rng, set, len(typ), typ, optimExtra64) }
	w0, dw := data()[:n], data()
	s1, s2 := data(), data()

	{
		k := sc(typMomentum)
		w, v, rw, rv := clone64(w0), clone64(s1), clone64(w0), clone64(s1)
		Momentum64(w, dw, v, k[0], k[1])
		momentumRef64(rw, dw, rv, k[0], k[1])
		same64(t, "Momentum64 w", w, rw)
		same64(t, "Momentum64 v", v, rv)
	}
	{
		k := sc(typNesterov)
		w, v, rw, rv := clone64(w0), clone64(s1), clone64(w0), clone64(s1)
		Nesterov64(w, dw, v, k[0], k[1], k[2])
		nesterovRef64(rw, dw, rv, k[0], k[1], k[2])
		same64(t, "Nesterov64 w", w, rw)
		same64(t, "Nesterov64 v", v, rv)
	}
	{
		k := sc(typRMSProp)
		w, c, rw, rc := clone64(w0), clone64(s1), clone64(w0), clone64(s1)
		RMSProp64(w, dw, c, k[0], k[1], k[2], k[3])
		rmsPropRef64(rw, dw, rc, k[0], k[1], k[2], k[3])
		same64(t, "RMSProp64 w", w, rw)
		same64(t, "RMSProp64 cache", c, rc)
	}
	k := sc(typAdam)
	{
		w, m, v, rw, rm, rv := clone64(w0), clone64(s1), clone64(s2), clone64(w0), clone64(s1), clone64(s2)
		Adam64(w, dw, m, v, k[0], k[1], k[2], k[3], k[4], k[5], k[6])
		adamRef64(rw, dw, rm, rv, k[0], k[1], k[2], k[3], k[4], k[5], k[6])
		same64(t, "Adam64 w", w, rw)
		same64(t, "Adam64 m", m, rm)
		same64(t, "Adam64 v", v, rv)
	}
	for _, wd := range []float64{k[7], 0} {
		w, m, v, rw, rm, rv := clone64(w0), clone64(s1), clone64(s2), clone64(w0), clone64(s1), clone64(s2)
		AdamW64(w, dw, m, v, k[0], k[1], k[2], k[3], k[4], k[5], k[6], wd)
		adamWRef64(rw, dw, rm, rv, k[0], k[1], k[2], k[3], k[4], k[5], k[6], wd)
		same64(t, fmt.Sprintf("AdamW64(wd=%v) w", wd), w, rw)
		same64(t, "AdamW64 m", m, rm)
		same64(t, "AdamW64 v", v, rv)
	}
}

// optimCase is one rule applied to a few elements worked out by hand. The
// values are exact in float32, so both types must give exactly want.
type optimCase struct {
	name          string
	w, dw, s1, s2 []float64 // s1, s2: the rule's state (v; cache; m and v)
	k             []float64 // the constants, in the function's order
	w1, s11, s21  []float64 // w and the state after the step
}

var optimCases = []optimCase{
	{
		// v = 0.5·2 − 0.25·0.5 = 0.875, w = 1 + 0.875;
		// v = 0.5·(−1) − 0.25·4 = −1.5, w = −2 − 1.5.
		name: "momentum", w: []float64{1, -2}, dw: []float64{0.5, 4}, s1: []float64{2, -1},
		k: []float64{0.5, 0.25}, w1: []float64{1.875, -3.5}, s11: []float64{0.875, -1.5},
	},
	{
		// Same v; w = 1 + (−0.5·2 + 1.5·0.875) = 1 + 0.3125;
		// w = −2 + (−0.5·(−1) + 1.5·(−1.5)) = −2 − 1.75.
		name: "nesterov", w: []float64{1, -2}, dw: []float64{0.5, 4}, s1: []float64{2, -1},
		k: []float64{0.5, 1.5, 0.25}, w1: []float64{1.3125, -3.75}, s11: []float64{0.875, -1.5},
	},
	{
		// cache = 0.5·14 + 0.5·2·2 = 9, w = 1 − 1.5·2/(3+1) = 0.25;
		// cache = 0.5·14 + 0.5·(−2)·(−2) = 9, w = 3 − 1.5·(−2)/4 = 3.75;
		// cache = 0.5·(−10) + 0 = −5: √ is NaN, so w is NaN.
		name: "rmsprop", w: []float64{1, 3, 7}, dw: []float64{2, -2, 0}, s1: []float64{14, 14, -10},
		k: []float64{0.5, 0.5, 1, 1.5}, w1: []float64{0.25, 3.75, math.NaN()}, s11: []float64{9, 9, -5},
	},
	{
		// m = 0.5·2 + 0.5·2 = 2, v = 0.5·28 + 0.5·2·2 = 16,
		// w = 1 − 3·2/(4·0.5 + 1) = −1; m = 0 + 0.5·(−2) = −1,
		// v = 0.5·4 + 0.5·4 = 4, w = 5 − 3·(−1)/(2·0.5 + 1) = 6.5;
		// w = +Inf stays +Inf; w = −0 with m = 0: −0 − 0 = −0.
		name: "adam", w: []float64{1, 5, math.Inf(1), math.Copysign(0, -1)}, dw: []float64{2, -2, 1, 0},
		s1: []float64{2, 0, 0, 0}, s2: []float64{28, 4, 2, 1},
		k:   []float64{0.5, 0.5, 0.5, 0.5, 3, 0.5, 1},
		w1:  []float64{-1, 6.5, math.Inf(1), math.Copysign(0, -1)},
		s11: []float64{2, -1, 0.5, 0}, s21: []float64{16, 4, 1.5, 0.5},
	},
	{
		// As adam, minus 0.25·w from before: −1 − 0.25 and 6.5 − 1.25;
		// +Inf − x − 0.25·Inf = NaN; −0 − 0 − 0.25·(−0) = +0.
		name: "adamw", w: []float64{1, 5, math.Inf(1), math.Copysign(0, -1)}, dw: []float64{2, -2, 1, 0},
		s1: []float64{2, 0, 0, 0}, s2: []float64{28, 4, 2, 1},
		k:   []float64{0.5, 0.5, 0.5, 0.5, 3, 0.5, 1, 0.25},
		w1:  []float64{-1.25, 5.25, math.NaN(), 0},
		s11: []float64{2, -1, 0.5, 0}, s21: []float64{16, 4, 1.5, 0.5},
	},
	{
		// AdamW with wd = 0 is not Adam bit for bit: +Inf − x − 0·Inf is
		// NaN, and −0 − 0 − 0·(−0) is +0 where Adam keeps −0.
		name: "adamw0", w: []float64{1, 5, math.Inf(1), math.Copysign(0, -1)}, dw: []float64{2, -2, 1, 0},
		s1: []float64{2, 0, 0, 0}, s2: []float64{28, 4, 2, 1},
		k:   []float64{0.5, 0.5, 0.5, 0.5, 3, 0.5, 1, 0},
		w1:  []float64{-1, 6.5, math.NaN(), 0},
		s11: []float64{2, -1, 0.5, 0}, s21: []float64{16, 4, 1.5, 0.5},
	},
}

func (c optimCase) run32() (w, s1, s2 []float32) {
	w, dw, s1, s2 := f32s(c.w), f32s(c.dw), f32s(c.s1), f32s(c.s2)
	k := f32s(c.k)
	switch c.name {
	case "momentum":
		Momentum32(w, dw, s1, k[0], k[1])
	case "nesterov":
		Nesterov32(w, dw, s1, k[0], k[1], k[2])
	case "rmsprop":
		RMSProp32(w, dw, s1, k[0], k[1], k[2], k[3])
	case "adam":
		Adam32(w, dw, s1, s2, k[0], k[1], k[2], k[3], k[4], k[5], k[6])
	default:
		AdamW32(w, dw, s1, s2, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7])
	}
	return w, s1, s2
}

func (c optimCase) run64() (w, s1, s2 []float64) {
	w, dw, s1, s2 := clone64(c.w), clone64(c.dw), clone64(c.s1), clone64(c.s2)
	k := c.k
	switch c.name {
	case "momentum":
		Momentum64(w, dw, s1, k[0], k[1])
	case "nesterov":
		Nesterov64(w, dw, s1, k[0], k[1], k[2])
	case "rmsprop":
		RMSProp64(w, dw, s1, k[0], k[1], k[2], k[3])
	case "adam":
		Adam64(w, dw, s1, s2, k[0], k[1], k[2], k[3], k[4], k[5], k[6])
	default:
		AdamW64(w, dw, s1, s2, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7])
	}
	return w, s1, s2
}

// TestOptimSemantics checks one step of every rule against values worked
// out by hand, so that a wrong reference cannot hide behind an equally
// wrong kernel. Zeros must have the expected sign; NaN only matches NaN.
func TestOptimSemantics(t *testing.T) {
	eq := func(got, want float64) bool {
		if math.IsNaN(want) {
			return math.IsNaN(got)
		}
		return got == want && math.Signbit(got) == math.Signbit(want)
	}
	check := func(what string, got, want []float64) {
		t.Helper()
		for i := range want {
			if !eq(got[i], want[i]) {
				t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	to64 := func(v []float32) []float64 {
		o := make([]float64, len(v))
		for i, x := range v {
			o[i] = float64(x)
		}
		return o
	}
	for _, c := range optimCases {
		w, s1, s2 := c.run32()
		check(c.name+" float32 w", to64(w), c.w1)
		check(c.name+" float32 state", to64(s1), c.s11)
		check(c.name+" float32 state2", to64(s2), c.s21)
		w64, s164, s264 := c.run64()
		check(c.name+" float64 w", w64, c.w1)
		check(c.name+" float64 state", s164, c.s11)
		check(c.name+" float64 state2", s264, c.s21)
	}
}

// TestOptimPanics: a gradient or state slice shorter than w panics before
// anything is written. With gradients of 1, states of 3 and constants of 1,
// every rule would move every element of w.
func TestOptimPanics(t *testing.T) {
	const n = 8
	fill32 := func(k, x int) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = float32(x)
		}
		return v
	}
	fill64 := func(k, x int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = float64(x)
		}
		return v
	}
	g32, s32, short32 := fill32(n, 1), fill32(n, 3), fill32(n-1, 3)
	g64, s64, short64 := fill64(n, 1), fill64(n, 3), fill64(n-1, 3)
	w32, w64 := fill32(n, 5), fill64(n, 5)
	for name, f := range map[string]func(){
		"Momentum32 dw":   func() { Momentum32(w32, short32, s32, 1, 1) },
		"Momentum32 v":    func() { Momentum32(w32, g32, short32, 1, 1) },
		"Momentum64 dw":   func() { Momentum64(w64, short64, s64, 1, 1) },
		"Momentum64 v":    func() { Momentum64(w64, g64, short64, 1, 1) },
		"Nesterov32 dw":   func() { Nesterov32(w32, short32, s32, 1, 1, 1) },
		"Nesterov32 v":    func() { Nesterov32(w32, g32, short32, 1, 1, 1) },
		"Nesterov64 dw":   func() { Nesterov64(w64, short64, s64, 1, 1, 1) },
		"Nesterov64 v":    func() { Nesterov64(w64, g64, nil, 1, 1, 1) },
		"RMSProp32 dw":    func() { RMSProp32(w32, nil, s32, 1, 1, 1, 1) },
		"RMSProp32 cache": func() { RMSProp32(w32, g32, short32, 1, 1, 1, 1) },
		"RMSProp64 dw":    func() { RMSProp64(w64, short64, s64, 1, 1, 1, 1) },
		"RMSProp64 cache": func() { RMSProp64(w64, g64, short64, 1, 1, 1, 1) },
		"Adam32 dw":       func() { Adam32(w32, short32, s32, s32, 1, 1, 1, 1, 1, 1, 1) },
		"Adam32 m":        func() { Adam32(w32, g32, short32, s32, 1, 1, 1, 1, 1, 1, 1) },
		"Adam32 v":        func() { Adam32(w32, g32, s32, short32, 1, 1, 1, 1, 1, 1, 1) },
		"Adam64 dw":       func() { Adam64(w64, short64, s64, s64, 1, 1, 1, 1, 1, 1, 1) },
		"Adam64 m":        func() { Adam64(w64, g64, short64, s64, 1, 1, 1, 1, 1, 1, 1) },
		"Adam64 v":        func() { Adam64(w64, g64, s64, short64, 1, 1, 1, 1, 1, 1, 1) },
		"AdamW32 dw":      func() { AdamW32(w32, short32, s32, s32, 1, 1, 1, 1, 1, 1, 1, 1) },
		"AdamW32 m":       func() { AdamW32(w32, g32, short32, s32, 1, 1, 1, 1, 1, 1, 1, 1) },
		"AdamW32 v":       func() { AdamW32(w32, g32, s32, short32, 1, 1, 1, 1, 1, 1, 1, 1) },
		"AdamW64 dw":      func() { AdamW64(w64, short64, s64, s64, 1, 1, 1, 1, 1, 1, 1, 1) },
		"AdamW64 m":       func() { AdamW64(w64, g64, short64, s64, 1, 1, 1, 1, 1, 1, 1, 1) },
		"AdamW64 v":       func() { AdamW64(w64, g64, s64, short64, 1, 1, 1, 1, 1, 1, 1, 1) },
		"AdamW64 nil":     func() { AdamW64(w64, nil, nil, nil, 1, 1, 1, 1, 1, 1, 1, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	for i := range n {
		if w32[i] != 5 || w64[i] != 5 || s32[i] != 3 || s64[i] != 3 {
			t.Fatalf("written before the panic: w %v %v, state %v %v", w32, w64, s32, s64)
		}
	}
	// The same calls with full-length slices do move w (the check above
	// means something).
	Momentum32(w32, g32, fill32(n, 3), 1, 1)
	Adam64(w64, g64, fill64(n, 3), fill64(n, 3), 1, 1, 1, 1, 1, 1, 1)
	if w32[0] == 5 || w64[0] == 5 {
		t.Errorf("full-length calls left w at %v, %v", w32[0], w64[0])
	}
}

// BenchmarkOptim times one update of every rule over 407,050 float32
// elements (the 784-512-10 network's parameters), with this build's
// implementation (impl=build) and the Go reference (impl=go).
func BenchmarkOptim(b *testing.B) {
	const n = 407050
	rng := rand.New(rand.NewPCG(9, 10))
	k := f32s(typAdam)
	for _, rule := range []string{"momentum", "nesterov", "rmsprop", "adam", "adamw"} {
		for _, impl := range []string{"build", "go"} {
			w, dw := to32(uniform(rng, n)), to32(uniform(rng, n))
			m, v := to32(uniform(rng, n)), make([]float32, n)
			for i := range v {
				v[i] = float32(rng.Float64()) // a non-negative running average
			}
			// The updates barely move w, m and v, so the data stay in range
			// over many iterations.
			b.Run(fmt.Sprintf("rule=%s,impl=%s,n=%d", rule, impl, n), func(b *testing.B) {
				for b.Loop() {
					switch rule + "/" + impl {
					case "momentum/build":
						Momentum32(w, dw, m, 0.9, 1e-6)
					case "momentum/go":
						momentumRef32(w, dw, m, 0.9, 1e-6)
					case "nesterov/build":
						Nesterov32(w, dw, m, 0.9, 1.9, 1e-6)
					case "nesterov/go":
						nesterovRef32(w, dw, m, 0.9, 1.9, 1e-6)
					case "rmsprop/build":
						RMSProp32(w, dw, v, 0.99, 0.01, 1e-8, 1e-6)
					case "rmsprop/go":
						rmsPropRef32(w, dw, v, 0.99, 0.01, 1e-8, 1e-6)
					case "adam/build":
						Adam32(w, dw, m, v, k[0], k[1], k[2], k[3], 1e-6, k[5], k[6])
					case "adam/go":
						adamRef32(w, dw, m, v, k[0], k[1], k[2], k[3], 1e-6, k[5], k[6])
					case "adamw/build":
						AdamW32(w, dw, m, v, k[0], k[1], k[2], k[3], 1e-6, k[5], k[6], 1e-7)
					case "adamw/go":
						adamWRef32(w, dw, m, v, k[0], k[1], k[2], k[3], 1e-6, k[5], k[6], 1e-7)
					}
				}
			})
		}
	}
}

// TestOptimTeamMatchesReference: the float32 rules shared out over a team
// (SetTeam, the path of a two-thread oneDNN run) give the Go reference's
// bits too, on lengths at and above the size where the team starts and
// split points off 16-element boundaries. In the pure-Go build SetTeam
// does nothing and this repeats TestOptimMatchesReference on longer data.
func TestOptimTeamMatchesReference(t *testing.T) {
	defer SetTeam(Team())
	rng := rand.New(rand.NewPCG(9, 10))
	for _, team := range []int{2, 3} {
		SetTeam(team)
		for _, n := range []int{1 << 15, 1<<15 + 1, 100003} {
			t.Run(fmt.Sprintf("team=%d,n=%d", team, n), func(t *testing.T) {
				testOptim32(t, rng, n, 0)
				testOptim32(t, rng, n, 1)
			})
		}
	}
}

// TestFMA32: the reference's fma32 is a·b + c rounded once to float32 —
// checked against big.Float on random triples and on a triple whose sum,
// rounded first to float64, lands on a float32 midpoint: there the naive
// float32(math.FMA(...)) rounds twice and is wrong (the negative twin).
func TestFMA32(t *testing.T) {
	exact := func(a, b, c float32) float32 {
		p := new(big.Float).SetPrec(200).Mul(big.NewFloat(float64(a)).SetPrec(200), big.NewFloat(float64(b)).SetPrec(200))
		f, _ := p.Add(p, big.NewFloat(float64(c)).SetPrec(200)).Float32()
		return f
	}
	a := float32(math.Ldexp(1+math.Ldexp(1, -18), -24)) // a·b = 2^-24·(1 − 2^-36)
	b := float32(1 - math.Ldexp(1, -18))
	c := float32(1 + math.Ldexp(1, -23))
	if got, want := fma32(a, b, c), exact(a, b, c); got != want || want != c {
		t.Errorf("fma32(%g, %g, %g) = %x, want %x", a, b, c, math.Float32bits(got), math.Float32bits(want))
	}
	if naive := float32(math.FMA(float64(a), float64(b), float64(c))); naive == c {
		t.Errorf("twin: the doubly rounded sum also gives %x", math.Float32bits(naive))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	r := func() float32 { return float32(math.Ldexp(rng.NormFloat64(), rng.IntN(40)-20)) }
	for i := 0; i < 20000; i++ {
		a, b, c := r(), r(), r()
		if got, want := fma32(a, b, c), exact(a, b, c); got != want {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", a, b, c, got, want)
		}
	}
}
