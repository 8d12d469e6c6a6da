package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// expSpecial are the inputs where exp32's and the sigmoid's paths change:
// zeros, infinities, NaNs, subnormals, the largest floats, and the ends of
// exp32's range with their neighbours (as e^x's x, and negated, as σ's z).
func expSpecial() []float32 {
	v := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-8, -1e-8, 0.5, -0.5,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.Float32frombits(0xffc00001),
		math.Float32frombits(0x7f800001) /* signalling NaN */, 1e-40, -1e-40,
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 0x1p-126, -0x1p-126,
		math.MaxFloat32, -math.MaxFloat32, 87.34, -87.34, 88.72, -88.72, 88.73, -88.73, 87.33, -87.33,
		88, -88, 89, -89, 100, -100, 104, -104}
	for _, e := range []float32{exp32Lo, exp32Hi} {
		for _, x := range []float32{e, -e} {
			lo, hi := x, x
			for range 4 {
				lo, hi = math.Nextafter32(lo, float32(math.Inf(-1))), math.Nextafter32(hi, float32(math.Inf(1)))
				v = append(v, lo, hi)
			}
			v = append(v, x)
		}
	}
	return v
}

// swishData returns n inputs: most uniform in [−100, 100], some in a
// narrow band around an end of exp32's range, some from expSpecial.
func swishData(rng *rand.Rand, n int) []float32 {
	sp := expSpecial()
	ends := []float32{exp32Lo, exp32Hi, -exp32Lo, -exp32Hi}
	v := make([]float32, n)
	for i := range v {
		switch rng.IntN(8) {
		case 0:
			v[i] = sp[rng.IntN(len(sp))]
		case 1:
			v[i] = ends[rng.IntN(len(ends))] + float32(rng.Float64()-0.5)*1e-3
		default:
			v[i] = float32(rng.Float64()*200 - 100)
		}
	}
	return v
}

var swishLengths = []int{0, 1, 3, 15, 16, 17, 31, 33, 100, 1000, 4099, 128 * 512}

// TestSwishMatchesReference: Sigmoid32, Swish32 and SwishBackward32 give
// the reference's results bit for bit (C in the cgo build).
func TestSwishMatchesReference(t *testing.T) {
	t.Logf("backend: %s", Backend)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range swishLengths {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			z := swishData(rng, n)
			sig, rsig := make([]float32, n), make([]float32, n)
			Sigmoid32(sig, z)
			sigmoidRef32(rsig, z)
			same32(t, "Sigmoid32", sig, rsig)

			out, rout := make([]float32, n), make([]float32, n)
			sig, rsig = make([]float32, n), make([]float32, n)
			Swish32(out, sig, z)
			swishRef32(rout, rsig, z)
			same32(t, "Swish32 sig", sig, rsig)
			same32(t, "Swish32 out", out, rout)
			// In place (inference): the same bits as Swish32's out, in the
			// C kernel and in the reference.
			inplace := append([]float32(nil), z...)
			SwishInPlace32(inplace)
			same32(t, "SwishInPlace32", inplace, out)
			inplace = append(inplace[:0], z...)
			swishInPlaceRef32(inplace)
			same32(t, "swishInPlaceRef32", inplace, rout)

			// Backward on the forward's σ and h, and on arbitrary values
			// (special ones included) in their place.
			g := swishData(rng, n)
			for _, in := range [][2][]float32{{sig, out}, {swishData(rng, n), swishData(rng, n)}} {
				dx, rdx := make([]float32, n), make([]float32, n)
				SwishBackward32(dx, g, in[0], in[1])
				swishBackwardRef32(rdx, g, in[0], in[1])
				same32(t, "SwishBackward32", dx, rdx)
			}
		})
	}
}

