//go:build cgo && !purego

package blasbackend

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// TestOpenBLASLapack: OpenBLAS's Dpotrf, Dpotri and Dsyev (through the
// row-major/column-major swap) give gonum's results, in both triangles.
func TestOpenBLASLapack(t *testing.T) {
	const n = 70
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]float64, n*n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	a := make([]float64, n*n) // BBᵀ/n + I: symmetric positive definite
	for i := range n {
		for j := range n {
			var s float64
			for k := range n {
				s += b[i*n+k] * b[j*n+k]
			}
			a[i*n+j] = s / n
		}
		a[i*n+i]++
	}
	fast, ref := openBLASLapack{}, gonum.Implementation{}
	near := func(what string, got, want []float64) {
		t.Helper()
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-10*(1+math.Abs(want[i])) {
				t.Fatalf("%s: entry %d: %.15g, gonum %.15g", what, i, got[i], want[i])
			}
		}
	}
	for _, ul := range []blas.Uplo{blas.Lower, blas.Upper} {
		f, r := slices.Clone(a), slices.Clone(a)
		if !fast.Dpotrf(ul, n, f, n) || !ref.Dpotrf(ul, n, r, n) {
			t.Fatal("Dpotrf failed on a positive definite matrix")
		}
		tri := func(m []float64) []float64 { // the triangle ul names
			out := make([]float64, 0, n*(n+1)/2)
			for i := range n {
				for j := range n {
					if (ul == blas.Lower) == (j <= i) {
						out = append(out, m[i*n+j])
					}
				}
			}
			return out
		}
		near("Dpotrf", tri(f), tri(r))
		if !fast.Dpotri(ul, n, f, n) || !ref.Dpotri(ul, n, r, n) {
			t.Fatal("Dpotri failed")
		}
		near("Dpotri", tri(f), tri(r))
	}
	notPD := slices.Clone(a)
	notPD[0] = -1
	if fast.Dpotrf(blas.Lower, n, notPD, n) {
		t.Error("Dpotrf factored a matrix with a negative diagonal entry")
	}
	f, r := slices.Clone(a), slices.Clone(a)
	wf, wr := make([]float64, n), make([]float64, n)
	work := make([]float64, 1)
	ref.Dsyev(lapack.EVCompute, blas.Upper, n, r, n, wr, work, -1)
	work = make([]float64, int(work[0]))
	if !fast.Dsyev(lapack.EVCompute, blas.Upper, n, f, n, wf, nil, 0) || !ref.Dsyev(lapack.EVCompute, blas.Upper, n, r, n, wr, work, len(work)) {
		t.Fatal("Dsyev failed")
	}
	near("Dsyev eigenvalues", wf, wr)
	// Eigenvectors (columns) agree up to sign.
	for j := range n {
		s := 1.0
		if f[j]*r[j] < 0 {
			s = -1
		}
		for i := range n {
			if math.Abs(s*f[i*n+j]-r[i*n+j]) > 1e-8 {
				t.Fatalf("Dsyev eigenvector %d, entry %d: %.12g, gonum %.12g", j, i, f[i*n+j], r[i*n+j])
			}
		}
	}
}
