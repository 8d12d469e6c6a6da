package embed

import (
	"syscall"
	"testing"
	"time"

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
