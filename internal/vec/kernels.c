//go:build cgo && !purego

// The C kernels of package vec: the same arithmetic as ref.go, bit for bit,
// in loops gcc vectorizes. Bits are moved between float and integer with
// memcpy (well defined; compiled to nothing or a register move).

#include <string.h>
#include "kernels.h"

// No a·b+c fused into one FMA: Go rounds each operation (cgo's CFLAGS
// allowlist has no -ffp-contract, hence the pragma).
#pragma GCC optimize("fp-contract=off")

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

static inline uint32_t bits32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float from32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint64_t bits64(double f) { uint64_t u; memcpy(&u, &f, 8); return u; }
static inline double from64(uint64_t u) { double f; memcpy(&f, &u, 8); return f; }

// sign32(u) is all ones when u's top bit is set, else 0 (arithmetic shift).
static inline uint32_t sign32(uint32_t u) { return (uint32_t)((int32_t)u >> 31); }
static inline uint64_t sign64(uint64_t u) { return (uint64_t)((int64_t)u >> 63); }

CLONES void nnfc_bias_relu_f32(float *h, const float *b, int64_t rows, int64_t cols) {
	for (int64_t i = 0; i < rows; i++) {
		float *r = h + i * cols;
		for (int64_t j = 0; j < cols; j++) {
			uint32_t u = bits32(r[j] + b[j]);
			r[j] = from32(u & ~sign32(u));
		}
	}
}

CLONES void nnfc_bias_relu_f64(double *h, const double *b, int64_t rows, int64_t cols) {
	for (int64_t i = 0; i < rows; i++) {
		double *r = h + i * cols;
		for (int64_t j = 0; j < cols; j++) {
			uint64_t u = bits64(r[j] + b[j]);
			r[j] = from64(u & ~sign64(u));
		}
	}
}

CLONES void nnfc_relu_mask_bias_grad_f32(float *d, const float *h, float *db, int64_t rows, int64_t cols) {
	for (int64_t i = 0; i < rows; i++) {
		float *dr = d + i * cols;
		const float *hr = h + i * cols;
		for (int64_t j = 0; j < cols; j++) {
			uint32_t u = bits32(hr[j]);
			float v = from32(bits32(dr[j]) & sign32(u | (0u - u)));
			dr[j] = v;
			db[j] += v;
		}
	}
}

CLONES void nnfc_relu_mask_bias_grad_f64(double *d, const double *h, double *db, int64_t rows, int64_t cols) {
	for (int64_t i = 0; i < rows; i++) {
		double *dr = d + i * cols;
		const double *hr = h + i * cols;
		for (int64_t j = 0; j < cols; j++) {
			uint64_t u = bits64(hr[j]);
			double v = from64(bits64(dr[j]) & sign64(u | (0u - u)));
			dr[j] = v;
			db[j] += v;
		}
	}
}
