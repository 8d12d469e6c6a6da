package blasbackend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// Shapes of the agreement test: op(A) is m×k, op(B) is k×n.
const tm, tk, tn = 37, 53, 29

type gemmCase struct {
	tA, tB      blas.Transpose
	pad         int // extra columns of stride on A, B and C
	alpha, beta float64
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
		for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			cs = append(cs,
				gemmCase{tA, tB, 0, 1, 0},
				gemmCase{tA, tB, 3, -0.75, 0.5},
			)
		}
	}
	return cs
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%c,tB=%c,pad=%d,alpha=%g,beta=%g", c.tA, c.tB, c.pad, c.alpha, c.beta)
}

// stored returns the stored rows and columns of a matrix whose op is r×c.
func stored(t blas.Transpose, r, c int) (int, int) {
	if t == blas.Trans {
		return c, r
	}
	return r, c
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

func to32(s []float64) []float32 {
	o := make([]float32, len(s))
	for i, v := range s {
		o[i] = float32(v)
	}
	return o
}

// closeTo reports whether got is within a forward-error bound of want for a
// length-k dot product of values in [-1, 1]: k·eps·(1+|want|).
func closeTo(got, want float64, eps float64) bool {
	return math.Abs(got-want) <= tk*eps*(1+math.Abs(want))
}

func initOrFail(t testing.TB, threads int) {
	t.Helper()
	if err := Init(threads); err != nil {
		t.Fatalf("Init(%d): %v", threads, err)
	}
}

func TestGemmAgreesWithPureGo(t *testing.T) {
	for _, threads := range []int{1, 2} {
		initOrFail(t, threads)
		t.Logf("backend: %s", Describe())
		for _, c := range gemmCases() {
			t.Run(fmt.Sprintf("threads=%d,%v", threads, c), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(threads)))
				ar, ac := stored(c.tA, tm, tk)
				br, bc := stored(c.tB, tk, tn)
				lda, ldb, ldc := ac+c.pad, bc+c.pad, tn+c.pad
				a := randSlice(rng, ar*lda)
				b := randSlice(rng, br*ldb)
				c0 := randSlice(rng, tm*ldc)

				// float64
				want := append([]float64(nil), c0...)
				got := append([]float64(nil), c0...)
				gonum.Implementation{}.Dgemm(c.tA, c.tB, tm, tn, tk, c.alpha, a, lda, b, ldb, c.beta, want, ldc)
				blas64.Implementation().Dgemm(c.tA, c.tB, tm, tn, tk, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
				for i := range want {
					if !closeTo(got[i], want[i], 0x1p-52) {
						t.Fatalf("Dgemm: element %d (row %d, col %d): got %v, pure Go %v", i, i/ldc, i%ldc, got[i], want[i])
					}
				}

				// float32
				a32, b32, c32 := to32(a), to32(b), to32(c0)
				want32 := append([]float32(nil), c32...)
				got32 := append([]float32(nil), c32...)
				gonum.Implementation{}.Sgemm(c.tA, c.tB, tm, tn, tk, float32(c.alpha), a32, lda, b32, ldb, float32(c.beta), want32, ldc)
				blas32.Implementation().Sgemm(c.tA, c.tB, tm, tn, tk, float32(c.alpha), a32, lda, b32, ldb, float32(c.beta), got32, ldc)
				for i := range want32 {
					if !closeTo(float64(got32[i]), float64(want32[i]), 0x1p-23) {
						t.Fatalf("Sgemm: element %d (row %d, col %d): got %v, pure Go %v", i, i/ldc, i%ldc, got32[i], want32[i])
					}
				}
				// The padding columns of C must be untouched.
				for i := 0; i < tm; i++ {
					for j := tn; j < ldc; j++ {
						if got[i*ldc+j] != c0[i*ldc+j] || got32[i*ldc+j] != c32[i*ldc+j] {
							t.Fatalf("padding of C at (%d, %d) was written", i, j)
						}
					}
				}
			})
		}
	}
}

func TestInitAndDescribe(t *testing.T) {
	if err := Init(-1); err == nil {
		t.Errorf("Init(-1) returned nil error")
	}
	initOrFail(t, 1)
	if Available {
		if got := Name(); got != "openblas" {
			t.Fatalf("Name() = %q after Init in the cgo build, want %q", got, "openblas")
		}
		if got := Threads(); got != 1 {
			t.Errorf("Threads() = %d after Init(1), want 1", got)
		}
		initOrFail(t, 2)
		if got := Threads(); got != 2 {
			t.Errorf("Threads() = %d after Init(2), want 2", got)
		}
		initOrFail(t, 0) // leaves the count as it is
		if got := Threads(); got != 2 {
			t.Errorf("Threads() = %d after Init(0) following Init(2), want 2", got)
		}
		initOrFail(t, 1)
		d := Describe()
		if !strings.HasPrefix(d, "openblas ") || !strings.Contains(d, ", 1 thread, core ") {
			t.Errorf("Describe() = %q, want \"openblas <version>, 1 thread, core <name>\"", d)
		}
		if Version() == "" || CoreName() == "" {
			t.Errorf("Version() = %q, CoreName() = %q; want both non-empty (config %q)", Version(), CoreName(), Config())
		}
	} else {
		if got := Name(); got != "gonum (pure Go)" {
			t.Fatalf("Name() = %q in the pure-Go build, want %q", got, "gonum (pure Go)")
		}
		if _, ok := blas64.Implementation().(gonum.Implementation); !ok {
			t.Errorf("pure-Go Init changed blas64's implementation to %T", blas64.Implementation())
		}
		if !strings.HasPrefix(Describe(), "gonum (pure Go), ") {
			t.Errorf("Describe() = %q", Describe())
		}
	}
	t.Logf("Describe: %s", Describe())
	t.Logf("Config: %q, CoreName: %q", Config(), CoreName())
}
