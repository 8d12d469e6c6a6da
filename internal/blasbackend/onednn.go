//go:build cgo && !purego

package blasbackend

/*
#cgo CFLAGS: -fopenmp
#cgo LDFLAGS: -ldnnl -lgomp
#include "onednn.h"
*/
import "C"

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/netlib/blas/netlib"
)

// useMatmul sends the GEMMs of smallGemm multiply-adds and more through
// oneDNN's matmul primitive (nnfc_matmul above); NNFC_ONEDNN_MATMUL=0 keeps
// them on dnnl_sgemm, to compare the two.
var useMatmul = os.Getenv("NNFC_ONEDNN_MATMUL") != "0"

// useSplit shares the large weight-shaped GEMMs out by rows of W
// (nnfc_split_sgemm above) on two threads or more; NNFC_ONEDNN_SPLIT=0
// leaves them to oneDNN's own threading, to compare the two.
var useSplit = os.Getenv("NNFC_ONEDNN_SPLIT") != "0"

// splitMaxRows: a forward product C = A·Bᵀ with more rows than this (an
// evaluation batch of 1000) stays on oneDNN's threaded matmul primitive,
// which was faster there (453-469k against 393-419k rows/s, round 9); W is
// not written between evaluation batches, so it does not move.
const splitMaxRows = 256

// splitCalls counts the GEMMs run split by rows of W, float32 and
// bfloat16 (for tests).
var splitCalls atomic.Int64

// ompThreads is the OpenMP thread count oneDNN's calls use (0: OpenMP's
// default, OMP_NUM_THREADS or one per core).
var ompThreads atomic.Int32

// ompDefault is OpenMP's default thread count, read once at start.
var ompDefault = int(C.omp_get_max_threads())

// Sizes, in multiply-adds m·n·k, below which a GEMM does not go the
// threaded oneDNN way (BenchmarkSgemmSize, this project's 2-vCPU Xeon,
// 2026-12-02). Below tinyGemm (spiral-sized products) OpenBLAS's small-matrix
// path is faster than oneDNN's dispatch (64×200×2: 2.5 µs vs 3.9 µs; 64×7×200:
// 2.6 vs 4.8 µs). Below smallGemm oneDNN runs on one thread: waking a second
// OpenMP thread costs more than it saves (the 10-wide products of a
// 784-512-10 step, 655,360 multiply-adds: dW2 10.4 µs on one thread, 117 µs on
// two); the 51M-multiply-add products of that step run 1.8-2.1× faster on two.
const (
	tinyGemm  = 1 << 17
	smallGemm = 1 << 23
)

