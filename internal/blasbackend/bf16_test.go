//go:build cgo && !purego

package blasbackend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// bf16Ref rounds f to bfloat16 in Go, independently of the C code: round
// to nearest even on the top 16 bits, NaN quiet, denormals to signed zero.
func bf16Ref(f float32) uint16 {
	u := math.Float32bits(f)
	switch {
	case f != f:
		return uint16(u>>16) | 0x40
	case u&0x7f800000 == 0:
		return uint16(u>>16) & 0x8000
	}
	lower := u & 0xffff
	hi := u >> 16
	if lower > 0x8000 || (lower == 0x8000 && hi&1 == 1) {
		hi++
	}
	return uint16(hi)
}

func bf16Value(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// TestBF16Convert: the scalar and the AVX-512 BF16 conversions give the
// bits of bf16Ref for ties (both ways), the largest values (rounding up to
// infinity), NaNs, infinities, zeros, denormals and random values, on one
// and two threads, from a strided source.
func TestBF16Convert(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1,
		math.Float32frombits(0x3f808000),  // tie, even below: stays 0x3f80
		math.Float32frombits(0x3f818000),  // tie, odd below: rounds up to 0x3f82
		math.Float32frombits(0x3f808001),  // above the tie: up
		math.MaxFloat32, -math.MaxFloat32, // round to ±Inf
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(0x7f800001), // signalling NaN: comes out quiet
		math.SmallestNonzeroFloat32, -1e-40, math.Float32frombits(0x00800000)}
	rng := rand.New(rand.NewPCG(7, 9))
	const rows, cols, ld = 67, 131, 140 // rows·cols > the threaded-pack minimum
	src := make([]float32, rows*ld)
	for i := range src {
		src[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6)))
	}
	copy(src, special)
	want := make([]uint16, rows*cols)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			want[r*cols+c] = bf16Ref(src[r*ld+c])
		}
	}
	if want[4] != 0x3f80 || want[5] != 0x3f82 || want[6] != 0x3f81 || want[7] != 0x7f80 {
		t.Fatalf("bf16Ref: ties/overflow wrong: %#x %#x %#x %#x", want[4], want[5], want[6], want[7])
	}
	if !bf16SIMD() {
		t.Log("this CPU has no AVX-512 BF16: both runs take the scalar path")
	}
	for _, simd := range []bool{false, true} {
		for _, team := range []int{1, 2} {
			got := make([]uint16, rows*cols)
			toBF16(team, simd, src, rows, cols, ld, got)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("simd=%v team=%d: element %d (%g, bits %#x): got %#x, want %#x",
						simd, team, i, src[(i/cols)*ld+i%cols], math.Float32bits(src[(i/cols)*ld+i%cols]), got[i], want[i])
				}
			}
		}
	}
}

// TestBF16Gemm: in the bfloat16 mode a large Sgemm equals the product of
// the bf16-rounded inputs (computed in float64) within float32
// accumulation error, for every transpose, alpha 1 and −0.1 (the run-time
// output scale), beta 0, 1 and 0.9 (the float32 temporary), padded
// strides and one to three threads (on two and three, x·Wᵀ and dzᵀ·x
// with beta 0 or 1 run split by rows of W, with uneven shares on three);
// and it is not the float32 product: its
// error against the unrounded inputs is far above the float32 bound
// (the negative twin: a backend that ignored the mode fails it). Off
// again, the same call is float32.
func TestBF16Gemm(t *testing.T) {
	const m, n, k = 128, 300, 1<<23/(128*300) + 1 // just over smallGemm
	for _, threads := range []int{1, 2, 3} {
		useBackend(t, OneDNNName, threads)
		impl, err := SetBFloat16(true)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { SetBFloat16(false) })
		if !strings.Contains(impl, "bf16") && !strings.Contains(impl, "gemm") && !strings.Contains(impl, "brg") {
			t.Errorf("SetBFloat16: kernel %q", impl)
		}
		rng := rand.New(rand.NewPCG(1, uint64(threads)))
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.1, 1}, {-0.1, 0.9}} {
					alpha, beta := ab[0], ab[1]
					const pad = 3
					ra, ca := stored(tA, m, k)
					rb, cb := stored(tB, k, n)
					lda, ldb, ldc := ca+pad, cb+pad, n+pad
					a := to32(randSlice(rng, ra*lda))
					b := to32(randSlice(rng, rb*ldb))
					c := to32(randSlice(rng, m*ldc))
					c0 := append([]float32(nil), c...)
					before, splitBefore := BFloat16Calls(), splitCalls.Load()
					blas32.Implementation().Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
					if BFloat16Calls() != before+1 {
						t.Fatalf("threads %d %c%c alpha %g beta %g: the GEMM did not run in bf16", threads, tA, tB, alpha, beta)
					}
					// Split by rows of W on 2+ threads: x·Wᵀ and dzᵀ·x, beta 0 or 1.
					wantSplit := threads > 1 && (beta == 0 || beta == 1) && ((tA == blas.NoTrans) == (tB == blas.Trans))
					if got := splitCalls.Load() > splitBefore; got != wantSplit {
						t.Errorf("threads %d %c%c alpha %g beta %g: split %v, want %v", threads, tA, tB, alpha, beta, got, wantSplit)
					}
					at := func(s []float32, tr blas.Transpose, ld, i, j int, round bool) float64 {
						v := s[i*ld+j]
						if tr == blas.Trans {
							v = s[j*ld+i]
						}
						if round {
							v = bf16Value(bf16Ref(v))
						}
						return float64(v)
					}
					worstBF, worstF32 := 0.0, 0.0
					for i := 0; i < m; i += 7 {
						for j := 0; j < n; j += 5 {
							var sr, s32 float64
							for l := 0; l < k; l++ {
								sr += at(a, tA, lda, i, l, true) * at(b, tB, ldb, l, j, true)
								s32 += at(a, tA, lda, i, l, false) * at(b, tB, ldb, l, j, false)
							}
							got := float64(c[i*ldc+j])
							wantBF := float64(alpha)*sr + float64(beta)*float64(c0[i*ldc+j])
							wantF32 := float64(alpha)*s32 + float64(beta)*float64(c0[i*ldc+j])
							if !closeTo(got, wantBF, k, 0x1p-24) {
								t.Fatalf("threads %d %c%c alpha %g beta %g: C[%d,%d] = %g, want %g (bf16 inputs, float32 sums)",
									threads, tA, tB, alpha, beta, i, j, got, wantBF)
							}
							worstBF = max(worstBF, math.Abs(got-wantBF))
							worstF32 = max(worstF32, math.Abs(got-wantF32))
						}
					}
					if worstF32 < 20*worstBF || worstF32 < 1e-3 {
						t.Errorf("threads %d %c%c alpha %g beta %g: error against the float32 product %g, against bf16 %g: the inputs were not rounded to bf16",
							threads, tA, tB, alpha, beta, worstF32, worstBF)
					}
					for r := 0; r < m; r++ {
						for p := n; p < ldc; p++ {
							if c[r*ldc+p] != c0[r*ldc+p] {
								t.Fatalf("padding C[%d,%d] changed", r, p)
							}
						}
					}
				}
			}
		}
		if _, err := SetBFloat16(false); err != nil {
			t.Fatal(err)
		}
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		before := BFloat16Calls()
		blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
		if BFloat16Calls() != before {
			t.Errorf("threads %d: a GEMM ran in bf16 with the mode off", threads)
		}
	}
}

