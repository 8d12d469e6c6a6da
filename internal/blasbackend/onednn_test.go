//go:build cgo && !purego

package blasbackend

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// TestSmallGemmKeepsThreads: a GEMM under smallGemm runs on one OpenMP thread,
// and the count Threads reports (the one large GEMMs use) stays OpenMP's
// default, as it was before the call, when no count was set (nnfc train
// without --threads). It once reported 1 after the first small GEMM.
func TestSmallGemmKeepsThreads(t *testing.T) {
	useBackend(t, OneDNNName, 1)
	old := ompThreads.Load()
	defer ompThreads.Store(old)
	ompThreads.Store(0)
	want := Threads()
	if want != ompDefault {
		t.Errorf("oneDNN: Threads() = %d with no count set, want OpenMP's default %d", want, ompDefault)
	}
	a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64)
	blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, 64, 64, 64, 1, a, 64, b, 64, 0, c, 64)
	if got := Threads(); got != want {
		t.Errorf("oneDNN: Threads() = %d after a small GEMM, want %d", got, want)
	}
}

// TestSplitGemm: on two and three threads the large weight-shaped GEMMs,
// C = A·Bᵀ with at most splitMaxRows rows and C = Aᵀ·B, run split by rows
// of W (nnfc_split_sgemm: counted) and equal gonum's within rounding,
// with unit counts that leave a partial 16-block and uneven shares (180
// columns on three threads: 64, 64 and 52), alpha and beta other than 1,
// and padded strides; a GEMM with more rows than splitMaxRows (an
// evaluation batch), an NN product, and every GEMM on one thread are not
// split.
func TestSplitGemm(t *testing.T) {
	cases := []struct {
		m, k, n int
		c       gemmCase
		split   bool
	}{
		{160, 300, 180, gemmCase{blas.NoTrans, blas.Trans, 3, -0.75, 0.5}, true},
		{128, 784, 100, gemmCase{blas.NoTrans, blas.Trans, 0, 1, 0}, true},
		{200, 128, 330, gemmCase{blas.Trans, blas.NoTrans, 2, -0.1, 1}, true},
		{300, 100, 290, gemmCase{blas.NoTrans, blas.Trans, 0, 1, 0}, false}, // m > splitMaxRows
		{160, 300, 180, gemmCase{blas.NoTrans, blas.NoTrans, 1, 1, 0}, false},
	}
	for _, threads := range []int{1, 2, 3} {
		useBackend(t, OneDNNName, threads)
		for _, tc := range cases {
			before := splitCalls.Load()
			t.Run(fmt.Sprintf("threads=%d,m=%d,k=%d,n=%d,%v", threads, tc.m, tc.k, tc.n, tc.c), func(t *testing.T) {
				checkGemm(t, tc.m, tc.k, tc.n, tc.c, 5)
			})
			want := tc.split && threads > 1
			if got := splitCalls.Load() > before; got != want {
				t.Errorf("threads %d, %d×%d×%d %v: split %v, want %v", threads, tc.m, tc.k, tc.n, tc.c, got, want)
			}
		}
	}
}
