//go:build cgo && !purego

// The element-wise passes on OpenMP threads: each thread runs the
// one-thread kernel of kernels.c on its own block, so the arithmetic, and
// the bits of the result, are those of one thread. The team is the calling
// thread's OpenMP pool, the one oneDNN's GEMMs use, so after a GEMM its
// workers are awake.

#include <omp.h>
#include "kernels.h"

// Below this many elements a pass runs on the calling thread alone: a
// parallel region costs a few microseconds; 128×512 float32 takes ~10 µs.
#define PAR_MIN (16 * 1024)

// block sets [*lo, *hi) to thread t's share of n items in whole units of
// align items (the last block takes the remainder).
static inline void block(int64_t n, int64_t align, int t, int nt, int64_t *lo, int64_t *hi) {
	int64_t units = (n + align - 1) / align;
	*lo = units * t / nt * align;
	*hi = units * (t + 1) / nt * align;
	if (*lo > n) *lo = n;
	if (*hi > n) *hi = n;
}

// 16 floats or 8 doubles: one AVX-512 vector, so no block but the last has
// a tail.
#define ALIGN 16

void nnfc_par_bias_relu_f32(int nt, float *h, const float *b, int64_t rows, int64_t cols) {
	if (nt < 2 || rows < 2 || rows * cols < PAR_MIN) {
		nnfc_bias_relu_f32(h, b, rows, cols);
		return;
	}
#pragma omp parallel num_threads(nt)
	{
		int64_t lo, hi;
		block(rows, 1, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (hi > lo) nnfc_bias_relu_f32(h + lo * cols, b, hi - lo, cols);
	}
}

void nnfc_par_bias_relu_f64(int nt, double *h, const double *b, int64_t rows, int64_t cols) {
	if (nt < 2 || rows < 2 || rows * cols < PAR_MIN) {
		nnfc_bias_relu_f64(h, b, rows, cols);
		return;
	}
#pragma omp parallel num_threads(nt)
	{
		int64_t lo, hi;
		block(rows, 1, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (hi > lo) nnfc_bias_relu_f64(h + lo * cols, b, hi - lo, cols);
	}
}

void nnfc_par_relu_mask_bias_grad_f32(int nt, float *d, const float *h, float *db, int64_t rows, int64_t cols) {
	if (nt < 2 || cols < 2 * ALIGN || rows * cols < PAR_MIN) {
		nnfc_relu_mask_bias_grad_f32(d, h, db, rows, cols, cols);
		return;
	}
#pragma omp parallel num_threads(nt)
	{
		int64_t lo, hi;
		block(cols, ALIGN, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (hi > lo) nnfc_relu_mask_bias_grad_f32(d + lo, h + lo, db + lo, rows, hi - lo, cols);
	}
}

void nnfc_par_relu_mask_bias_grad_f64(int nt, double *d, const double *h, double *db, int64_t rows, int64_t cols) {
	if (nt < 2 || cols < 2 * ALIGN || rows * cols < PAR_MIN) {
		nnfc_relu_mask_bias_grad_f64(d, h, db, rows, cols, cols);
		return;
	}
#pragma omp parallel num_threads(nt)
	{
		int64_t lo, hi;
		block(cols, ALIGN, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (hi > lo) nnfc_relu_mask_bias_grad_f64(d + lo, h + lo, db + lo, rows, hi - lo, cols);
	}
}

void nnfc_par_sigmoid_f32(int nt, float *dst, const float *src, int64_t n) {
	if (nt < 2 || n < PAR_MIN) {
		nnfc_sigmoid_f32(dst, src, n);
		return;
	}
#pragma omp parallel num_threads(nt)
	{
		int64_t lo, hi;
		block(n, ALIGN, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (hi > lo) nnfc_sigmoid_f32(dst + lo, src + lo, hi - lo);
	}
}

void nnfc_par_swish_f32(int nt, float *out, float *sig, const float *z, int64_t n) {
	if (nt < 2 || n < PAR_MIN) {
		nnfc_swish_f32(out, sig, z, n);
		return;
	}
#pragma omp parallel num_threads(nt)
	{
		int64_t lo, hi;
		block(n, ALIGN, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (hi > lo) nnfc_swish_f32(out + lo, sig + lo, z + lo, hi - lo);
	}
}

void nnfc_par_swish_backward_f32(int nt, float *dx, const float *g, const float *sig, const float *out, int64_t n) {
	if (nt < 2 || n < PAR_MIN) {
		nnfc_swish_backward_f32(dx, g, sig, out, n);
		return;
	}
#pragma omp parallel num_threads(nt)
	{
		int64_t lo, hi;
		block(n, ALIGN, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (hi > lo) nnfc_swish_backward_f32(dx + lo, g + lo, sig + lo, out + lo, hi - lo);
	}
}
