package layers

import (
	"fmt"
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// Float is the element type of every numeric buffer in nnfc: float32 for
// training (half the memory traffic, twice the SIMD width), float64 for
// gradient checking.
type Float interface {
	float32 | float64
}

// Matrix is a dense row-major matrix: element (i, j) is Data[i*Cols+j].
// A batch of N samples with D features is a Matrix with Rows=N, Cols=D.
// Its memory maps without copying onto blas32.General / blas64.General
// with Stride=Cols.
type Matrix[T Float] struct {
	Rows, Cols int
	Data       []T
}

// NewMatrix returns a zeroed rows×cols matrix.
func NewMatrix[T Float](rows, cols int) *Matrix[T] {
	return &Matrix[T]{Rows: rows, Cols: cols, Data: make([]T, rows*cols)}
}

// At returns element (i, j).
func (m *Matrix[T]) At(i, j int) T { return m.Data[i*m.Cols+j] }

// Row returns row i as a slice view.
func (m *Matrix[T]) Row(i int) []T { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// Resize sets the shape to rows×cols, reusing the backing array when it is
// large enough, so a buffer sized for the largest batch never reallocates.
// The contents after a resize are unspecified.
func (m *Matrix[T]) Resize(rows, cols int) {
	n := rows * cols
	if cap(m.Data) < n {
		m.Data = make([]T, n)
	}
	m.Rows, m.Cols, m.Data = rows, cols, m.Data[:n]
}

// ensure returns m resized to rows×cols, allocating m when it is nil.
func ensure[T Float](m *Matrix[T], rows, cols int) *Matrix[T] {
	if m == nil {
		return NewMatrix[T](rows, cols)
	}
	m.Resize(rows, cols)
	return m
}

// Gemm computes c = alpha·op(a)·op(b) + beta·c, where op(x) is x or xᵀ as
// transA / transB say. Every matrix product in nnfc goes through here and
// so through gonum's BLAS interface (blas32.Implementation or
// blas64.Implementation), which lets a faster BLAS be plugged in with
// blas32.Use / blas64.Use and no change to the layers.
func Gemm[T Float](transA, transB bool, alpha T, a, b *Matrix[T], beta T, c *Matrix[T]) {
	m, k := a.Rows, a.Cols
	if transA {
		m, k = k, m
	}
	kb, n := b.Rows, b.Cols
	if transB {
		kb, n = n, kb
	}
	if k != kb || c.Rows != m || c.Cols != n {
		panic(fmt.Sprintf("layers: gemm shape mismatch: op(a) %d×%d, op(b) %d×%d, c %d×%d", m, k, kb, n, c.Rows, c.Cols))
	}
	if m == 0 || n == 0 {
		return
	}
	gemm(transA, transB, m, n, k, alpha, a.Data, max(a.Cols, 1), b.Data, max(b.Cols, 1), beta, c.Data, c.Cols)
}

// gemm is Gemm on row-major operands with leading dimensions, for
// sub-blocks of matrices: c (m×n, rows ldc apart) = alpha·op(a)·op(b) +
// beta·c.
func gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	var zero T
	switch any(zero).(type) {
	case float32:
		blas32.Implementation().Sgemm(tA, tB, m, n, k, float32(alpha), f32(a), lda, f32(b), ldb, float32(beta), f32(c), ldc)
	case float64:
		blas64.Implementation().Dgemm(tA, tB, m, n, k, float64(alpha), f64(a), lda, f64(b), ldb, float64(beta), f64(c), ldc)
	}
}

// f32 and f64 reinterpret a []T whose T is known to be float32 / float64.
// They exist because a type switch on a generic slice would allocate.
func f32[T Float](s []T) []float32 { return *(*[]float32)(unsafe.Pointer(&s)) }
func f64[T Float](s []T) []float64 { return *(*[]float64)(unsafe.Pointer(&s)) }
