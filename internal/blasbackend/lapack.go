//go:build cgo && !purego

package blasbackend

/*
#cgo LDFLAGS: -lopenblas

// OpenBLAS's LAPACK (Fortran calling convention), declared here like the
// cblas symbols in openblas.go.
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
	double* work, const int* lwork, int* iwork, const int* liwork, int* info);
*/
import "C"

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// openBLASLapack is gonum's pure-Go LAPACK with the Cholesky factorization
// and the inverse from it (Dpotrf, Dpotri) and the symmetric eigensolver
// (Dsyev) run by OpenBLAS: one blocked, threaded level-3 call each, where
// gonum's own run per-column level-2 loops (Dpotri's Dtrti2 and Dlauu2 call
// Dtrmv once per column: a cgo call each when the BLAS is OpenBLAS; Dsyev's
// QR iteration applies its rotations with the pure-Go Dlasr). Dsyev runs
// LAPACK's divide-and-conquer dsyevd, which returns what dsyev returns
// (the eigenvalues ascending, orthonormal eigenvectors). Every other
// routine, Dpotrs included (two Dtrsm, already level-3 on the registered
// BLAS), stays gonum's.
//
// gonum's LAPACK is row-major, Fortran's column-major: a row-major lower
// triangle is a column-major upper one, so ul is swapped on the way in.
type openBLASLapack struct{ gonum.Implementation }

func fortranUplo(ul blas.Uplo) C.char {
	switch ul {
	case blas.Lower:
		return 'U'
	case blas.Upper:
		return 'L'
	}
	panic(fmt.Sprintf("blasbackend: bad uplo %v", ul))
}

func checkSquare(name string, n int, a []float64, lda int) {
	if n < 0 || lda < max(1, n) || (n > 0 && len(a) < (n-1)*lda+n) {
		panic(fmt.Sprintf("blasbackend: %s: n %d, lda %d, len(a) %d", name, n, lda, len(a)))
	}
}

// Dpotrf factors the symmetric positive definite n×n a as UᵀU (ul Upper)
// or LLᵀ (Lower) in place; ok is false when a is not positive definite.
func (openBLASLapack) Dpotrf(ul blas.Uplo, n int, a []float64, lda int) bool {
	checkSquare("Dpotrf", n, a, lda)
	if n == 0 {
		return true
	}
	u, cn, clda := fortranUplo(ul), C.int(n), C.int(lda)
	var info C.int
	C.dpotrf_(&u, &cn, (*C.double)(&a[0]), &clda, &info)
	return info == 0
}

// Dpotri overwrites the Cholesky factor in a with the same triangle of
// the inverse of the matrix it factors; ok is false when the factor is
// singular.
func (openBLASLapack) Dpotri(ul blas.Uplo, n int, a []float64, lda int) bool {
	checkSquare("Dpotri", n, a, lda)
	if n == 0 {
		return true
	}
	u, cn, clda := fortranUplo(ul), C.int(n), C.int(lda)
	var info C.int
	C.dpotri_(&u, &cn, (*C.double)(&a[0]), &clda, &info)
	return info == 0
}

// Dsyev computes the eigenvalues of the symmetric n×n a into w, ascending,
// and with jobz lapack.EVCompute the orthonormal eigenvectors into the
// columns of a. With lwork -1 it only reports its workspace, none: it
// allocates its own.
func (openBLASLapack) Dsyev(jobz lapack.EVJob, ul blas.Uplo, n int, a []float64, lda int, w, work []float64, lwork int) bool {
	if lwork == -1 {
		work[0] = 1
		return true
	}
	checkSquare("Dsyev", n, a, lda)
	if len(w) < n {
		panic(fmt.Sprintf("blasbackend: Dsyev: len(w) %d < n %d", len(w), n))
	}
	if n == 0 {
		return true
	}
	var jz C.char = 'N'
	if jobz == lapack.EVCompute {
		jz = 'V'
	}
	u, cn, clda := fortranUplo(ul), C.int(n), C.int(lda)
	var info C.int
	// The workspace query, then the call.
	var wq C.double
	var iwq C.int
	m1 := C.int(-1)
	C.dsyevd_(&jz, &u, &cn, (*C.double)(&a[0]), &clda, (*C.double)(&w[0]), &wq, &m1, &iwq, &m1, &info)
	if info != 0 {
		return false
	}
	wk, iwk := make([]float64, int(wq)), make([]C.int, int(iwq))
	lw, liw := C.int(len(wk)), C.int(len(iwk))
	C.dsyevd_(&jz, &u, &cn, (*C.double)(&a[0]), &clda, (*C.double)(&w[0]), (*C.double)(&wk[0]), &lw, &iwk[0], &liw, &info)
	if info != 0 {
		return false
	}
	if jobz == lapack.EVCompute {
		// Fortran's eigenvector columns are the row-major rows: transpose.
		for i := range n {
			for j := range i {
				a[i*lda+j], a[j*lda+i] = a[j*lda+i], a[i*lda+j]
			}
		}
	}
	return true
}
