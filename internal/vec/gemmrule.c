//go:build cgo && !purego

// A weight's gradient and its update rule in one pass (issue 26 item 3):
// dW = dzᵀ·x computed tile by tile in AVX-512 registers, and each tile
// handed straight to the rule (momentum, Nesterov, RMSprop, Adam, AdamW)
// without ever being written to memory. The rule's element arithmetic is
// kernels.c's, operation for operation (no FMA outside the dot products),
// so from the same dW it gives the same bits.
//
// Why not the BLAS GEMM followed by the rule's loop: the loop reads dW
// back and moves W and the state through the caches once more, and Adam's
// and RMSprop's square root and division run on the divider, measured at
// about 1 cycle per float32 element on Zen 4 (sqrt 0.6, division 0.37)
// with every operand in L1 — for the 784-512 layer as long as the whole
// 10% a rule may cost beside plain SGD. Here the rule of one tile runs
// interleaved with the dot products of the next (a vector every other k),
// so the divider and the loads work while the FMA units do, and W and the
// state of the tile two ahead are prefetched.
//
// The dot products: each entry of dW is Σ_k dz[k][i]·x[k][j] accumulated
// in k order with one FMA per term, from 0.

#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include "kernels.h"

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#define AVX512 __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline)) AVX512

// A tile is MR rows × NV vectors of 16 columns: 24 accumulators. W and
// the state of the tile PFD tiles ahead are prefetched into L2 (PFH);
// without it, the 784-512 layer's Adam pass took 0.84–1.02 ms instead of
// about 0.6 (on a loaded machine, best of 15).
enum { MR = 8, NV = 3, NR = 16 * NV, TILE = MR * NV, PFD = 2 };
#define PFH _MM_HINT_T1

// rule is one parameter's update: kind (NNFC_RULE_*), the per-step
// constants in kernels.c's argument order, the state arrays (s2 only for
// Adam and AdamW), and the L2 term's factor (0: none).
typedef struct {
	int kind;
	float k[8];
	float *w, *s1, *s2;
	float decay;
	int64_t in;
} rule;

// apply1 applies r to the 16 (masked: fewer) entries at offset o of W
// from their gradient g (before the L2 term).
INLINE void apply1(const rule *r, const int kind, int64_t o, __m512 g, __mmask16 mk) {
	float *wp = r->w + o, *s1 = r->s1 + o;
	__m512 w = _mm512_maskz_loadu_ps(mk, wp);
	if (r->decay != 0) g = _mm512_add_ps(g, _mm512_mul_ps(_mm512_set1_ps(r->decay), w));
	const float *k = r->k;
	switch (kind) {
	case NNFC_RULE_MOMENTUM: { // v = mu·v − lr·g; w = w + v
		__m512 vj = _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(k[0]), _mm512_maskz_loadu_ps(mk, s1)),
		                          _mm512_mul_ps(_mm512_set1_ps(k[1]), g));
		_mm512_mask_storeu_ps(s1, mk, vj);
		_mm512_mask_storeu_ps(wp, mk, _mm512_add_ps(w, vj));
		break;
	}
	case NNFC_RULE_NESTEROV: { // vp = v; v = mu·vp − lr·g; w = w + ((−mu)·vp + mu1·v)
		__m512 vp = _mm512_maskz_loadu_ps(mk, s1);
		__m512 vj = _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(k[0]), vp), _mm512_mul_ps(_mm512_set1_ps(k[2]), g));
		_mm512_mask_storeu_ps(s1, mk, vj);
		__m512 d = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(-k[0]), vp), _mm512_mul_ps(_mm512_set1_ps(k[1]), vj));
		_mm512_mask_storeu_ps(wp, mk, _mm512_add_ps(w, d));
		break;
	}
	case NNFC_RULE_RMSPROP: { // c = fma(decay1, fma(g, g, −c), c); w = w − (lr·g)/(√c + eps)
		__m512 c0 = _mm512_maskz_loadu_ps(mk, s1);
		__m512 cj = _mm512_fmadd_ps(_mm512_set1_ps(k[1]), _mm512_fmsub_ps(g, g, c0), c0);
		_mm512_mask_storeu_ps(s1, mk, cj);
		__m512 q = _mm512_div_ps(_mm512_mul_ps(_mm512_set1_ps(k[3]), g),
		                         _mm512_add_ps(_mm512_sqrt_ps(cj), _mm512_set1_ps(k[2])));
		_mm512_mask_storeu_ps(wp, mk, _mm512_sub_ps(w, q));
		break;
	}
	default: { // Adam, AdamW: m = b1·m + c1·g; v = b2·v + (c2·g)·g; x = (a·m)/(√v·s + eps)
		float *s2 = r->s2 + o;
		__m512 mj = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(k[0]), _mm512_maskz_loadu_ps(mk, s1)),
		                          _mm512_mul_ps(_mm512_set1_ps(k[1]), g));
		__m512 vj = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(k[2]), _mm512_maskz_loadu_ps(mk, s2)),
		                          _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(k[3]), g), g));
		_mm512_mask_storeu_ps(s1, mk, mj);
		_mm512_mask_storeu_ps(s2, mk, vj);
		__m512 q = _mm512_div_ps(_mm512_mul_ps(_mm512_set1_ps(k[4]), mj),
		                         _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vj), _mm512_set1_ps(k[5])),
		                                       _mm512_set1_ps(k[6])));
		__m512 nw = _mm512_sub_ps(w, q);
		if (kind == NNFC_RULE_ADAMW) nw = _mm512_sub_ps(nw, _mm512_mul_ps(_mm512_set1_ps(k[7]), w));
		_mm512_mask_storeu_ps(wp, mk, nw);
	}
	}
}

