//go:build cgo && !purego

// The C kernels of package vec: the same arithmetic as ref.go, bit for bit,
// in loops gcc vectorizes. Bits are moved between float and integer with
// memcpy (well defined; compiled to nothing or a register move).

#include <math.h>
#include <string.h>
#include "kernels.h"

// No a·b+c fused into one FMA: Go rounds each operation (cgo's CFLAGS
// allowlist has no -ffp-contract, hence the pragma).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

// sqrtf and sqrt without errno, so that gcc vectorizes the optimizer loops
// ((v)sqrtps/(v)sqrtpd, the correctly rounded square root, as Go's
// math.Sqrt). With errno (the default) gcc follows each square root of a
// negative number with a library call that sets errno, and a loop with a
// call is not vectorized. cgo's CFLAGS allowlist has no -fno-math-errno,
// and gcc ignores it in a pragma or an optimize attribute (the builtins'
// attributes are fixed when the compiler starts); declaring the functions
// const (no side effects: errno is never read here) lets gcc treat them as
// the pure operation. The results do not depend on it, only the speed.
float sqrtf(float) __attribute__((const));
double sqrt(double) __attribute__((const));

// One copy per instruction set, picked at load time (an ifunc), where the
// compiler and the platform support it: x86-64 Linux with gcc or clang ≥ 14.
// Elsewhere (arm64, macOS) one copy for the baseline target.
#if defined(__x86_64__) && defined(__linux__) && (!defined(__clang__) || __clang_major__ >= 14)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

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

CLONES void nnfc_relu_mask_bias_grad_f32(float *d, const float *h, float *db, int64_t rows, int64_t cols, int64_t ld) {
	for (int64_t i = 0; i < rows; i++) {
		float *dr = d + i * ld;
		const float *hr = h + i * ld;
		for (int64_t j = 0; j < cols; j++) {
			uint32_t u = bits32(hr[j]);
			float v = from32(bits32(dr[j]) & sign32(u | (0u - u)));
			dr[j] = v;
			db[j] += v;
		}
	}
}

CLONES void nnfc_relu_mask_bias_grad_f64(double *d, const double *h, double *db, int64_t rows, int64_t cols, int64_t ld) {
	for (int64_t i = 0; i < rows; i++) {
		double *dr = d + i * ld;
		const double *hr = h + i * ld;
		for (int64_t j = 0; j < cols; j++) {
			uint64_t u = bits64(hr[j]);
			double v = from64(bits64(dr[j]) & sign64(u | (0u - u)));
			dr[j] = v;
			db[j] += v;
		}
	}
}

// exp32 of ref.go (Cephes' expf) without a branch, for the sigmoid and
// swish loops. Every constant is ref.go's, as a float literal (gcc rounds
// a decimal literal to the nearest float, as Go rounds a constant); every
// operation is a float operation in ref.go's order. The polynomial is
// computed for every element with x clamped to [EXP32_LO, EXP32_HI] (NaN
// to EXP32_LO), where it is exactly ref.go's exp32In and the conversion to
// int32 is in range; then the tails are put in as exp32 returns them:
// x itself for NaN, 0 below the range, +Inf above.
//
// The clamp and the tails are blends of bits under masks, not selects
// (?:). With selects gcc threads the clamped ends into paths of their own
// or sinks the polynomial into the branch that uses it, and a polynomial
// left on a branch is not vectorized: its operations may raise FP
// exceptions, so gcc does not execute them speculatively.
#define EXP32_LO (-87.33654f)
#define EXP32_HI 88.72283f

static inline float exp32(float x) {
	uint32_t ge_lo = 0u - (uint32_t)(x >= EXP32_LO); // all ones when x ≥ LO (not NaN)
	uint32_t le_hi = 0u - (uint32_t)(x <= EXP32_HI);
	uint32_t in = ge_lo & le_hi;                    // in range: the polynomial's result
	uint32_t over = ge_lo & ~le_hi;                 // above: +Inf
	uint32_t nan = ~ge_lo & (0u - (uint32_t)(x != x)); // NaN: x; the rest (below): 0
	uint32_t end = (bits32(EXP32_HI) & ge_lo) | (bits32(EXP32_LO) & ~ge_lo);
	float xc = from32((bits32(x) & in) | (end & ~in));

	float t = xc * 1.44269504088896341f + 12582912.0f;
	float fn = t - 12582912.0f;
	float r = xc - fn * 0.693359375f - fn * -2.12194440e-4f;
	float p = 1.9875691500e-4f * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	float y = p * (r * r) + r + 1.0f;
	int32_t n = (int32_t)fn; // truncation, as Go's int32(fn); fn is an integer
	int32_t n1 = n >> 1;
	float e = y * from32((uint32_t)(n1 + 127) << 23) * from32((uint32_t)(n - n1 + 127) << 23);

	return from32((bits32(e) & in) | (0x7f800000u & over) | (bits32(x) & nan));
}

CLONES void nnfc_sigmoid_f32(float *dst, const float *src, int64_t n) {
	for (int64_t i = 0; i < n; i++) {
		dst[i] = 1.0f / (1.0f + exp32(-src[i]));
	}
}

CLONES void nnfc_swish_f32(float *out, float *sig, const float *z, int64_t n) {
	for (int64_t i = 0; i < n; i++) {
		float v = z[i];
		float s = 1.0f / (1.0f + exp32(-v));
		sig[i] = s;
		out[i] = v * s;
	}
}

// nnfc_swish_inplace_f32 is nnfc_swish_f32's out for inference, written
// over z and without sig (nothing is kept for a backward pass): the same
// operations, so the same bits.
CLONES void nnfc_swish_inplace_f32(float *z, int64_t n) {
	for (int64_t i = 0; i < n; i++) {
		float v = z[i];
		float s = 1.0f / (1.0f + exp32(-v));
		z[i] = v * s;
	}
}

