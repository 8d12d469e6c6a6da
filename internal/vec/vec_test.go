package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// special are the values whose bits the passes must treat exactly as the
// Go reference does.
var special = []float64{0, math.Copysign(0, -1), 1, -1, 1e-40, -1e-40, math.Inf(1), math.Inf(-1), math.NaN(),
	math.Float64frombits(0xfff8000000000001) /* negative NaN */, math.MaxFloat32, -math.MaxFloat32}

// fill returns n values, most uniform in [−2, 2), some from special.
func fill(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		if rng.IntN(8) == 0 {
			v[i] = special[rng.IntN(len(special))]
		} else {
			v[i] = rng.Float64()*4 - 2
		}
	}
	return v
}

func to32(v []float64) []float32 {
	o := make([]float32, len(v))
	for i, x := range v {
		o[i] = float32(x)
		if math.IsNaN(x) && math.Signbit(x) {
			o[i] = math.Float32frombits(0xffc00001)
		}
	}
	return o
}

// same32 and same64 compare bits; two NaNs count as equal (which operand's
// NaN a sum of two NaNs returns depends on the instruction's operand order,
// which the two compilers choose differently).
func same32(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s[%d] = %v (%#x), reference %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

func same64(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Fatalf("%s[%d] = %v (%#x), reference %v (%#x)", what, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

var shapes = [][2]int{{1, 1}, {3, 1}, {1, 17}, {5, 7}, {128, 512}, {33, 100}, {2, 1000}}

// TestMatchesReference: the build's implementation (C in the cgo build)
// gives the reference's results bit for bit, special values included.
func TestMatchesReference(t *testing.T) {
	t.Logf("backend: %s", Backend)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range shapes {
		rows, cols := sh[0], sh[1]
		t.Run(fmt.Sprintf("%dx%d", rows, cols), func(t *testing.T) {
			h, b, d := fill(rng, rows*cols), fill(rng, cols), fill(rng, rows*cols)
			db := fill(rng, cols)

			h32, b32 := to32(h), to32(b)
			r32 := append([]float32(nil), h32...)
			BiasReLU32(h32, cols, b32)
			biasReLURef32(r32, cols, b32)
			same32(t, "BiasReLU32", h32, r32)

			d32, db32 := to32(d), to32(db)
			rd32, rdb32 := append([]float32(nil), d32...), append([]float32(nil), db32...)
			ReLUMaskBiasGrad32(d32, h32, cols, db32)
			reluMaskBiasGradRef32(rd32, h32, cols, rdb32)
			same32(t, "ReLUMaskBiasGrad32 d", d32, rd32)
			same32(t, "ReLUMaskBiasGrad32 db", db32, rdb32)

			h64, r64 := append([]float64(nil), h...), append([]float64(nil), h...)
			BiasReLU64(h64, cols, b)
			biasReLURef64(r64, cols, b)
			same64(t, "BiasReLU64", h64, r64)

			d64, rd64 := append([]float64(nil), d...), append([]float64(nil), d...)
			db64, rdb64 := append([]float64(nil), db...), append([]float64(nil), db...)
			ReLUMaskBiasGrad64(d64, h64, cols, db64)
			reluMaskBiasGradRef64(rd64, h64, cols, rdb64)
			same64(t, "ReLUMaskBiasGrad64 d", d64, rd64)
			same64(t, "ReLUMaskBiasGrad64 db", db64, rdb64)
		})
	}
}

// TestSemantics checks the passes against values worked out by hand, so
// that a wrong reference cannot hide behind an equally wrong kernel.
func TestSemantics(t *testing.T) {
	nan := float32(math.NaN())
	negNaN := math.Float32frombits(0xffc00001)
	negZero := float32(math.Copysign(0, -1))
	h := []float32{1, -3, 0.5, negZero, nan, negNaN, 2, -2}
	b := []float32{1, 1, -1, 0}
	BiasReLU32(h, 4, b)
	want := []float32{2, 0, 0, 0, nan, 0, 1, 0}
	for i := range want {
		if math.Float32bits(h[i]) != math.Float32bits(want[i]) {
			t.Errorf("BiasReLU32: h[%d] = %v (%#x), want %v", i, h[i], math.Float32bits(h[i]), want[i])
		}
	}
	// Backward of that forward: the gradient passes where h ≠ 0 (h[0],
	// h[4] (NaN), h[6]); db sums the two rows.
	d := []float32{10, 20, 30, 40, 50, 60, 70, 80}
	db := []float32{1, 1, 1, 1}
	ReLUMaskBiasGrad32(d, h, 4, db)
	wantD := []float32{10, 0, 0, 0, 50, 0, 70, 0}
	wantDB := []float32{61, 1, 71, 1}
	for i := range wantD {
		if d[i] != wantD[i] {
			t.Errorf("ReLUMaskBiasGrad32: d[%d] = %v, want %v", i, d[i], wantD[i])
		}
	}
	for i := range wantDB {
		if db[i] != wantDB[i] {
			t.Errorf("ReLUMaskBiasGrad32: db[%d] = %v, want %v", i, db[i], wantDB[i])
		}
	}
	h64 := []float64{-1, 3}
	BiasReLU64(h64, 2, []float64{0.5, -1})
	if h64[0] != 0 || h64[1] != 2 || math.Signbit(h64[0]) {
		t.Errorf("BiasReLU64 = %v, want [0 2]", h64)
	}
	d64, db64 := []float64{5, 7}, []float64{0, 0}
	ReLUMaskBiasGrad64(d64, h64, 2, db64)
	if d64[0] != 0 || d64[1] != 7 || db64[0] != 0 || db64[1] != 7 {
		t.Errorf("ReLUMaskBiasGrad64: d %v db %v, want [0 7] [0 7]", d64, db64)
	}
}

func TestShapePanics(t *testing.T) {
	for name, f := range map[string]func(){
		"rows": func() { BiasReLU32(make([]float32, 7), 2, make([]float32, 2)) },
		"bias": func() { BiasReLU64(make([]float64, 8), 4, make([]float64, 3)) },
		"cols": func() { BiasReLU32(make([]float32, 8), 0, nil) },
		"h":    func() { ReLUMaskBiasGrad32(make([]float32, 8), make([]float32, 4), 4, make([]float32, 4)) },
		"db":   func() { ReLUMaskBiasGrad64(make([]float64, 8), make([]float64, 8), 4, make([]float64, 2)) },
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
}

// uniform returns n values uniform in [−2, 2): benchmark data, without
// the subnormals of fill that slow scalar and vector code alike.
func uniform(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.Float64()*4 - 2
	}
	return v
}

// BenchmarkReLUPasses times both passes on a 128×512 batch (the benchmark
// network's hidden layer), with this build's implementation (impl=build)
// and the Go reference (impl=go).
func BenchmarkReLUPasses(b *testing.B) {
	const rows, cols = 128, 512
	rng := rand.New(rand.NewPCG(3, 4))
	fill := uniform
	for _, impl := range []string{"build", "go"} {
		b.Run(fmt.Sprintf("T=float32,impl=%s", impl), func(b *testing.B) {
			h, bias, d, db := to32(fill(rng, rows*cols)), to32(fill(rng, cols)), to32(fill(rng, rows*cols)), make([]float32, cols)
			for i := 0; i < b.N; i++ {
				if impl == "go" {
					biasReLURef32(h, cols, bias)
					reluMaskBiasGradRef32(d, h, cols, db)
				} else {
					BiasReLU32(h, cols, bias)
					ReLUMaskBiasGrad32(d, h, cols, db)
				}
			}
		})
		b.Run(fmt.Sprintf("T=float64,impl=%s", impl), func(b *testing.B) {
			h, bias, d, db := fill(rng, rows*cols), fill(rng, cols), fill(rng, rows*cols), make([]float64, cols)
			for i := 0; i < b.N; i++ {
				if impl == "go" {
					biasReLURef64(h, cols, bias)
					reluMaskBiasGradRef64(d, h, cols, db)
				} else {
					BiasReLU64(h, cols, bias)
					ReLUMaskBiasGrad64(d, h, cols, db)
				}
			}
		})
	}
}