// pending is a computed tile whose rule is still to apply: its gradient
// in g (TILE vectors), its first entry's offset in W, its rows and the
// masks of its NV column vectors.
typedef struct {
	__m512 g[TILE];
	int64_t off;
	int rows;
	__mmask16 mk[NV];
} pending;

// applyOne applies the rule to vector e of the pending tile p (nothing
// for rows or vectors outside the matrix).
INLINE void applyOne(const rule *r, const int kind, const pending *p, int e) {
	int i = e / NV, c = e % NV;
	if (i < p->rows && p->mk[c]) apply1(r, kind, p->off + i * r->in + 16 * c, p->g[e], p->mk[c]);
}

// tile computes the rows [i0, i0+rows) × columns [j0, j0+NR) of dW into
// out (columns at and past `in` masked off), applying the rule to the
// previous tile prev (when it has rows) a vector every other k, and
// prefetching W and the state at offset pf (≥ 0) for a later tile.
// full: rows = MR and the first nvx column vectors inside the matrix (no
// masks); the tile's other vectors are not computed (masked off).
INLINE void tile(const rule *r, const int kind, const float *dz, int64_t ldz, const float *x, int64_t n, int64_t i0,
                 int rows, int64_t j0, pending *out, pending *prev, int64_t pf, const int full, const int nvx) {
	int64_t in = r->in;
	__m512 acc[MR][NV];
	int ri[MR];
	for (int i = 0; i < MR; i++) {
		ri[i] = full || i < rows ? i : rows - 1; // rows past the end repeat the last row
		for (int c = 0; c < NV; c++) acc[i][c] = _mm512_setzero_ps();
	}
	__mmask16 mk[NV];
	for (int c = 0; c < NV; c++) {
		int64_t left = in - j0 - 16 * c;
		mk[c] = c >= nvx ? 0 : full || left >= 16 ? 0xffff : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
	}
	int e = prev->rows > 0 ? 0 : TILE;
	for (int64_t kk = 0; kk < n; kk++) {
		const float *xr = x + kk * in + j0, *dk = dz + kk * ldz + i0;
		__m512 xv[NV];
		for (int c = 0; c < nvx; c++)
			xv[c] = full ? _mm512_loadu_ps(xr + 16 * c) : _mm512_maskz_loadu_ps(mk[c], xr + 16 * c);
		for (int i = 0; i < MR; i++) {
			__m512 a = _mm512_set1_ps(dk[ri[i]]);
			for (int c = 0; c < nvx; c++) acc[i][c] = _mm512_fmadd_ps(a, xv[c], acc[i][c]);
		}
		if (pf >= 0 && kk < TILE) {
			int64_t o = pf + (kk / NV) * in + 16 * (kk % NV);
			_mm_prefetch((const char *)(r->w + o), PFH);
			_mm_prefetch((const char *)(r->s1 + o), PFH);
			if (r->s2) _mm_prefetch((const char *)(r->s2 + o), PFH);
		}
		if (e < TILE && (kk & 1)) applyOne(r, kind, prev, e++);
	}
	while (e < TILE) applyOne(r, kind, prev, e++);
	for (int i = 0; i < MR; i++)
		for (int c = 0; c < nvx; c++) out->g[i * NV + c] = acc[i][c];
	out->off = i0 * in + j0;
	out->rows = rows;
	for (int c = 0; c < NV; c++) out->mk[c] = mk[c];
}

