package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/data"
)

// BenchmarkEval is nnfc eval's computation (internal/infer's Evaluate: the
// forward pass, softmax loss and arg-max in batches) on the MNIST test set
// with the model file NNFC_ONNX_BENCH_MODEL, on NNFC_BENCH_THREADS BLAS
// threads (default 1), at batch 1000 (10,000 images) and batch 1 (the
// first 2,000): the nnfc side of scripts/onnx-bench.sh, which runs ONNX
// Runtime on the same model exported, in the same run.
func BenchmarkEval(b *testing.B) {
	path := os.Getenv("NNFC_ONNX_BENCH_MODEL")
	if path == "" {
		b.Skip("NNFC_ONNX_BENCH_MODEL names no model file (scripts/onnx-bench.sh sets it)")
	}
	threads := 1
	if v, err := strconv.Atoi(os.Getenv("NNFC_BENCH_THREADS")); err == nil && v > 0 {
		threads = v
	}
	if err := blasbackend.Init(threads); err != nil {
		b.Fatal(err)
	}
	dir := os.Getenv("NNFC_MNIST_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "data", "mnist")
	}
	test, err := data.LoadMNIST(dir, "test")
	if err != nil {
		b.Fatal(err)
	}
	m, err := infer.Open(path, "")
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if err := m.Prepare(test, true); err != nil {
		b.Fatal(err)
	}
	first := make([]int, 2000)
	for i := range first {
		first[i] = i
	}
	for _, batch := range []int{1, 1000} {
		ds := test
		if batch == 1 {
			ds = test.Subset(first)
		}
		b.Run(fmt.Sprintf("threads=%d/batch=%d", threads, batch), func(b *testing.B) {
			var cpu time.Duration
			blasbackend.OnPoolThread(func() { // one OpenMP pool, as in nnfc
				m.Evaluate(ds, batch) // warm-up
				b.ResetTimer()
				c0 := processCPU()
				for b.Loop() {
					m.Evaluate(ds, batch)
				}
				cpu = processCPU() - c0
			})
			b.ReportMetric(float64(ds.N)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(ds.N*b.N), "cpu-ns/sample")
		})
	}
}

// BenchmarkInfer is nnfc's inference alone on the same data as
// BenchmarkEval: per batch, the raw pixels copied into a buffer, checked
// and normalized there (vec.NormalizeFinite32, nnfc serve's input pass;
// the graph's Sub/Mul on ONNX Runtime's side), then infer.Model.Classify (the
// inference forward pass on packed weights, softmax and arg-max: what
// the exported graph computes), no loss and no metrics. The nnfc-infer
// side of scripts/onnx-bench.sh.
func BenchmarkInfer(b *testing.B) {
	path := os.Getenv("NNFC_ONNX_BENCH_MODEL")
	if path == "" {
		b.Skip("NNFC_ONNX_BENCH_MODEL names no model file (scripts/onnx-bench.sh sets it)")
	}
	threads := 1
	if v, err := strconv.Atoi(os.Getenv("NNFC_BENCH_THREADS")); err == nil && v > 0 {
		threads = v
	}
	if err := blasbackend.Init(threads); err != nil {
		b.Fatal(err)
	}
	dir := os.Getenv("NNFC_MNIST_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "data", "mnist")
	}
	test, err := data.LoadMNIST(dir, "test")
	if err != nil {
		b.Fatal(err)
	}
	m, err := infer.Open(path, "")
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	raw := test.X
	if m.Norm == nil {
		b.Fatal("want a model with a normalizer")
	}
	shift, scale := m.Norm.Shift, m.Norm.Scale
	d, k := test.D, m.Spec.Classes
	for _, batch := range []int{1, 1000} {
		n := test.N
		if batch == 1 {
			n = 2000
		}
		x := make([]float32, batch*d)
		probs, pred := make([]float64, batch*k), make([]int32, batch)
		pass := func() {
			for lo := 0; lo+batch <= n; lo += batch {
				copy(x, raw[lo*d:(lo+batch)*d])
				if vec.NormalizeFinite32(x, d, shift, scale) >= 0 {
					b.Fatal("a pixel that is not finite")
				}
				if err := m.Classify(x, batch, probs, pred); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(fmt.Sprintf("threads=%d/batch=%d", threads, batch), func(b *testing.B) {
			var cpu time.Duration
			blasbackend.OnPoolThread(func() {
				pass() // warm-up
				b.ResetTimer()
				c0 := processCPU()
				for b.Loop() {
					pass()
				}
				cpu = processCPU() - c0
			})
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/sample")
		})
	}
}

// processCPU is the CPU time the process has used, every thread's (the
// OpenMP workers' too): on a shared machine, a rate per CPU-second is
// steadier than one per second of the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
