//go:build cgo && !purego

package blasbackend

/*
#cgo CFLAGS: -fopenmp
#cgo LDFLAGS: -ldnnl -lgomp
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <oneapi/dnnl/dnnl.h>

// oneDNN 2.6.3's JIT GEMM kernels run for part of the time with the stack
// pointer inside a heap buffer (a SIGPROF handler on an alternate stack
// found RSP in the heap, not the thread's stack, in 62 of 226 samples). A
// signal handled on the current stack then writes its frame over the heap
// below that buffer, and glibc aborts later ("corrupted size vs.
// prev_size"). Go's threads take their signals on an alternate stack, so
// they are safe; OpenMP's workers are not Go's threads and have none, and
// SIGPROF (setitimer, process-wide, --cpuprofile) or any other handled
// signal routed to them crashed nnfc. So each worker blocks the
// asynchronous signals once; the kernel then routes process-directed ones
// to Go's threads. The faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
// SIGSYS) stay unblocked: blocked, they would kill without a report.
//
// A pool of OpenMP workers belongs to the thread that starts the parallel
// region, and a cgo call runs on whichever thread its goroutine is on, so
// each calling thread masks its own pool, once per team size it has used.
static __thread int nnfc_masked_team;

static void nnfc_mask_omp_workers(int team) {
	if (team <= nnfc_masked_team) return;
#pragma omp parallel num_threads(team)
	{
		if (omp_get_thread_num() != 0) {
			sigset_t s;
			sigfillset(&s);
			sigdelset(&s, SIGSEGV);
			sigdelset(&s, SIGBUS);
			sigdelset(&s, SIGFPE);
			sigdelset(&s, SIGILL);
			sigdelset(&s, SIGTRAP);
			sigdelset(&s, SIGSYS);
			pthread_sigmask(SIG_BLOCK, &s, NULL);
		}
	}
	nnfc_masked_team = team;
}

// OpenMP's thread count is an internal control variable of the calling
// thread, and Go runs cgo calls on whichever OS thread the goroutine is on,
// so the count is set on that thread before each call (a thread-local
// read when it is already right).
static int nnfc_dnnl_sgemm(int threads, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
	if (threads > 0 && omp_get_max_threads() != threads) omp_set_num_threads(threads);
	nnfc_mask_omp_workers(omp_get_max_threads());
	return (int)dnnl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static int nnfc_dnnl_isa(void) { return (int)dnnl_get_effective_cpu_isa(); }
static void nnfc_dnnl_version(int *v) {
	const dnnl_version_t *d = dnnl_version();
	v[0] = d->major; v[1] = d->minor; v[2] = d->patch;
}
*/
import "C"

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/netlib/blas/netlib"
)

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
	st := C.nnfc_dnnl_sgemm(C.int(threads), C.char(ta), C.char(tb), C.int64_t(m), C.int64_t(n), C.int64_t(k),
		C.float(alpha), pa, C.int64_t(lda), pb, C.int64_t(ldb), C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int64_t(ldc))
	if st != C.dnnl_success {
		panic(fmt.Sprintf("blasbackend: dnnl_sgemm(%c, %c, %d, %d, %d, lda %d, ldb %d, ldc %d) returned status %d",
			ta, tb, m, n, k, lda, ldb, ldc, int(st)))
	}
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
