//go:build cgo && !purego

package blasbackend

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// BenchmarkSgemmSize times one float32 GEMM C = op(A)·op(B) + ½C through oneDNN and through OpenBLAS
// at sizes from the spiral net's to the MNIST net's, on the thread count set
// by OPENBLAS_NUM_THREADS / OMP_NUM_THREADS (oneDNN's calls use Init's count).
func BenchmarkSgemmSize(b *testing.B) {
	impls := []struct {
		name string
		f    func(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	}{
		{"onednn", OneDNN{}.Sgemm},
		{"openblas", netlib.Implementation{}.Sgemm},
	}
	for _, s := range []struct {
		tA, tB  blas.Transpose
		m, n, k int
	}{
		{blas.NoTrans, blas.Trans, 64, 200, 2}, {blas.NoTrans, blas.Trans, 64, 7, 200}, {blas.NoTrans, blas.Trans, 128, 64, 64},
		{blas.NoTrans, blas.Trans, 128, 256, 256},
		// The five GEMMs of a 784-512-10 batch-128 training step: forward
		// h = x·W1ᵀ and s = h·W2ᵀ; backward dW2 = dsᵀ·h, dh = ds·W2, dW1 = dhᵀ·x.
		{blas.NoTrans, blas.Trans, 128, 512, 784}, {blas.NoTrans, blas.Trans, 128, 10, 512},
		{blas.Trans, blas.NoTrans, 10, 512, 128}, {blas.NoTrans, blas.NoTrans, 128, 512, 10},
		{blas.Trans, blas.NoTrans, 512, 784, 128},
	} {
		a := make([]float32, s.m*s.k)
		w := make([]float32, s.n*s.k)
		c := make([]float32, s.m*s.n)
		lda, ldb := s.k, s.k
		if s.tA == blas.Trans {
			lda = s.m
		}
		if s.tB == blas.NoTrans {
			ldb = s.n
		}
		for i := range a {
			a[i] = float32(i%7) * 0.1
		}
		for i := range w {
			w[i] = float32(i%5) * 0.1
		}
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/%c%c,m=%d,n=%d,k=%d", im.name, s.tA, s.tB, s.m, s.n, s.k), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					im.f(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, w, ldb, 0.5, c, s.n)
				}
			})
		}
	}
}