// rowBlocks computes and applies the row blocks [b0, b1) of MR rows, tile
// by tile along each block's columns; a block's last tile computes only
// the column vectors inside the matrix.
INLINE void rowBlocks(const rule *r, const int kind, const float *dz, int64_t ldz, const float *x, int64_t n,
                      int64_t outRows, int64_t b0, int64_t b1) {
	pending buf[2] __attribute__((aligned(64)));
	buf[0].rows = 0;
	buf[1].rows = 0;
	int cur = 0;
	int64_t in = r->in, per = (in + NR - 1) / NR; // tiles per block
	for (int64_t t = b0 * per; t < b1 * per; t++) {
		int64_t i0 = t / per * MR, j0 = t % per * NR, pf = -1;
		if (t + PFD < b1 * per) pf = (t + PFD) / per * MR * in + (t + PFD) % per * NR; // PFD tiles ahead
		int rows = (int)(outRows - i0 < MR ? outRows - i0 : MR);
		int64_t left = in - j0;
		pending *o = &buf[cur], *p = &buf[cur ^ 1];
		if (rows == MR && left >= NR) tile(r, kind, dz, ldz, x, n, i0, rows, j0, o, p, pf, 1, NV);
		else if (rows == MR && left == 32) tile(r, kind, dz, ldz, x, n, i0, rows, j0, o, p, pf, 1, 2);
		else if (rows == MR && left == 16) tile(r, kind, dz, ldz, x, n, i0, rows, j0, o, p, pf, 1, 1);
		else if (left <= 16) tile(r, kind, dz, ldz, x, n, i0, rows, j0, o, p, pf, 0, 1);
		else if (left <= 32) tile(r, kind, dz, ldz, x, n, i0, rows, j0, o, p, pf, 0, 2);
		else tile(r, kind, dz, ldz, x, n, i0, rows, j0, o, p, pf, 0, NV);
		cur ^= 1;
	}
	pending *last = &buf[cur ^ 1];
	for (int e = 0; e < TILE; e++) applyOne(r, kind, last, e);
}

#define ROWS(name, kind)                                                                                          \
	static AVX512 void name(const rule *r, const float *dz, int64_t ldz, const float *x, int64_t n, int64_t out, \
	                        int64_t b0, int64_t b1) {                                                              \
		rowBlocks(r, kind, dz, ldz, x, n, out, b0, b1);                                                            \
	}
ROWS(rowsMomentum, NNFC_RULE_MOMENTUM)
ROWS(rowsNesterov, NNFC_RULE_NESTEROV)
ROWS(rowsRMSProp, NNFC_RULE_RMSPROP)
ROWS(rowsAdam, NNFC_RULE_ADAM)
ROWS(rowsAdamW, NNFC_RULE_ADAMW)

typedef void rowsFunc(const rule *, const float *, int64_t, const float *, int64_t, int64_t, int64_t, int64_t);

int nnfc_gemm_rule_f32(int kind, const float *k, float *w, float *s1, float *s2, float decay, const float *dz,
                       int64_t ldz, const float *x, int64_t n, int64_t out, int64_t in, int team) {
	if (!__builtin_cpu_supports("avx512f") || n <= 0 || out <= 0 || in <= 0) return 0;
	rule r = {.kind = kind, .w = w, .s1 = s1, .s2 = s2, .decay = decay, .in = in};
	for (int i = 0; i < 8; i++) r.k[i] = k[i];
	rowsFunc *rows = kind == NNFC_RULE_MOMENTUM ? rowsMomentum
	                 : kind == NNFC_RULE_NESTEROV ? rowsNesterov
	                 : kind == NNFC_RULE_RMSPROP  ? rowsRMSProp
	                 : kind == NNFC_RULE_ADAM     ? rowsAdam
	                                              : rowsAdamW;
	int64_t blocks = (out + MR - 1) / MR;
	if (team < 2 || blocks < 2 * team) {
		rows(&r, dz, ldz, x, n, out, 0, blocks);
		return 1;
	}
#pragma omp parallel num_threads(team)
	{
		int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
		rows(&r, dz, ldz, x, n, out, blocks * t / nt, blocks * (t + 1) / nt);
	}
	return 1;
}

#else

int nnfc_gemm_rule_f32(int kind, const float *k, float *w, float *s1, float *s2, float decay, const float *dz,
                       int64_t ldz, const float *x, int64_t n, int64_t out, int64_t in, int team) {
	return 0;
}

#endif
