package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/infer"
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
			blasbackend.OnPoolThread(func() { // one OpenMP pool, as in nnfc
				m.Evaluate(ds, batch) // warm-up
				b.ResetTimer()
				for b.Loop() {
					m.Evaluate(ds, batch)
				}
			})
			b.ReportMetric(float64(ds.N)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
