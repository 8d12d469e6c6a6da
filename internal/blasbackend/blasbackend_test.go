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

// Shapes of the agreement test: op(A) is m×k, op(B) is k×n; odd sizes,
// a vector, an empty inner dimension and one larger than a kernel block.
var shapes = [][3]int{{37, 53, 29}, {1, 1, 1}, {5, 0, 3}, {1, 17, 9}, {130, 515, 17}, {160, 300, 180}}

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
				gemmCase{tA, tB, 1, 0, 2},
				gemmCase{tA, tB, 0, 1.5, 1},
				gemmCase{tA, tB, 2, 1, 1}, // on oneDNN's matmul primitive: the sum post-op
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
// length-k dot product of values in [-1, 1] plus beta·c: (k+2)·eps·(k+|want|).
func closeTo(got, want float64, k int, eps float64) bool {
	return math.Abs(got-want) <= float64(k+2)*eps*(float64(k)+math.Abs(want))
}

func initOrFail(t testing.TB, threads int) {
	t.Helper()
	if err := Init(threads); err != nil {
		t.Fatalf("Init(%d): %v", threads, err)
	}
}

// useBackend selects and registers a backend for the test and restores
// the default afterwards.
func useBackend(t testing.TB, name string, threads int) {
	t.Helper()
	if err := Select(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Select(""); err != nil {
			t.Error(err)
		}
		initOrFail(t, 0)
	})
	initOrFail(t, threads)
}

// TestGemmAgreesWithPureGo: every backend's Sgemm and Dgemm equal gonum's
// pure-Go kernels within rounding, for every transpose combination,
// alpha/beta (0, 1 and others), padded strides and odd shapes; with
// beta = 0 a NaN in C must not come out (C is not read), and the padding
// columns of C stay untouched.
func TestGemmAgreesWithPureGo(t *testing.T) {
	for _, backend := range Backends() {
		for _, threads := range []int{1, 2} {
			useBackend(t, backend, threads)
			t.Logf("backend %s: %s", backend, Describe())
			if backend != GonumName && Name() != backend {
				t.Fatalf("Select(%q) + Init: Name() = %q", backend, Name())
			}
			for _, sh := range shapes {
				m, k, n := sh[0], sh[1], sh[2]
				for _, c := range gemmCases() {
					t.Run(fmt.Sprintf("%s,threads=%d,m=%d,k=%d,n=%d,%v", backend, threads, m, k, n, c), func(t *testing.T) {
						checkGemm(t, m, k, n, c, uint64(threads))
					})
				}
			}
		}
	}
}

func checkGemm(t *testing.T, m, k, n int, c gemmCase, seed uint64) {
	rng := rand.New(rand.NewPCG(1, seed))
	ar, ac := stored(c.tA, m, k)
	br, bc := stored(c.tB, k, n)
	lda, ldb, ldc := max(1, ac+c.pad), max(1, bc+c.pad), n+c.pad
	a := randSlice(rng, ar*lda)
	b := randSlice(rng, br*ldb)
	c0 := randSlice(rng, m*ldc)
	if c.beta == 0 {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				c0[i*ldc+j] = math.NaN() // must be overwritten, not scaled
			}
		}
	}

	// float64
	want := append([]float64(nil), c0...)
	got := append([]float64(nil), c0...)
	gonum.Implementation{}.Dgemm(c.tA, c.tB, m, n, k, c.alpha, a, lda, b, ldb, c.beta, want, ldc)
	blas64.Implementation().Dgemm(c.tA, c.tB, m, n, k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
	for i := range want {
		if !closeTo(got[i], want[i], k, 0x1p-52) {
			t.Fatalf("Dgemm: element %d (row %d, col %d): got %v, pure Go %v", i, i/ldc, i%ldc, got[i], want[i])
		}
	}

	// float32
	a32, b32, c32 := to32(a), to32(b), to32(c0)
	want32 := append([]float32(nil), c32...)
	got32 := append([]float32(nil), c32...)
	gonum.Implementation{}.Sgemm(c.tA, c.tB, m, n, k, float32(c.alpha), a32, lda, b32, ldb, float32(c.beta), want32, ldc)
	blas32.Implementation().Sgemm(c.tA, c.tB, m, n, k, float32(c.alpha), a32, lda, b32, ldb, float32(c.beta), got32, ldc)
	for i := range want32 {
		if !closeTo(float64(got32[i]), float64(want32[i]), k, 0x1p-23) {
			t.Fatalf("Sgemm: element %d (row %d, col %d): got %v, pure Go %v", i, i/ldc, i%ldc, got32[i], want32[i])
		}
	}
	// The padding columns of C must be untouched.
	for i := 0; i < m; i++ {
		for j := n; j < ldc; j++ {
			if got[i*ldc+j] != c0[i*ldc+j] || got32[i*ldc+j] != c32[i*ldc+j] {
				t.Fatalf("padding of C at (%d, %d) was written", i, j)
			}
		}
	}
}

