package layers

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps returns the distance between a and b in units in the last place of
// float32 (both finite and of the same sign, or equal).
func ulps(a, b float32) float64 {
	if a == b {
		return 0
	}
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if (ia < 0) != (ib < 0) {
		return math.Inf(1)
	}
	return math.Abs(float64(ia - ib))
}

// TestExp32 compares exp32 with float32(math.Exp) on a dense grid of the
// whole normal range, on random points, at the range ends and on the
// special values.
func TestExp32(t *testing.T) {
	const maxULP = 2
	check := func(x float32) {
		t.Helper()
		got, want := exp32(x), float32(math.Exp(float64(x)))
		if x < exp32Lo { // subnormal results are flushed to zero
			want = 0
		}
		if d := ulps(got, want); d > maxULP {
			t.Fatalf("exp32(%v) = %v, float32(math.Exp) = %v: %g ulp", x, got, want, d)
		}
	}
	for x := float32(-88); x <= 89; x += 1.0 / 1024 {
		check(x)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1_000_000 {
		check(float32(rng.Float64()*(exp32Hi-exp32Lo) + exp32Lo))
	}
	for _, x := range []float32{0, -0, 1, -1, 1e-8, -1e-8, 88, -88, exp32Hi, exp32Lo, 88.72, -87.33,
		math.Nextafter32(exp32Hi, 0), math.Nextafter32(exp32Lo, 0)} {
		check(x)
	}
	for _, c := range []struct{ x, want float32 }{
		{float32(math.Inf(1)), float32(math.Inf(1))},
		{float32(math.Inf(-1)), 0},
		{89, float32(math.Inf(1))},
		{-104, 0},
		{math.MaxFloat32, float32(math.Inf(1))},
		{-math.MaxFloat32, 0},
	} {
		if got := exp32(c.x); got != c.want {
			t.Errorf("exp32(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := exp32(float32(math.NaN())); got == got {
		t.Errorf("exp32(NaN) = %v, want NaN", got)
	}
}

// TestSigmoid32 compares the float32 sigmoid and swish with the float64
// reference over [−100, 100] (both tails included).
func TestSigmoid32(t *testing.T) {
	const maxULP = 4
	for x := float32(-100); x <= 100; x += 1.0 / 512 {
		want64 := 1 / (1 + math.Exp(-float64(x)))
		got, want := sigmoid32(x), float32(want64)
		if want < math.SmallestNonzeroFloat32*(1<<23) { // subnormal: flushed
			if got > 1e-37 {
				t.Fatalf("sigmoid32(%v) = %v, want ≈ 0", x, got)
			}
			continue
		}
		if d := ulps(got, want); d > maxULP {
			t.Fatalf("sigmoid32(%v) = %v, float64 reference %v: %g ulp", x, got, want, d)
		}
		if d := ulps(x*got, float32(float64(x)*want64)); x != 0 && d > maxULP+1 {
			t.Fatalf("swish(%v) = %v, float64 reference %v: %g ulp", x, x*got, float64(x)*want64, d)
		}
	}
	for _, c := range []struct{ x, want float32 }{
		{float32(math.Inf(1)), 1}, {float32(math.Inf(-1)), 0}, {0, 0.5}, {200, 1}, {-200, 0},
	} {
		if got := sigmoid32(c.x); got != c.want {
			t.Errorf("sigmoid32(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := sigmoid32(float32(math.NaN())); got == got {
		t.Errorf("sigmoid32(NaN) = %v, want NaN", got)
	}
}

func BenchmarkExp(b *testing.B) {
	xs := make([]float32, 4096)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range xs {
		xs[i] = float32(rng.NormFloat64() * 4)
	}
	var sink float32
	b.Run("exp32/N=4096", func(b *testing.B) {
		for b.Loop() {
			for _, x := range xs {
				sink += exp32(x)
			}
		}
	})
	b.Run("math.Exp/N=4096", func(b *testing.B) {
		for b.Loop() {
			for _, x := range xs {
				sink += float32(math.Exp(float64(x)))
			}
		}
	})
	_ = sink
}

// TestSigmoid32s checks the slice form against the scalar one, tails and
// NaN included.
func TestSigmoid32s(t *testing.T) {
	var src []float32
	for x := float32(-100); x <= 100; x += 1.0 / 64 {
		src = append(src, x)
	}
	src = append(src, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 88.8, -88.8, 87.4, -87.4)
	dst := make([]float32, len(src))
	sigmoid32s(dst, src)
	for i, x := range src {
		if want := sigmoid32(x); dst[i] != want && !(want != want && dst[i] != dst[i]) {
			t.Fatalf("sigmoid32s at %v = %v, sigmoid32 %v", x, dst[i], want)
		}
	}
}
