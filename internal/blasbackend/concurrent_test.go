//go:build cgo && !purego

package blasbackend

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// TestOneDNNConcurrent: dnnl_sgemm called from several goroutines at once
// (several OS threads, each the master of its own OpenMP pool) gives each
// caller the bits a lone call gives.
func TestOneDNNConcurrent(t *testing.T) {
	const m, k, n, callers, rounds = 300, 784, 256, 4, 20
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(s []float32) {
		for i := range s {
			s[i] = rng.Float32()*2 - 1
		}
	}
	a, b := make([]float32, m*k), make([]float32, k*n)
	fill(a)
	fill(b)
	want := make([]float32, m*n)
	OneDNN{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, want, n)
	var wg sync.WaitGroup
	bad := make([]int, callers)
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float32, m*n)
			for range rounds {
				clear(c)
				OneDNN{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
				if !slices.Equal(c, want) {
					bad[g]++
				}
			}
		}()
	}
	wg.Wait()
	for g, nb := range bad {
		if nb != 0 {
			t.Errorf("caller %d: %d of %d concurrent products differ from the lone call's", g, nb, rounds)
		}
	}
}