// TestSgemmPanics: the backends reject bad arguments as gonum does.
func TestSgemmPanics(t *testing.T) {
	for _, backend := range Backends() {
		useBackend(t, backend, 1)
		a := make([]float32, 12)
		for name, f := range map[string]func(){
			"short a":  func() { blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, 4, 3, 4, 1, a, 4, a, 3, 0, a, 3) },
			"bad lda":  func() { blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) },
			"m < 0":    func() { blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, -1, 2, 2, 1, a, 2, a, 2, 0, a, 2) },
			"bad tran": func() { blas32.Implementation().Sgemm('x', blas.NoTrans, 2, 2, 2, 1, a, 2, a, 2, 0, a, 2) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: Sgemm with %s did not panic", backend, name)
					}
				}()
				f()
			}()
		}
	}
}

func TestInitAndDescribe(t *testing.T) {
	if err := Init(-1); err == nil {
		t.Errorf("Init(-1) returned nil error")
	}
	if err := Select("mkl"); err == nil || !strings.Contains(err.Error(), GonumName) {
		t.Errorf("Select(mkl) = %v, want an error listing the backends", err)
	}
	if Selected() != DefaultBackend {
		t.Errorf("a failed Select changed the selection to %q", Selected())
	}
	initOrFail(t, 1)
	t.Logf("Describe: %s", Describe())
	t.Logf("Config: %q, CoreName: %q", Config(), CoreName())
	if !Available {
		if got := Name(); got != "gonum (pure Go)" {
			t.Fatalf("Name() = %q in the pure-Go build, want %q", got, "gonum (pure Go)")
		}
		if _, ok := blas64.Implementation().(gonum.Implementation); !ok {
			t.Errorf("pure-Go Init changed blas64's implementation to %T", blas64.Implementation())
		}
		if !strings.HasPrefix(Describe(), "gonum (pure Go), ") {
			t.Errorf("Describe() = %q", Describe())
		}
		if err := Select(OneDNNName); err == nil {
			t.Errorf("Select(onednn) in the pure-Go build: no error")
		}
		return
	}
	// The default: oneDNN for float32, OpenBLAS for float64.
	if got := Name(); got != OneDNNName {
		t.Fatalf("Name() = %q after Init in the cgo build, want %q", got, OneDNNName)
	}
	if typ := fmt.Sprintf("%T", blas64.Implementation()); typ != "netlib.Implementation" {
		t.Errorf("float64 BLAS is %T with oneDNN, want OpenBLAS (netlib)", blas64.Implementation())
	}
	if got := Threads(); got != 1 {
		t.Errorf("oneDNN: Threads() = %d after Init(1), want 1", got)
	}
	d := Describe()
	for _, want := range []string{"onednn " + OneDNNVersion(), "ISA " + OneDNNISA(), "1 thread, OpenMP", "float64 and the rest: openblas "} {
		if !strings.Contains(d, want) {
			t.Errorf("Describe() = %q, want it to contain %q", d, want)
		}
	}
	if v := OneDNNVersion(); !strings.HasPrefix(v, "2.") && !strings.HasPrefix(v, "3.") {
		t.Errorf("OneDNNVersion() = %q", v)
	}
	if isa := OneDNNISA(); strings.HasPrefix(isa, "isa ") {
		t.Errorf("OneDNNISA() = %q: an ISA this code does not name", isa)
	}
	initOrFail(t, 2)
	if got := Threads(); got != 2 {
		t.Errorf("oneDNN: Threads() = %d after Init(2), want 2", got)
	}
	initOrFail(t, 1)

	useBackend(t, OpenBLASName, 1)
	if got := Name(); got != OpenBLASName {
		t.Fatalf("Name() = %q after Select(openblas), want %q", got, OpenBLASName)
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
	d = Describe()
	if !strings.HasPrefix(d, "openblas ") || !strings.Contains(d, ", 1 thread, core ") {
		t.Errorf("Describe() = %q, want \"openblas <version>, 1 thread, core <name>\"", d)
	}
	if Version() == "" || CoreName() == "" {
		t.Errorf("Version() = %q, CoreName() = %q; want both non-empty (config %q)", Version(), CoreName(), Config())
	}

	useBackend(t, GonumName, 1)
	if got := Name(); got != pureName {
		t.Errorf("Name() = %q after Select(gonum), want %q", got, pureName)
	}
	if _, ok := blas32.Implementation().(gonum.Implementation); !ok {
		t.Errorf("Select(gonum): float32 BLAS is %T", blas32.Implementation())
	}
}