// TestSwishMatchesReferenceSweep runs the forward passes on every 997th
// float32 bit pattern (every exponent, NaN payloads, subnormals) and on
// every float32 within 4096 ulp of the ends of exp32's range, both signs.
func TestSwishMatchesReferenceSweep(t *testing.T) {
	var z []float32
	for u := uint64(0); u < 1<<32; u += 997 {
		z = append(z, math.Float32frombits(uint32(u)))
	}
	for _, e := range []float32{exp32Lo, exp32Hi, -exp32Lo, -exp32Hi} {
		u := math.Float32bits(e)
		for d := uint32(0); d <= 8192; d++ {
			z = append(z, math.Float32frombits(u-4096+d))
		}
	}
	n := len(z)
	sig, out, rsig, rout := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	Swish32(out, sig, z)
	swishRef32(rout, rsig, z)
	same32(t, "Swish32 sig", sig, rsig)
	same32(t, "Swish32 out", out, rout)
	inplace := append([]float32(nil), z...)
	SwishInPlace32(inplace)
	same32(t, "SwishInPlace32", inplace, rout)
	Sigmoid32(sig, z)
	same32(t, "Sigmoid32", sig, rsig)
}

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

// TestSigmoid32Accuracy compares the build's sigmoid and swish with the
// float64 reference over [−100, 100] (both tails included).
func TestSigmoid32Accuracy(t *testing.T) {
	const maxULP = 4
	var z []float32
	for x := float32(-100); x <= 100; x += 1.0 / 512 {
		z = append(z, x)
	}
	sig, out := make([]float32, len(z)), make([]float32, len(z))
	Swish32(out, sig, z)
	for i, x := range z {
		want64 := 1 / (1 + math.Exp(-float64(x)))
		got, want := sig[i], float32(want64)
		if want < math.SmallestNonzeroFloat32*(1<<23) { // subnormal: flushed
			if got > 1e-37 {
				t.Fatalf("σ(%v) = %v, want ≈ 0", x, got)
			}
			continue
		}
		if d := ulps(got, want); d > maxULP {
			t.Fatalf("σ(%v) = %v, float64 reference %v: %g ulp", x, got, want, d)
		}
		if d := ulps(out[i], float32(float64(x)*want64)); x != 0 && d > maxULP+1 {
			t.Fatalf("swish(%v) = %v, float64 reference %v: %g ulp", x, out[i], float64(x)*want64, d)
		}
	}
}

// TestSwishSemantics checks values worked out by hand, so that a wrong
// reference cannot hide behind an equally wrong kernel. Above exp32's
// range of −z, e^(−z) is 0 and σ is exactly 1, so swish(z) = z; below it
// e^(−z) is +Inf and σ is +0, so swish(z) = z·0 = −0 for a finite z < 0
// and NaN for −Inf (−Inf·0).
func TestSwishSemantics(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	z := []float32{0, negZero, 1, 20, 87.4, 100, -88.8, -100, inf, float32(math.Inf(-1)), nan}
	wantSig := []float32{0.5, 0.5, 0, 1, 1, 1, 0, 0, 1, 0, nan}
	wantOut := []float32{0, negZero, 0, 20, 87.4, 100, negZero, negZero, inf, nan, nan}
	sig, out, sig2 := make([]float32, len(z)), make([]float32, len(z)), make([]float32, len(z))
	Swish32(out, sig, z)
	Sigmoid32(sig2, z)
	for i, x := range z {
		if x == 1 { // σ(1) = 0.7310585786…, not exact in float32
			if math.Abs(float64(sig[i])-0.7310585786300049) > 6e-8 || out[i] != sig[i] {
				t.Errorf("z = 1: σ %v, swish %v, want σ = swish ≈ 0.7310586", sig[i], out[i])
			}
			continue
		}
		if !bitsOrNaN(sig[i], wantSig[i]) || !bitsOrNaN(out[i], wantOut[i]) {
			t.Errorf("z = %v: σ %v, swish %v (%#x), want %v, %v (%#x)", x, sig[i], out[i], math.Float32bits(out[i]),
				wantSig[i], wantOut[i], math.Float32bits(wantOut[i]))
		}
		if !bitsOrNaN(sig2[i], sig[i]) {
			t.Errorf("Sigmoid32(%v) = %v, Swish32's σ %v", x, sig2[i], sig[i])
		}
	}
	// Backward, g = 2: at 0, dh/dz = σ(0) = 0.5; where σ = 1 it is 1 (h·0
	// adds nothing); where σ = 0 it is 0 (h = −0); at 1, σ + σ(1−σ) ≈
	// 0.7310586 + 0.1966119 = 0.9276705. At ±Inf, h·(1−σ) is ±Inf·0 = NaN.
	g := []float32{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}
	dx := make([]float32, len(z))
	SwishBackward32(dx, g, sig, out)
	wantDx := []float32{1, 1, 0, 2, 2, 2, 0, 0, nan, nan, nan}
	for i, x := range z {
		if x == 1 {
			if math.Abs(float64(dx[i])-2*0.9276705118714867) > 2.5e-7 {
				t.Errorf("dx at z = 1: %v, want ≈ %v", dx[i], 2*0.9276705118714867)
			}
			continue
		}
		if !bitsOrNaN(dx[i], wantDx[i]) {
			t.Errorf("dx at z = %v: %v, want %v", x, dx[i], wantDx[i])
		}
	}
	// The gradient's own NaN passes through.
	SwishBackward32(dx[:1], []float32{nan}, sig, out)
	if dx[0] == dx[0] {
		t.Errorf("dx for g = NaN: %v, want NaN", dx[0])
	}
}

