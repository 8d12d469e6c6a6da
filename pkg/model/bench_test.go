package model_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
)

var initBLAS sync.Once

// useBLAS registers the build's default BLAS (oneDNN, on NNFC_BENCH_THREADS threads, default 1, in the
// cgo build) for the benchmarks only; the tests keep gonum's pure-Go
// kernels. In the pure-Go build Init changes nothing, and gonum's GEMM
// starts goroutines that allocate: the step then reports a few allocs/op,
// all of them inside gonum.
func useBLAS(b *testing.B) {
	initBLAS.Do(func() {
		if err := blasbackend.Init(benchThreads()); err != nil {
			b.Fatal(err)
		}
	})
}

// benchStep times one full training step, Net.Loss (forward, softmax loss,
// backward) plus an SGD update, on a batch of n random samples.
// path "fused" is Net.Loss then the sgd optimizer on the fused path (the
// default), "reference" the same on the per-layer path (Fused off,
// accumulating gradients cleared each step), "trainstep" Net.TrainStep,
// the update folded into the weight GEMMs, as the trainer runs plain SGD.
func benchStep[T layers.Float](b *testing.B, act string, n, d, h, c int, path string) {
	useBLAS(b)
	spec := model.Spec{InputDim: d, Hidden: []int{h}, Activations: []string{act}, Classes: c, Loss: "softmax", Init: "he"}
	rng := rand.New(rand.NewPCG(1, 2))
	net, err := model.New[T](spec, rng)
	if err != nil {
		b.Fatal(err)
	}
	if path == "reference" {
		net.Fused = false
		for _, a := range net.Affine {
			a.OverwriteGrad = false
		}
	}
	opt, err := optim.New(optim.Config{Rule: "sgd"}, net.Params())
	if err != nil {
		b.Fatal(err)
	}
	x, y := uniformBatch[T](rng, n, d, c)
	step := func() {
		net.Loss(x, layers.Classes[T](y))
		opt.Step(1e-3)
	}
	if path == "trainstep" {
		step = func() { net.TrainStep(x, layers.Classes[T](y), opt, 1e-3) }
	}
	b.ReportAllocs()
	blasbackend.OnPoolThread(func() { // one OpenMP pool for every invocation, as in nnfc
		bl := blasbackend.BeginLoop()
		defer bl.End()
		step() // warm-up: the first step sizes every buffer
		b.ResetTimer()
		for b.Loop() {
			step()
			bl.Step()
		}
	})
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(blasbackend.OpenMPPools()), "openmp-pools")
}

// BenchmarkTrainStep is the step the peers benchmark: 784-512-10, batch
// 128 (see internal/bench and ../shared/bench). With OpenBLAS it must
// report 0 allocs/op.
func BenchmarkTrainStep(b *testing.B) {
	const n, d, h, c = 128, 784, 512, 10
	for _, act := range []string{"relu", "swish"} {
		for _, path := range []string{"fused", "reference", "trainstep"} {
			b.Run(fmt.Sprintf("T=float32,N=%d,D=%d,H=%d,C=%d,act=%s,path=%s", n, d, h, c, act, path), func(b *testing.B) {
				benchStep[float32](b, act, n, d, h, c, path)
			})
			b.Run(fmt.Sprintf("T=float64,N=%d,D=%d,H=%d,C=%d,act=%s,path=%s", n, d, h, c, act, path), func(b *testing.B) {
				benchStep[float64](b, act, n, d, h, c, path)
			})
		}
	}
}

