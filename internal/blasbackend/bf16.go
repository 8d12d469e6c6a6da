//go:build cgo && !purego

package blasbackend

/*
#cgo CFLAGS: -fopenmp
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

int nnfc_bf16_probe(char *buf, int len); // onednn.c

// bfloat16 is the top half of a float32 (sign, 8 exponent bits, 7
// mantissa bits). nnfc_f32_to_bf16 rounds to nearest even, keeps NaNs
// quiet, and flushes denormal inputs to signed zero, as the AVX-512 BF16
// instruction below does, so both paths give the same bits.
static inline uint16_t nnfc_f32_to_bf16(float f) {
	uint32_t u;
	memcpy(&u, &f, 4);
	if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); // NaN, quiet
	if ((u & 0x7f800000u) == 0) return (uint16_t)((u >> 16) & 0x8000);        // zero, denormal: ±0
	u += 0x7fffu + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

static void nnfc_bf16_row_scalar(const float *x, uint16_t *y, int64_t n) {
	for (int64_t i = 0; i < n; i++) y[i] = nnfc_f32_to_bf16(x[i]);
}

// VCVTNE2PS2BF16: 32 floats to bf16 per instruction (round to nearest
// even, denormals to zero); the tail goes the scalar way.
__attribute__((target("avx512f,avx512bf16")))
static void nnfc_bf16_row_avx512(const float *x, uint16_t *y, int64_t n) {
	int64_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m512bh r = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
		_mm512_storeu_si512((void *)(y + i), (__m512i)r);
	}
	nnfc_bf16_row_scalar(x + i, y + i, n - i);
}

static int nnfc_bf16_simd = -1;

static int nnfc_bf16_has_simd(void) {
	if (nnfc_bf16_simd < 0) {
		__builtin_cpu_init();
		nnfc_bf16_simd = __builtin_cpu_supports("avx512bf16") ? 1 : 0;
	}
	return nnfc_bf16_simd;
}

typedef void (*nnfc_bf16_row_fn)(const float *, uint16_t *, int64_t);

// nnfc_bf16_row picks the row conversion: AVX-512 BF16 when the CPU has
// it, else the scalar loop (the same bits); simd 0 forces the scalar one.
static nnfc_bf16_row_fn nnfc_bf16_row(int simd) {
	return simd && nnfc_bf16_has_simd() ? nnfc_bf16_row_avx512 : nnfc_bf16_row_scalar;
}

// nnfc_bf16_pack converts rows×cols floats (row stride ld) into dst,
// packed (row stride cols), the rows shared out over team threads when
// there are enough of them. simd 0 forces the scalar path (tests).
// Not static: onednn.c's bf16 matmul calls it.
void nnfc_bf16_pack(int team, int simd, const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst) {
	nnfc_bf16_row_fn row = nnfc_bf16_row(simd);
	if (rows * cols < (1 << 15)) team = 1;
#pragma omp parallel for num_threads(team) schedule(static)
	for (int64_t r = 0; r < rows; r++) row(src + r * ld, dst + r * cols, cols);
}

// nnfc_bf16_pack_for is nnfc_bf16_pack inside a parallel region: the
// rows shared out over the region's threads (an orphaned omp for, with its
// barrier at the end). Not static: onednn.c's split calls it.
void nnfc_bf16_pack_for(const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst) {
	nnfc_bf16_row_fn row = nnfc_bf16_row(1);
#pragma omp for schedule(static)
	for (int64_t r = 0; r < rows; r++) row(src + r * ld, dst + r * cols, cols);
}

// nnfc_bf16_pack_serial converts rows×cols floats (row stride ld) into dst
// (row stride dld) on the calling thread alone.
void nnfc_bf16_pack_serial(const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst, int64_t dld) {
	nnfc_bf16_row_fn row = nnfc_bf16_row(1);
	for (int64_t r = 0; r < rows; r++) row(src + r * ld, dst + r * dld, cols);
}

static int nnfc_bf16_simd_used(void) { return nnfc_bf16_has_simd(); }
*/
import "C"

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"gonum.org/v1/gonum/blas/blas32"
)

// bf16 is the bfloat16 mode: when set, the OneDNN backend's large GEMMs
// (smallGemm multiply-adds and more) round their inputs to bfloat16 and
// accumulate in float32 (see SetBFloat16).
var bf16 atomic.Bool

// bf16Calls counts the GEMMs that ran in bfloat16 (BFloat16Calls).
var bf16Calls atomic.Int64

// SetBFloat16 turns the bfloat16 mode on or off: `precision: bfloat16`.
// With it on, every float32 GEMM of 2^23 multiply-adds or more (the
// first layer's forward and weight update of a 784-512-10 net; the
// evaluation forward) converts A and B to bfloat16, rounding to nearest
// even, and runs oneDNN's bf16 matmul primitive, which accumulates in
// float32 and writes float32. The weights, activations, gradients and
// update stay float32 (the master weights); the smaller GEMMs are
// untouched. It needs the oneDNN backend and a primitive oneDNN can build
// with a bf16 kernel on this CPU (not its reference code); otherwise it
// returns an error and leaves the mode off. It returns the kernel oneDNN
// chose, e.g. "brg:avx512_core_bf16".
func SetBFloat16(on bool) (string, error) {
	if !on {
		bf16.Store(false)
		return "", nil
	}
	if _, ok := blas32.Implementation().(OneDNN); !ok {
		return "", fmt.Errorf("precision bfloat16 needs the onednn backend (--blas onednn); this run uses %s", Name())
	}
	var buf [64]C.char
	if C.nnfc_bf16_probe(&buf[0], C.int(len(buf))) != 0 {
		return "", fmt.Errorf("precision bfloat16: oneDNN %s cannot build a bf16 matmul on this CPU (ISA %s)", OneDNNVersion(), OneDNNISA())
	}
	impl := C.GoString(&buf[0])
	if len(impl) >= 3 && impl[:3] == "ref" {
		return "", fmt.Errorf("precision bfloat16: oneDNN %s has only its reference bf16 matmul (%s) on this CPU (ISA %s): far slower than float32",
			OneDNNVersion(), impl, OneDNNISA())
	}
	bf16.Store(true)
	return impl, nil
}

// BFloat16 reports whether the bfloat16 mode is on.
func BFloat16() bool { return bf16.Load() }

// BFloat16Calls returns how many GEMMs have run in bfloat16 so far.
func BFloat16Calls() int64 { return bf16Calls.Load() }

// toBF16 converts src (rows×cols, row stride ld) to packed bfloat16 bits
// in dst, on team threads; simd false forces the scalar conversion. For
// tests.
func toBF16(team int, simd bool, src []float32, rows, cols, ld int, dst []uint16) {
	if rows == 0 || cols == 0 {
		return
	}
	if len(src) < ld*(rows-1)+cols || len(dst) < rows*cols {
		panic("blasbackend: toBF16: short buffer")
	}
	s := 0
	if simd {
		s = 1
	}
	C.nnfc_bf16_pack(C.int(team), C.int(s), (*C.float)(unsafe.Pointer(&src[0])), C.int64_t(rows), C.int64_t(cols),
		C.int64_t(ld), (*C.uint16_t)(unsafe.Pointer(&dst[0])))
}

// bf16SIMD reports whether the conversion uses AVX-512 BF16 on this CPU.
func bf16SIMD() bool { return C.nnfc_bf16_simd_used() != 0 }
