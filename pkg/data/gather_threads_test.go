package data_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/pkg/data"
)

// BenchmarkGatherLarge: one 128-row minibatch of random rows from an
// MNIST-sized float32 dataset (60000×784, 188 MB: the rows are not in
// cache), on the default backend at 1 and 2 threads (2: the rows are
// copied on both, blasbackend.CopyRows32), and the plain copy loop.
func BenchmarkGatherLarge(b *testing.B) {
	const n, d, batch = 60000, 784, 128
	ds := &data.Dataset{N: n, D: d, X: make([]float32, n*d), Y: make([]int32, n)}
	for i := range ds.X {
		ds.X[i] = float32(i % 251)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(n)
	x, y := make([]float32, batch*d), make([]int32, batch)
	data.CopyRows = blasbackend.CopyRows32 // as internal/train injects it
	defer func() { data.CopyRows = nil }()
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			if err := blasbackend.Init(threads); err != nil {
				b.Fatal(err)
			}
			defer blasbackend.Init(1)
			blasbackend.OnPoolThread(func() { // one OpenMP pool for every invocation
				l := blasbackend.BeginLoop()
				defer l.End()
				for i := 0; b.Loop(); i++ {
					k := (i * batch) % (n - batch)
					data.Gather(ds, perm[k:k+batch], x, y)
					l.Step()
				}
			})
			b.ReportMetric(float64(blasbackend.OpenMPPools()), "openmp-pools")
		})
	}
}