// BenchmarkScores is the evaluation forward pass at the peers' eval batch
// of 1000.
func BenchmarkScores(b *testing.B) {
	const n, d, h, c = 1000, 784, 512, 10
	for _, act := range []string{"relu", "swish"} {
		b.Run(fmt.Sprintf("T=float32,N=%d,D=%d,H=%d,C=%d,act=%s", n, d, h, c, act), func(b *testing.B) {
			useBLAS(b)
			spec := model.Spec{InputDim: d, Hidden: []int{h}, Activations: []string{act}, Classes: c, Loss: "softmax", Init: "he"}
			rng := rand.New(rand.NewPCG(1, 2))
			net, _ := model.New[float32](spec, rng)
			x := layers.NewMatrix[float32](n, d)
			for i := range x.Data {
				x.Data[i] = float32(rng.Float64())
			}
			net.Scores(x)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				net.Scores(x)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// uniformBatch is n rows of d uniform [0,1) inputs (MNIST-like, unlike
// randomBatch's normal ones) and n labels of c classes, drawn from rng in
// that order.
func uniformBatch[T layers.Float](rng *rand.Rand, n, d, c int) (*layers.Matrix[T], []int32) {
	x := layers.NewMatrix[T](n, d)
	for i := range x.Data {
		x.Data[i] = T(rng.Float64())
	}
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(c))
	}
	return x, y
}

// benchThreads is the BLAS thread count of the benchmarks:
// NNFC_BENCH_THREADS, default 1.
func benchThreads() int {
	if v, err := strconv.Atoi(os.Getenv("NNFC_BENCH_THREADS")); err == nil && v > 0 {
		return v
	}
	return 1
}

// BenchmarkTrainStepRules is Net.TrainStep of bench-rules.sh's network
// (784-512-10 ReLU, float32, batch 64) under each update rule, with W's
// gradient and the rule in one pass (gemm=fused, vec.GemmRule32: the
// oneDNN default) and without it (gemm=blas: the BLAS GEMM, then the
// rule's loop), for a before/after comparison in one binary.
// NNFC_BENCH_THREADS=2 runs it on two threads.
func BenchmarkTrainStepRules(b *testing.B) {
	const n, d, h, c = 64, 784, 512, 10
	for _, rule := range optim.Rules {
		for _, gemm := range []string{"fused", "blas"} {
			if rule == "sgd" && gemm == "blas" {
				continue // SGD's update is in the BLAS GEMM either way
			}
			b.Run(fmt.Sprintf("rule=%s,gemm=%s", rule, gemm), func(b *testing.B) {
				useBLAS(b)
				defer vec.SetGemmRules(vec.GemmRules())
				vec.SetGemmRules(gemm == "fused" && vec.GemmRules())
				spec := model.Spec{InputDim: d, Hidden: []int{h}, Activations: []string{"relu"}, Classes: c, Loss: "softmax", Init: "he"}
				rng := rand.New(rand.NewPCG(1, 2))
				net, err := model.New[float32](spec, rng)
				if err != nil {
					b.Fatal(err)
				}
				cfg, _ := optim.Defaults(rule)
				opt, err := optim.New(cfg, net.Params())
				if err != nil {
					b.Fatal(err)
				}
				x, y := uniformBatch[float32](rng, n, d, c)
				blasbackend.OnPoolThread(func() {
					bl := blasbackend.BeginLoop()
					defer bl.End()
					net.TrainStep(x, layers.Classes[float32](y), opt, 1e-3)
					b.ResetTimer()
					for b.Loop() {
						net.TrainStep(x, layers.Classes[float32](y), opt, 1e-3)
						bl.Step()
					}
				})
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

// BenchmarkForward compares the forward passes of a 784-512(swish)-10
// float32 network in evaluation mode: Scores (what eval ran before
// Infer), Infer on the plain GEMM, and Infer on packed weights (Net.Pack:
// what infer.Open sets up), at 1, 64 and 1000 rows, with the CPU time of
// the process per row beside the wall time.
func BenchmarkForward(b *testing.B) {
	useBLAS(b)
	spec := model.Spec{InputDim: 784, Hidden: []int{512}, Activations: []string{"swish"}, Classes: 10, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	net.SetTraining(false)
	for _, rows := range []int{1, 64, 1000} {
		x, _ := randomBatch[float32](rand.New(rand.NewPCG(3, 4)), rows, spec)
		for _, path := range []string{"scores", "infer", "infer-packed"} {
			b.Run(fmt.Sprintf("rows=%d/%s", rows, path), func(b *testing.B) {
				net.Unpack()
				run := net.Infer
				switch path {
				case "scores":
					run = net.Scores
				case "infer-packed":
					if net.Pack() == 0 {
						b.Skip("no Packer in this build")
					}
				}
				blasbackend.OnPoolThread(func() {
					run(x)
					b.ResetTimer()
					c0 := processCPU()
					for b.Loop() {
						run(x)
					}
					b.ReportMetric(float64(processCPU()-c0)/float64(b.N*rows), "cpu-ns/row")
				})
			})
		}
	}
	net.Unpack()
}

// processCPU is the process's CPU time (every thread's) in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