func bitsOrNaN(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

func TestSwishShapePanics(t *testing.T) {
	for name, f := range map[string]func(){
		"sigmoid dst": func() { Sigmoid32(make([]float32, 3), make([]float32, 4)) },
		"swish out":   func() { Swish32(make([]float32, 3), make([]float32, 4), make([]float32, 4)) },
		"swish sig":   func() { Swish32(make([]float32, 4), make([]float32, 3), make([]float32, 4)) },
		"dx": func() {
			SwishBackward32(make([]float32, 3), make([]float32, 4), make([]float32, 4), make([]float32, 4))
		},
		"sig": func() {
			SwishBackward32(make([]float32, 4), make([]float32, 4), make([]float32, 3), make([]float32, 4))
		},
		"out": func() {
			SwishBackward32(make([]float32, 4), make([]float32, 4), make([]float32, 4), make([]float32, 3))
		},
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

// BenchmarkSwish times the swish forward and backward passes on a 128×512
// batch (the benchmark network's hidden layer), with this build's
// implementation (impl=build) and the Go reference (impl=go). The inputs
// are normal with σ = 4, so the Go reference's tail branch is not taken.
func BenchmarkSwish(b *testing.B) {
	const n = 128 * 512
	rng := rand.New(rand.NewPCG(7, 8))
	z, g := make([]float32, n), make([]float32, n)
	for i := range z {
		z[i], g[i] = float32(rng.NormFloat64()*4), float32(rng.NormFloat64())
	}
	sig, out, dx := make([]float32, n), make([]float32, n), make([]float32, n)
	for _, pass := range []string{"forward", "backward"} {
		for _, impl := range []string{"build", "go"} {
			b.Run(fmt.Sprintf("pass=%s,impl=%s", pass, impl), func(b *testing.B) {
				swishRef32(out, sig, z)
				for i := 0; i < b.N; i++ {
					switch {
					case pass == "forward" && impl == "go":
						swishRef32(out, sig, z)
					case pass == "forward":
						Swish32(out, sig, z)
					case impl == "go":
						swishBackwardRef32(dx, g, sig, out)
					default:
						SwishBackward32(dx, g, sig, out)
					}
				}
			})
		}
	}
}

// BenchmarkExp32 compares exp32 with math.Exp, one call per element.
func BenchmarkExp32(b *testing.B) {
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