CLONES void nnfc_swish_backward_f32(float *dx, const float *g, const float *sig, const float *out, int64_t n) {
	for (int64_t i = 0; i < n; i++) {
		float s = sig[i];
		dx[i] = g[i] * (s + out[i] * (1.0f - s));
	}
}

// The optimizer update rules (pkg/optim), one element at a time in ref.go's
// order: every product rounded on its own (no FMA), w op= x as w = w op x.
// The per-step constants come from the caller. sqrtf and sqrt are correctly
// rounded, as Go's float32(math.Sqrt(float64(x))) and math.Sqrt.

CLONES void nnfc_momentum_f32(float *w, const float *dw, float *v, float mu, float lr, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		float vj = mu * v[j] - lr * dw[j];
		v[j] = vj;
		w[j] = w[j] + vj;
	}
}

CLONES void nnfc_momentum_f64(double *w, const double *dw, double *v, double mu, double lr, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		double vj = mu * v[j] - lr * dw[j];
		v[j] = vj;
		w[j] = w[j] + vj;
	}
}

CLONES void nnfc_nesterov_f32(float *w, const float *dw, float *v, float mu, float mu1, float lr, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		float vp = v[j];
		float vj = mu * vp - lr * dw[j];
		v[j] = vj;
		w[j] = w[j] + ((-mu) * vp + mu1 * vj);
	}
}

CLONES void nnfc_nesterov_f64(double *w, const double *dw, double *v, double mu, double mu1, double lr, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		double vp = v[j];
		double vj = mu * vp - lr * dw[j];
		v[j] = vj;
		w[j] = w[j] + ((-mu) * vp + mu1 * vj);
	}
}

CLONES void nnfc_rmsprop_f32(float *w, const float *dw, float *cache, float decay, float decay1, float eps,
                             float lr, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		float g = dw[j];
		float c0 = cache[j];
		float cj = fmaf(decay1, fmaf(g, g, -c0), c0); // c + decay1·(g² − c), two FMAs
		cache[j] = cj;
		w[j] = w[j] - lr * g / (sqrtf(cj) + eps);
	}
}

CLONES void nnfc_rmsprop_f64(double *w, const double *dw, double *cache, double decay, double decay1, double eps,
                             double lr, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		double g = dw[j];
		double c0 = cache[j];
		double cj = fma(decay1, fma(g, g, -c0), c0); // c + decay1·(g² − c), two FMAs
		cache[j] = cj;
		w[j] = w[j] - lr * g / (sqrt(cj) + eps);
	}
}

CLONES void nnfc_adam_f32(float *w, const float *dw, float *m, float *v, float b1, float c1, float b2, float c2,
                          float a, float s, float eps, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		float g = dw[j];
		float mj = b1 * m[j] + c1 * g;
		float vj = b2 * v[j] + c2 * g * g;
		m[j] = mj;
		v[j] = vj;
		w[j] = w[j] - a * mj / (sqrtf(vj) * s + eps);
	}
}

CLONES void nnfc_adam_f64(double *w, const double *dw, double *m, double *v, double b1, double c1, double b2,
                          double c2, double a, double s, double eps, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		double g = dw[j];
		double mj = b1 * m[j] + c1 * g;
		double vj = b2 * v[j] + c2 * g * g;
		m[j] = mj;
		v[j] = vj;
		w[j] = w[j] - a * mj / (sqrt(vj) * s + eps);
	}
}

CLONES void nnfc_adamw_f32(float *w, const float *dw, float *m, float *v, float b1, float c1, float b2, float c2,
                           float a, float s, float eps, float wd, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		float g = dw[j], wj = w[j];
		float mj = b1 * m[j] + c1 * g;
		float vj = b2 * v[j] + c2 * g * g;
		m[j] = mj;
		v[j] = vj;
		w[j] = wj - a * mj / (sqrtf(vj) * s + eps) - wd * wj;
	}
}

CLONES void nnfc_adamw_f64(double *w, const double *dw, double *m, double *v, double b1, double c1, double b2,
                           double c2, double a, double s, double eps, double wd, int64_t n) {
	for (int64_t j = 0; j < n; j++) {
		double g = dw[j], wj = w[j];
		double mj = b1 * m[j] + c1 * g;
		double vj = b2 * v[j] + c2 * g * g;
		m[j] = mj;
		v[j] = vj;
		w[j] = wj - a * mj / (sqrt(vj) * s + eps) - wd * wj;
	}
}

// nnfc_normalize_finite_f32: rows × cols values x, row-major. When every
// value is finite, each row r becomes (r − shift) · scale (each operation
// rounded to float32, as pkg/data's Normalizer.Apply) and -1 is returned;
// else x is left as it was and the index of the first NaN or ±Inf is
// returned. shift may be NULL: the values are only checked.
CLONES int64_t nnfc_normalize_finite_f32(float *x, const float *shift, const float *scale, int64_t rows,
                                         int64_t cols) {
	int64_t n = rows * cols;
	uint32_t bad = 0;
	for (int64_t i = 0; i < n; i++) {
		bad |= (bits32(x[i]) & 0x7f800000u) == 0x7f800000u;
	}
	if (bad) {
		for (int64_t i = 0; i < n; i++) {
			if ((bits32(x[i]) & 0x7f800000u) == 0x7f800000u) {
				return i;
			}
		}
	}
	if (shift == NULL) {
		return -1;
	}
	for (int64_t r = 0; r < rows; r++) {
		float *row = x + r * cols;
		for (int64_t j = 0; j < cols; j++) {
			row[j] = (row[j] - shift[j]) * scale[j];
		}
	}
	return -1;
}