// TestBF16NeedsOneDNN: the mode is refused, with the backend named, on
// OpenBLAS and pure Go, and stays off.
func TestBF16NeedsOneDNN(t *testing.T) {
	for _, name := range []string{OpenBLASName, GonumName} {
		useBackend(t, name, 1)
		_, err := SetBFloat16(true)
		if err == nil || !strings.Contains(err.Error(), "onednn") {
			t.Errorf("%s: SetBFloat16(true) = %v, want an error naming onednn", name, err)
		}
		if BFloat16() {
			t.Errorf("%s: the mode is on after a refusal", name)
		}
	}
}

// BenchmarkBF16Pack: converting a 784-512 layer's W (512×784 floats) to
// bfloat16, as the bfloat16 mode does before every large GEMM, on one and
// two threads.
func BenchmarkBF16Pack(b *testing.B) {
	const rows, cols = 512, 784
	src := make([]float32, rows*cols)
	for i := range src {
		src[i] = float32(i%977) * 0.001
	}
	dst := make([]uint16, rows*cols)
	for _, team := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", team), func(b *testing.B) {
			b.SetBytes(int64(rows * cols * 4))
			OnPoolThread(func() { // one OpenMP pool, as in nnfc
				for b.Loop() {
					toBF16(team, true, src, rows, cols, cols, dst)
				}
			})
		})
	}
}

// BenchmarkBF16Gemm times the two large GEMMs of a 784-512-10 batch-128
// SGD step as training runs them, the forward h = x·W1ᵀ and the fused
// update W1 ← W1 − 0.1·dhᵀ·x, in float32 and in the bfloat16 mode
// (conversions included), on one and two threads.
func BenchmarkBF16Gemm(b *testing.B) {
	p := newStepBufs[float32]()
	for _, threads := range []int{1, 2} {
		for _, mode := range []string{"float32", "bfloat16"} {
			for _, g := range []string{"forward", "update"} {
				b.Run(fmt.Sprintf("threads=%d,%s,%s", threads, mode, g), func(b *testing.B) {
					useBackend(b, OneDNNName, threads)
					defer SetBFloat16(false)
					im := blas32.Implementation()
					var err error
					OnPoolThread(func() { // one OpenMP pool, as in nnfc: its probe opens the pool too
						if _, err = SetBFloat16(mode == "bfloat16"); err != nil {
							return
						}
						bl := BeginLoop()
						defer bl.End()
						for b.Loop() {
							if g == "forward" {
								im.Sgemm(nT, tT, bN, bHid, bIn, 1, p.x, bIn, p.w1, bIn, 0, p.h, bHid)
							} else {
								im.Sgemm(tT, nT, bHid, bIn, bN, -0.1, p.dh, bHid, p.x, bIn, 1, p.w1, bIn)
							}
							bl.Step()
						}
					})
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(OpenMPPools()), "openmp-pools")
				})
			}
		}
	}
}
