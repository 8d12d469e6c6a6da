//go:build cgo && !purego

package blasbackend

/*
#cgo CFLAGS: -fopenmp
#include <omp.h>
#include <stdint.h>
#include <string.h>

int nnfc_omp_team(int threads); // onednn.c

// Row k of dst (d floats) = row idx[k] of src, for k < rows, the rows
// shared out over the team in contiguous runs.
static void nnfc_copy_rows(int threads, float *dst, const float *src, const int64_t *idx, int64_t rows, int64_t d) {
	int team = nnfc_omp_team(threads);
#pragma omp parallel for num_threads(team) schedule(static)
	for (int64_t k = 0; k < rows; k++) memcpy(dst + k * d, src + idx[k] * d, (size_t)d * sizeof(float));
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"gonum.org/v1/gonum/blas/blas32"
)

// minCopyRows is the smallest copy, in floats, CopyRows32 shares out:
// below it, waking the second thread costs more than it saves.
const minCopyRows = 1 << 15

// CopyRows32 copies row idx[k] of src (rows of d floats) into row k of dst
// for every k on the oneDNN backend's OpenMP team, and reports whether it
// did. It reports false, having copied nothing, when the registered
// backend is not oneDNN on two threads or more or the copy is under
// minCopyRows floats; the caller then copies. Gathering a minibatch's
// random rows from a dataset larger than the caches waits on memory
// latency, a new row every 3 KB, so two threads copy it in about half the
// time: 128 MNIST rows in 26-27 µs instead of 48 (BenchmarkGatherLarge in
// pkg/data, whose Gather calls this). The indices must be in range; the
// caller checks them.
func CopyRows32(dst, src []float32, idx []int, d int) bool {
	if len(idx)*d < minCopyRows || unsafe.Sizeof(int(0)) != 8 {
		return false
	}
	if _, ok := blas32.Implementation().(OneDNN); !ok {
		return false
	}
	team := setOMPThreads(0)
	if team < 2 {
		return false
	}
	if len(dst) < len(idx)*d {
		panic(fmt.Sprintf("blasbackend: CopyRows32: dst has %d elements, want %d", len(dst), len(idx)*d))
	}
	C.nnfc_copy_rows(C.int(team), (*C.float)(unsafe.Pointer(&dst[0])), (*C.float)(unsafe.Pointer(&src[0])),
		(*C.int64_t)(unsafe.Pointer(&idx[0])), C.int64_t(len(idx)), C.int64_t(d))
	return true
}
