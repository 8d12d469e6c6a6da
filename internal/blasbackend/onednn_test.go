//go:build cgo && !purego

package blasbackend

import (
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
