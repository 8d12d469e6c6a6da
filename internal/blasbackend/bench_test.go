package blasbackend

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// One training step of a 784-512-10 MLP at batch 128, in the layout of
// pkg/layers: weights are [out, in] row-major, activations are N×features,
// every matrix has Stride = Cols.
const (
	bN   = 128 // batch
	bIn  = 784
	bHid = 512
	bOut = 10
)

const (
	nT = blas.NoTrans
	tT = blas.Trans
)

type stepBufs[T float32 | float64] struct {
	x, w1, h, w2, s, ds, dw2, dh, dw1 []T
}

func newStepBufs[T float32 | float64]() *stepBufs[T] {
	rng := rand.New(rand.NewPCG(7, 7))
	r := func(n int) []T {
		s := make([]T, n)
		for i := range s {
			s[i] = T(rng.Float64()*0.2 - 0.1)
		}
		return s
	}
	return &stepBufs[T]{
		x: r(bN * bIn), w1: r(bHid * bIn), h: r(bN * bHid),
		w2: r(bOut * bHid), s: r(bN * bOut), ds: r(bN * bOut),
		dw2: r(bOut * bHid), dh: r(bN * bHid), dw1: r(bHid * bIn),
	}
}

// step32 and step64 are exactly the five GEMMs of one step, each through
// blas32/blas64.Implementation() as layers.Gemm calls it.
func step32(p *stepBufs[float32]) {
	im := blas32.Implementation
	im().Sgemm(nT, tT, bN, bHid, bIn, 1, p.x, bIn, p.w1, bIn, 0, p.h, bHid)      // h = x·W1ᵀ
	im().Sgemm(nT, tT, bN, bOut, bHid, 1, p.h, bHid, p.w2, bHid, 0, p.s, bOut)   // s = h·W2ᵀ
	im().Sgemm(tT, nT, bOut, bHid, bN, 1, p.ds, bOut, p.h, bHid, 0, p.dw2, bHid) // dW2 = dsᵀ·h
	im().Sgemm(nT, nT, bN, bHid, bOut, 1, p.ds, bOut, p.w2, bHid, 0, p.dh, bHid) // dh = ds·W2
	im().Sgemm(tT, nT, bHid, bIn, bN, 1, p.dh, bHid, p.x, bIn, 0, p.dw1, bIn)    // dW1 = dhᵀ·x
}

func step64(p *stepBufs[float64]) {
	im := blas64.Implementation
	im().Dgemm(nT, tT, bN, bHid, bIn, 1, p.x, bIn, p.w1, bIn, 0, p.h, bHid)
	im().Dgemm(nT, tT, bN, bOut, bHid, 1, p.h, bHid, p.w2, bHid, 0, p.s, bOut)
	im().Dgemm(tT, nT, bOut, bHid, bN, 1, p.ds, bOut, p.h, bHid, 0, p.dw2, bHid)
	im().Dgemm(nT, nT, bN, bHid, bOut, 1, p.ds, bOut, p.w2, bHid, 0, p.dh, bHid)
	im().Dgemm(tT, nT, bHid, bIn, bN, 1, p.dh, bHid, p.x, bIn, 0, p.dw1, bIn)
}

// BenchmarkGemmStep times the five GEMMs of one training step and reports
// samples/s, for every backend of the build (cgo: onednn, openblas, gonum;
// -tags purego or CGO_ENABLED=0: gonum) at 1 and 2 threads (for gonum,
// GOMAXPROCS set to the thread count for the sub-benchmark).
func BenchmarkGemmStep(b *testing.B) {
	for _, backend := range Backends() {
		for _, typ := range []string{"float32", "float64"} {
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("blas=%s,T=%s,threads=%d", backend, typ, threads), func(b *testing.B) {
					useBackend(b, backend, threads)
					benchThreads(b, threads)
					b.Logf("backend: %s", Describe())
					var run func()
					if typ == "float32" {
						p := newStepBufs[float32]()
						run = func() { step32(p) }
					} else {
						p := newStepBufs[float64]()
						run = func() { step64(p) }
					}
					OnPoolThread(func() { // one OpenMP pool for every invocation, as in nnfc
						bl := BeginLoop()
						defer bl.End()
						run() // warm up (thread pool start, page faults)
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							run()
							bl.Step()
						}
						b.StopTimer()
					})
					b.ReportMetric(bN*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
					b.ReportMetric(float64(OpenMPPools()), "openmp-pools")
				})
			}
		}
	}
}