// OneDNN is a gonum blas.Float32 (and blas.Float64) whose Sgemm is oneDNN's
// dnnl_sgemm; every other routine, float64 included, is OpenBLAS's, through
// the embedded netlib.Implementation. oneDNN has no double-precision GEMM.
type OneDNN struct {
	netlib.Implementation
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major A, B and C
// with dnnl_sgemm (row-major too, so the arguments pass through). It
// checks its arguments as gonum's implementations do and panics with
// their messages; with beta = 0, C is not read.
func (OneDNN) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
	beta float32, c []float32, ldc int) {
	ta, ok := transChar(tA)
	if !ok {
		panic("blas: illegal transpose")
	}
	tb, ok := transChar(tB)
	if !ok {
		panic("blas: illegal transpose")
	}
	if m < 0 {
		panic("blas: m < 0")
	}
	if n < 0 {
		panic("blas: n < 0")
	}
	if k < 0 {
		panic("blas: k < 0")
	}
	rowA, colA := m, k
	if ta == 'T' {
		rowA, colA = k, m
	}
	rowB, colB := k, n
	if tb == 'T' {
		rowB, colB = n, k
	}
	if lda < max(1, colA) {
		panic("blas: bad leading dimension of A")
	}
	if ldb < max(1, colB) {
		panic("blas: bad leading dimension of B")
	}
	if ldc < max(1, n) {
		panic("blas: bad leading dimension of C")
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		// C = beta·C: dnnl_sgemm rejects k = 0; gonum's loop is as good.
		gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if len(a) < lda*(rowA-1)+colA {
		panic("blas: insufficient length of a")
	}
	if len(b) < ldb*(rowB-1)+colB {
		panic("blas: insufficient length of b")
	}
	if len(c) < ldc*(m-1)+n {
		panic("blas: insufficient length of c")
	}
	var pa, pb *C.float
	if len(a) > 0 {
		pa = (*C.float)(unsafe.Pointer(&a[0]))
	}
	if len(b) > 0 {
		pb = (*C.float)(unsafe.Pointer(&b[0]))
	}
	work := m * n * k
	if work < tinyGemm {
		netlib.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	threads := int(ompThreads.Load())
	if threads == 0 {
		threads = ompDefault
	}
	if work < smallGemm {
		threads = 1
	}
	split := threads > 1 && useSplit && work >= smallGemm && ((tb == 'T' && ta == 'N' && m <= splitMaxRows) || (ta == 'T' && tb == 'N'))
	if work >= smallGemm && bf16.Load() {
		switch C.nnfc_matmul_bf16(C.int(threads), C.int(b2i(split)), C.char(ta), C.char(tb), C.int64_t(m), C.int64_t(n), C.int64_t(k),
			C.float(alpha), pa, C.int64_t(lda), pb, C.int64_t(ldb), C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int64_t(ldc)) {
		case -1:
			splitCalls.Add(1)
			bf16Calls.Add(1)
			return
		case 0:
			bf16Calls.Add(1)
			return
		case 2:
			panic(fmt.Sprintf("blasbackend: split bf16 GEMM (%c, %c, %d, %d, %d) failed after writing part of C", ta, tb, m, n, k))
		}
	}
	if split {
		// A failed block leaves the others written (with beta ≠ 0, applied):
		// there is no falling back to another path.
		if C.nnfc_split_sgemm(C.int(threads), C.char(ta), C.char(tb), C.int64_t(m), C.int64_t(n), C.int64_t(k), C.float(alpha),
			pa, C.int64_t(lda), pb, C.int64_t(ldb), C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int64_t(ldc)) != 0 {
			panic(fmt.Sprintf("blasbackend: split dnnl_sgemm(%c, %c, %d, %d, %d) failed after writing part of C", ta, tb, m, n, k))
		}
		splitCalls.Add(1)
		return
	}
	// Only alpha = 1 and beta = 0 or 1: a primitive is built per alpha and
	// beta, and the SGD update's alpha (−lr) and beta (1 − lr·decay) change
	// with the learning rate; those GEMMs stay on dnnl_sgemm.
	if work >= smallGemm && useMatmul && alpha == 1 && (beta == 0 || beta == 1) &&
		C.nnfc_matmul(C.int(threads), C.char(ta), C.char(tb), C.int64_t(m), C.int64_t(n), C.int64_t(k), C.float(alpha),
			pa, C.int64_t(lda), pb, C.int64_t(ldb), C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int64_t(ldc)) == 0 {
		return
	}
	st := C.nnfc_dnnl_sgemm(C.int(threads), C.char(ta), C.char(tb), C.int64_t(m), C.int64_t(n), C.int64_t(k),
		C.float(alpha), pa, C.int64_t(lda), pb, C.int64_t(ldb), C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int64_t(ldc))
	if st != C.dnnl_success {
		panic(fmt.Sprintf("blasbackend: dnnl_sgemm(%c, %c, %d, %d, %d, lda %d, ldb %d, ldc %d) returned status %d",
			ta, tb, m, n, k, lda, ldb, ldc, int(st)))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func transChar(t blas.Transpose) (byte, bool) {
	switch t {
	case blas.NoTrans:
		return 'N', true
	case blas.Trans, blas.ConjTrans: // real matrices: conjugation is a no-op
		return 'T', true
	}
	return 0, false
}

// setOMPThreads sets the thread count of oneDNN's calls (threads > 0) and
// returns the count its large GEMMs use (small ones run on one thread, and
// leave the calling OS thread's OpenMP count at 1, so that count is not it).
func setOMPThreads(threads int) int {
	if threads > 0 {
		ompThreads.Store(int32(threads))
	}
	if t := int(ompThreads.Load()); t > 0 {
		return t
	}
	return ompDefault
}

// OpenMPPools returns how many OS threads have run oneDNN work on a team
// of two threads or more so far: each has its own pool of OpenMP workers.
// nnfc runs all of it on the main thread (cmd/nnfc locks it), so 1; more
// pools mean more OpenMP threads than CPUs, and libgomp then cuts its
// workers' spinning between parallel regions (see cmd/nnfc's init).
func OpenMPPools() int { return int(C.nnfc_pool_count()) }

// OneDNNVersion returns oneDNN's version, e.g. "2.6.3".
func OneDNNVersion() string {
	var v [3]C.int
	C.nnfc_dnnl_version(&v[0])
	return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
}

// OneDNNISA returns the instruction set oneDNN's JIT kernels use on this
// CPU (dnnl_get_effective_cpu_isa), e.g. "avx512_core_bf16".
func OneDNNISA() string {
	switch C.nnfc_dnnl_isa() {
	case C.dnnl_cpu_isa_sse41:
		return "sse41"
	case C.dnnl_cpu_isa_avx:
		return "avx"
	case C.dnnl_cpu_isa_avx2:
		return "avx2"
	case C.dnnl_cpu_isa_avx2_vnni:
		return "avx2_vnni"
	case C.dnnl_cpu_isa_avx512_mic:
		return "avx512_mic"
	case C.dnnl_cpu_isa_avx512_mic_4ops:
		return "avx512_mic_4ops"
	case C.dnnl_cpu_isa_avx512_core:
		return "avx512_core"
	case C.dnnl_cpu_isa_avx512_core_vnni:
		return "avx512_core_vnni"
	case C.dnnl_cpu_isa_avx512_core_bf16:
		return "avx512_core_bf16"
	case C.dnnl_cpu_isa_avx512_core_amx:
		return "avx512_core_amx"
	case C.dnnl_cpu_isa_all:
		return "all"
	}
	return fmt.Sprintf("isa 0x%x", int(C.nnfc_dnnl_isa()))
}
