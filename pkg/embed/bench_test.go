package embed

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/nnfc/nnfc/internal/blasbackend"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLogLik is one evaluation of L and its gradient: what each
// L-BFGS iteration of nnfc embed costs (about one per iteration), at the
// default --max-points 1000 and a 512-wide layer, for the level-3 LogLik
// and the gonum/mat reference it replaced (logLikRef), on the backend
// blasbackend.Init registers.
func BenchmarkLogLik(b *testing.B) {
	if err := blasbackend.Init(0); err != nil {
		b.Fatal(err)
	}
	for _, kernel := range Kernels {
		g := &GPLVM{Y: lowRank(1000, 512, 20, 0.5, 1), Q: 2, Kernel: kernel}
		x, a, be, c, err := g.Init()
		if err != nil {
			b.Fatal(err)
		}
		theta := g.Theta(x, a, be, c)
		grad := make([]float64, len(theta))
		gs := &GPLVM{Y: g.Y, Q: g.Q, Kernel: kernel, solve: true}
		g32 := &GPLVM{Y: g.Y, Q: g.Q, Kernel: kernel, Float32: true}
		for _, f := range []struct {
			name string
			f    func(theta, grad []float64) (float64, error)
		}{{"N=1000,D=512/" + kernel + "/level3", g.LogLik}, {"N=1000,D=512/" + kernel + "/level3-solve", gs.LogLik},
			{"N=1000,D=512/" + kernel + "/level3-mixed", g32.LogLik},
			{"N=1000,D=512/" + kernel + "/reference", g.logLikRef}} {
			b.Run(f.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := cpuTime()
				for range b.N {
					if _, err := f.f(theta, grad); err != nil {
						b.Fatal(err)
					}
				}
				// The process's CPU time (every thread, user and system)
				// per evaluation: on a shared machine, less sensitive
				// than the wall time to the other processes' load.
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// BenchmarkMixedSchedule times the BLAS skeleton of one mixed-precision
// evaluation (N = 1000, D = 512; no kernel, no Go loops but the trace) in
// two schedules, for issue 28's idea of running independent calls side by
// side: "sequential" is what LogLik does (Dpotrf, Dpotri, K⁻¹ to float32,
// Sgemm, Ssyrk; each call on the libraries' GOMAXPROCS threads);
// "concurrent" runs Dpotri (+ the trace) on one goroutine beside A = L⁻ᵀL⁻¹Y
// by two float32 Strsm and the Ssyrk on the other, every library on one
// thread. Only a quiet machine tells them apart.
func BenchmarkMixedSchedule(b *testing.B) {
	threads := runtime.GOMAXPROCS(0)
	if err := blasbackend.Init(threads); err != nil {
		b.Fatal(err)
	}
	const n, d = 1000, 512
	y := lowRank(n, d, 50, 0.5, 2).RawMatrix().Data
	k, s, l := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	blas64.Syrk(blas.NoTrans, 1.0/d, blas64.General{Rows: n, Cols: d, Stride: d, Data: y}, 0, sym(n, k))
	blas64.Syrk(blas.NoTrans, 1, blas64.General{Rows: n, Cols: d, Stride: d, Data: y}, 0, sym(n, s))
	for i := range n {
		k[i*n+i] += 1
	}
	y32, a32 := make([]float32, n*d), make([]float32, n*d)
	for i, v := range y {
		y32[i] = float32(v)
	}
	l32, k32 := make([]float32, n*n), make([]float32, n*n)
	lt := blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: n, Data: l}
	a32g := blas32.General{Rows: n, Cols: d, Stride: d, Data: a32}
	h32 := blas32.Symmetric{Uplo: blas.Lower, N: n, Stride: n, Data: k32}
	trace := func() (tr float64) {
		for i := range n {
			tr += 2*dot(l[i*n:i*n+i], s[i*n:i*n+i]) + l[i*n+i]*s[i*n+i]
		}
		return tr
	}
	sequential := func() {
		copy(l, k)
		lapack64.Potrf(sym(n, l))
		lapack64.Potri(lt)
		trace()
		for i := range n {
			for j := 0; j <= i; j++ {
				k32[i*n+j], k32[j*n+i] = float32(l[i*n+j]), float32(l[i*n+j])
			}
		}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, blas32.General{Rows: n, Cols: n, Stride: n, Data: k32},
			blas32.General{Rows: n, Cols: d, Stride: d, Data: y32}, 0, a32g)
		blas32.Syrk(blas.NoTrans, 0.5, a32g, 0, h32)
	}
	concurrent := func() {
		copy(l, k)
		lapack64.Potrf(sym(n, l))
		for i := range n {
			for j := 0; j <= i; j++ {
				l32[i*n+j] = float32(l[i*n+j])
			}
		}
		if err := blasbackend.Init(1); err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			lapack64.Potri(lt)
			trace()
		}()
		copy(a32, y32)
		l32t := blas32.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: n, Data: l32}
		blas32.Trsm(blas.Left, blas.NoTrans, 1, l32t, a32g)
		blas32.Trsm(blas.Left, blas.Trans, 1, l32t, a32g)
		blas32.Syrk(blas.NoTrans, 0.5, a32g, 0, h32)
		wg.Wait()
		if err := blasbackend.Init(threads); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range []struct {
		name string
		f    func()
	}{{"sequential", sequential}, {"concurrent", concurrent}} {
		b.Run(f.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for range b.N {
				f.f()
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
