//go:build cgo && !purego

// The C side of the oneDNN backend (onednn.go): GEMMs through oneDNN's
// sgemm and cached matmul primitives, the bfloat16 matmul, the OpenMP team
// and its signal mask. The functions Go calls are declared in onednn.h.
#include "onednn.h"
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
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
// How many OS threads have opened a team of two or more: each has its own
// pool of OpenMP workers (OpenMPPools).
static int nnfc_pools;

static void nnfc_mask_omp_workers(int team) {
	if (team <= nnfc_masked_team) return;
	if (team > 1 && nnfc_masked_team <= 1) __atomic_fetch_add(&nnfc_pools, 1, __ATOMIC_RELAXED);
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
// nnfc_omp_team sets the calling thread's OpenMP count (threads > 0),
// masks its pool's workers and returns the team size. Not static:
// rows.go's C calls it too.
int nnfc_omp_team(int threads) {
	if (threads > 0 && omp_get_max_threads() != threads) omp_set_num_threads(threads);
	int team = omp_get_max_threads();
	nnfc_mask_omp_workers(team);
	return team;
}

int nnfc_dnnl_sgemm(int threads, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
	nnfc_omp_team(threads);
	return (int)dnnl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// The large GEMMs go through oneDNN's matmul primitive instead of
// dnnl_sgemm: its brgemm kernels ran the evaluation forward 1000×512×784
// in 3.79-3.84 ms against 4.10-4.36 ms, and dW1 512×784×128 in 464-465 µs
// against 478-486 µs (one thread, AMD EPYC Zen 5; docs/performance.md,
// round 8). A primitive is built once per shape, strides, alpha, beta,
// thread count and input type (alpha as output scales, beta as a sum
// post-op) and kept in a small table; each call wraps the caller's
// buffers in memory objects. A shape oneDNN cannot build, or a full
// table, falls back to dnnl_sgemm (return 1).
typedef struct {
	char ta, tb;
	int64_t m, n, k, lda, ldb, ldc;
	float alpha, beta;
	int threads;
	int bf16;     // A and B are bfloat16 (C stays float32)
	int rt_alpha; // alpha is a run-time output scale, passed with each call
	dnnl_primitive_t p; // NULL: this shape has no primitive (use dnnl_sgemm)
	dnnl_memory_desc_t a, b, c;
	dnnl_memory_desc_t scratch; // the scratchpad each call allocates (user mode: concurrent calls are safe)
	size_t scratch_size;
	char impl[48]; // the kernel oneDNN chose, e.g. "brg:avx512_core"
} nnfc_mm;

enum { NNFC_MM_MAX = 64 };
static nnfc_mm nnfc_mm_tab[NNFC_MM_MAX];
static int nnfc_mm_len;
static pthread_mutex_t nnfc_mm_mu = PTHREAD_MUTEX_INITIALIZER;
static dnnl_engine_t nnfc_mm_eng;
static __thread dnnl_stream_t nnfc_mm_stream;
// Each calling thread's scratchpad, grown to the largest a primitive has
// asked for and kept: no allocation per call.
static __thread void *nnfc_mm_scratch;
static __thread size_t nnfc_mm_scratch_cap;

static void nnfc_mm_build(nnfc_mm *e) {
	dnnl_dims_t da = {e->m, e->k}, db = {e->k, e->n}, dc = {e->m, e->n};
	dnnl_dims_t sa = {e->lda, 1}, sb = {e->ldb, 1}, sc = {e->ldc, 1};
	if (e->ta == 'T') { sa[0] = 1; sa[1] = e->lda; }
	if (e->tb == 'T') { sb[0] = 1; sb[1] = e->ldb; }
	dnnl_data_type_t in = e->bf16 ? dnnl_bf16 : dnnl_f32;
	e->p = NULL;
	if (dnnl_memory_desc_init_by_strides(&e->a, 2, da, in, sa) != dnnl_success ||
	    dnnl_memory_desc_init_by_strides(&e->b, 2, db, in, sb) != dnnl_success ||
	    dnnl_memory_desc_init_by_strides(&e->c, 2, dc, dnnl_f32, sc) != dnnl_success) return;
	dnnl_matmul_desc_t d;
	if (dnnl_matmul_desc_init(&d, &e->a, &e->b, NULL, &e->c) != dnnl_success) return;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_post_ops_t po = NULL;
	int ok = dnnl_primitive_attr_create(&attr) == dnnl_success &&
		 dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success;
	if (ok && e->rt_alpha) ok = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &DNNL_RUNTIME_F32_VAL) == dnnl_success;
	else if (ok && e->alpha != 1.0f) ok = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &e->alpha) == dnnl_success;
	if (ok && e->beta != 0.0f) {
		ok = dnnl_post_ops_create(&po) == dnnl_success && dnnl_post_ops_append_sum(po, e->beta) == dnnl_success &&
		     dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success;
	}
	dnnl_primitive_desc_t pd = NULL;
	if (ok && dnnl_primitive_desc_create(&pd, &d, attr, nnfc_mm_eng, NULL) == dnnl_success) {
		const dnnl_memory_desc_t *s = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
		if (s) {
			e->scratch = *s;
			e->scratch_size = dnnl_memory_desc_get_size(s);
		}
		const char *impl = NULL;
		if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
			snprintf(e->impl, sizeof e->impl, "%s", impl);
		if (!s || dnnl_primitive_create(&e->p, pd) != dnnl_success) e->p = NULL;
		dnnl_primitive_desc_destroy(pd);
	}
	if (po) dnnl_post_ops_destroy(po);
	if (attr) dnnl_primitive_attr_destroy(attr);
}

// nnfc_mm_get returns the table's primitive for a call, building it the
// first time; NULL when there is none (the caller falls back). A bf16
// primitive takes alpha ≠ 1 at run time, so one primitive serves a
// learning rate that changes.
static nnfc_mm *nnfc_mm_get(char ta, char tb, int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc,
		float alpha, float beta, int team, int bf16) {
	int rt = bf16 && alpha != 1.0f;
	if (rt) alpha = 0;
	nnfc_mm *e = NULL;
	pthread_mutex_lock(&nnfc_mm_mu);
	if (!nnfc_mm_eng && dnnl_engine_create(&nnfc_mm_eng, dnnl_cpu, 0) != dnnl_success) nnfc_mm_eng = NULL;
	for (int i = 0; i < nnfc_mm_len && nnfc_mm_eng; i++) {
		nnfc_mm *x = &nnfc_mm_tab[i];
		if (x->ta == ta && x->tb == tb && x->m == m && x->n == n && x->k == k && x->lda == lda && x->ldb == ldb &&
		    x->ldc == ldc && x->alpha == alpha && x->beta == beta && x->threads == team && x->bf16 == bf16 &&
		    x->rt_alpha == rt) { e = x; break; }
	}
	if (!e && nnfc_mm_eng && nnfc_mm_len < NNFC_MM_MAX) {
		e = &nnfc_mm_tab[nnfc_mm_len++];
		*e = (nnfc_mm){.ta = ta, .tb = tb, .m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc,
			.alpha = alpha, .beta = beta, .threads = team, .bf16 = bf16, .rt_alpha = rt};
		nnfc_mm_build(e);
	}
	pthread_mutex_unlock(&nnfc_mm_mu);
	return e && e->p ? e : NULL;
}

// nnfc_mm_exec runs e on the caller's buffers (alpha: e's run-time scale).
static int nnfc_mm_exec(nnfc_mm *e, const void *a, const void *b, float *c, float alpha) {
	if (!nnfc_mm_stream && dnnl_stream_create(&nnfc_mm_stream, nnfc_mm_eng, dnnl_stream_default_flags) != dnnl_success) {
		nnfc_mm_stream = NULL;
		return 1;
	}
	if (e->scratch_size > nnfc_mm_scratch_cap) {
		free(nnfc_mm_scratch);
		size_t cap = (e->scratch_size + 63) / 64 * 64;
		nnfc_mm_scratch = aligned_alloc(64, cap);
		nnfc_mm_scratch_cap = nnfc_mm_scratch ? cap : 0;
		if (!nnfc_mm_scratch) return 1;
	}
	dnnl_memory_t ma = NULL, mb = NULL, mc = NULL, ms = NULL, mo = NULL;
	int st = 1;
	dnnl_memory_desc_t od;
	dnnl_dims_t one = {1};
	if (dnnl_memory_create(&ma, &e->a, nnfc_mm_eng, (void *)a) == dnnl_success &&
	    dnnl_memory_create(&mb, &e->b, nnfc_mm_eng, (void *)b) == dnnl_success &&
	    dnnl_memory_create(&mc, &e->c, nnfc_mm_eng, c) == dnnl_success &&
	    (e->scratch_size == 0 || dnnl_memory_create(&ms, &e->scratch, nnfc_mm_eng, nnfc_mm_scratch) == dnnl_success) &&
	    (!e->rt_alpha || (dnnl_memory_desc_init_by_tag(&od, 1, one, dnnl_f32, dnnl_a) == dnnl_success &&
			      dnnl_memory_create(&mo, &od, nnfc_mm_eng, &alpha) == dnnl_success))) {
		dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
		int n = 3;
		if (ms) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, ms};
		if (mo) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_OUTPUT_SCALES, mo};
		if (dnnl_primitive_execute(e->p, nnfc_mm_stream, n, args) == dnnl_success &&
		    dnnl_stream_wait(nnfc_mm_stream) == dnnl_success) st = 0;
	}
	if (ma) dnnl_memory_destroy(ma);
	if (mb) dnnl_memory_destroy(mb);
	if (mc) dnnl_memory_destroy(mc);
	if (ms) dnnl_memory_destroy(ms);
	if (mo) dnnl_memory_destroy(mo);
	return st;
}

int nnfc_matmul(int threads, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
	int team = nnfc_omp_team(threads);
	nnfc_mm *e = nnfc_mm_get(ta, tb, m, n, k, lda, ldb, ldc, alpha, beta, team, 0);
	return e ? nnfc_mm_exec(e, a, b, c, alpha) : 1;
}

// The bfloat16 mode (bf16.go): A and B are converted, rounding to nearest
// even, into the calling thread's packed buffers, kept between calls; the
// bf16 primitive accumulates in float32. Beta other than 0 and 1 (the SGD
// update with weight decay, whose beta changes with the learning rate)
// goes through a float32 temporary T = alpha·op(A)·op(B), then C = T +
// beta·C.
void nnfc_bf16_pack(int team, int simd, const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst);

static __thread uint16_t *nnfc_bf_a, *nnfc_bf_b;
static __thread float *nnfc_bf_t;
static __thread size_t nnfc_bf_a_cap, nnfc_bf_b_cap, nnfc_bf_t_cap;

static void *nnfc_grow(void *p, size_t *cap, size_t want) {
	if (want <= *cap) return p;
	free(p);
	want = (want + 63) / 64 * 64;
	p = aligned_alloc(64, want);
	*cap = p ? want : 0;
	return p;
}

void nnfc_bf16_pack_for(const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst);
void nnfc_bf16_pack_serial(const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst, int64_t dld);

// nnfc_block gives thread t of nt its share [lo, hi) of units, in blocks of
// 16: the same shares in every split product.
static void nnfc_block(int64_t units, int t, int nt, int64_t *lo, int64_t *hi) {
	int64_t blocks = (units + 15) / 16;
	*lo = blocks * t / nt * 16;
	*hi = blocks * (t + 1) / nt * 16;
	if (*hi > units) *hi = units;
	if (*lo > units) *lo = units;
}

enum { NNFC_SPLIT_MAX = 16 };

// nnfc_matmul_bf16_split is nnfc_split_sgemm for the bfloat16 mode (beta 0
// or 1): the operand every thread needs whole (x) is converted with its
// rows shared out; each thread then converts its own rows of W (or
// columns of dz), into the same packed buffers, and runs a one-thread bf16
// primitive on its block. The primitives are built before the parallel
// region, for one thread. Returns 1, having written nothing, when a
// primitive cannot be built; 2 when a run failed (C may be half written).
static int nnfc_matmul_bf16_split(int team, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
		int64_t ra, int64_t ca, int64_t rb, int64_t cb, uint16_t *pa, uint16_t *pb) {
	if (team > NNFC_SPLIT_MAX) return 1;
	int byCols = tb == 'T';
	int64_t units = byCols ? n : m;
	nnfc_mm *es[NNFC_SPLIT_MAX];
	omp_set_num_threads(1); // oneDNN plans a primitive for the calling thread's count
	int ok = 1;
	for (int t = 0; t < team; t++) {
		int64_t lo, hi;
		nnfc_block(units, t, team, &lo, &hi);
		es[t] = NULL;
		if (lo >= hi) continue;
		es[t] = byCols ? nnfc_mm_get('N', 'T', m, hi - lo, k, ca, cb, ldc, alpha, beta, 1, 1)
			       : nnfc_mm_get('T', 'N', hi - lo, n, k, ca, cb, ldc, alpha, beta, 1, 1);
		if (!es[t]) ok = 0;
	}
	omp_set_num_threads(team);
	if (!ok) return 1;
	int st = 0;
#pragma omp parallel num_threads(team) reduction(|:st)
	{
		int t = omp_get_thread_num();
		if (omp_get_num_threads() != team) {
			st = 2; // every thread sees the same count: none of them runs
		} else {
			if (byCols) nnfc_bf16_pack_for(a, ra, ca, lda, pa);
			else nnfc_bf16_pack_for(b, rb, cb, ldb, pb);
			int64_t lo, hi;
			nnfc_block(units, t, team, &lo, &hi);
			if (lo < hi) {
				if (byCols) { // W rows [lo, hi), C columns [lo, hi)
					nnfc_bf16_pack_serial(b + lo * ldb, hi - lo, cb, ldb, pb + lo * cb, cb);
					st |= nnfc_mm_exec(es[t], pa, pb + lo * cb, c + lo, alpha) ? 2 : 0;
				} else { // dz columns [lo, hi), C rows [lo, hi)
					nnfc_bf16_pack_serial(a + lo, ra, hi - lo, lda, pa + lo, ca);
					st |= nnfc_mm_exec(es[t], pa + lo, pb, c + lo * ldc, alpha) ? 2 : 0;
				}
			}
		}
	}
	return st;
}

int nnfc_matmul_bf16(int threads, int split, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
	int team = nnfc_omp_team(threads);
	int64_t ra = ta == 'T' ? k : m, ca = ta == 'T' ? m : k;
	int64_t rb = tb == 'T' ? n : k, cb = tb == 'T' ? k : n;
	int direct = beta == 0.0f || beta == 1.0f;
	nnfc_bf_a = nnfc_grow(nnfc_bf_a, &nnfc_bf_a_cap, (size_t)(ra * ca) * 2);
	nnfc_bf_b = nnfc_grow(nnfc_bf_b, &nnfc_bf_b_cap, (size_t)(rb * cb) * 2);
	if (!nnfc_bf_a || !nnfc_bf_b) return 1;
	if (split && team > 1 && direct) {
		// the thread-local buffers' addresses, for the other threads
		int r = nnfc_matmul_bf16_split(team, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ra, ca, rb, cb,
					       nnfc_bf_a, nnfc_bf_b);
		if (r != 1) return r ? 2 : -1; // -1: ran split
	}
	nnfc_mm *e = nnfc_mm_get(ta, tb, m, n, k, ca, cb, direct ? ldc : n, alpha, direct ? beta : 0.0f, team, 1);
	if (!e) return 1;
	nnfc_bf16_pack(team, 1, a, ra, ca, lda, nnfc_bf_a);
	nnfc_bf16_pack(team, 1, b, rb, cb, ldb, nnfc_bf_b);
	if (direct) return nnfc_mm_exec(e, nnfc_bf_a, nnfc_bf_b, c, alpha);
	nnfc_bf_t = nnfc_grow(nnfc_bf_t, &nnfc_bf_t_cap, (size_t)(m * n) * 4);
	if (!nnfc_bf_t || nnfc_mm_exec(e, nnfc_bf_a, nnfc_bf_b, nnfc_bf_t, alpha) != 0) return 1;
	const float *t = nnfc_bf_t;
#pragma omp parallel for num_threads(team) schedule(static)
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) c[i * ldc + j] = t[i * n + j] + beta * c[i * ldc + j];
	return 0;
}

// nnfc_split_sgemm shares a GEMM out over the team by the rows of the
// weight-like operand, each thread a one-thread dnnl_sgemm on its block
// (16-aligned): for C = A·Bᵀ (tb 'T') the columns of C, which are the rows
// of B; for C = Aᵀ·B (ta 'T') the rows of C. A layer's forward
// h = x·Wᵀ and its update W ← beta·W + alpha·dzᵀ·x then give each thread
// the same rows of W in both, so W stays in that thread's core's caches
// from step to step. With oneDNN's own threading the two products split W
// differently, and on this VM, whose two vCPUs often sit on different CCDs
// (a cache-line round trip of 460 ns against 110 ns on one CCX), every
// step moved W (1.6 MB for 784-512) between the cores.
int nnfc_split_sgemm(int threads, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
	int team = nnfc_omp_team(threads);
	int byCols = tb == 'T';
	int64_t units = byCols ? n : m;
	int st = 0;
#pragma omp parallel num_threads(team) reduction(|:st)
	{
		int64_t lo, hi;
		nnfc_block(units, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (lo < hi) {
			if (byCols) // C[:, lo:hi] = A·B[lo:hi, :]ᵀ
				st |= dnnl_sgemm(ta, tb, m, hi - lo, k, alpha, a, lda, b + lo * ldb, ldb, beta, c + lo, ldc) != dnnl_success;
			else // C[lo:hi, :] = A[:, lo:hi]ᵀ·B
				st |= dnnl_sgemm(ta, tb, hi - lo, n, k, alpha, a + lo, lda, b, ldb, beta, c + lo * ldc, ldc) != dnnl_success;
		}
	}
	return st;
}

// nnfc_bf16_probe builds a bf16 primitive (the forward product of a
// 784-512 layer, batch 128) and writes the kernel oneDNN chose into buf;
// 1 when it cannot. Not static: bf16.go calls it.
int nnfc_bf16_probe(char *buf, int len) {
	nnfc_mm *e = nnfc_mm_get('N', 'T', 128, 512, 784, 784, 784, 512, 1.0f, 0.0f, nnfc_omp_team(0), 1);
	if (!e) return 1;
	snprintf(buf, len, "%s", e->impl);
	return 0;
}

int nnfc_pool_count(void) { return __atomic_load_n(&nnfc_pools, __ATOMIC_RELAXED); }
int nnfc_dnnl_isa(void) { return (int)dnnl_get_effective_cpu_isa(); }
void nnfc_dnnl_version(int *v) {
	const dnnl_version_t *d = dnnl_version();
	v[0] = d->major; v[1] = d->minor; v[2] = d->patch;
}

// Prepacked weights, for inference (packed.go): a layer's W (n×k,
// row-major: the B = Wᵀ of out = x·Wᵀ + b) reordered once into the layout
// oneDNN's matmul kernel reads (format "any"), then used by matmul
// primitives with the bias as oneDNN's bias argument (beta 0: C is not
// read). Without it every call of nnfc_matmul reads W in its plain layout,
// which the kernel copies into its own blocks each time: the forward
// product 1000×784·784×512 took 7.0-7.3 ms of CPU packed against
// 7.7-8.0 ms plain (one thread, load 12, best of 30 calls; a lone row was
// 0.019 against 0.048 ms there, but inside a forward pass a row ran
// slower packed: packed.go takes products of 2^23 multiply-adds and more). A primitive is built per row count m and
// thread count and kept for the packed matrix's life: up to NNFC_PK_PRIMS
// of them (none is ever replaced, since another thread may be running
// it); a row count beyond those takes the plain path.
typedef struct {
	int64_t m;
	int team;
	int failed; // this m has no primitive with the packed layout
	dnnl_primitive_t p;
	dnnl_memory_desc_t a, c, scratch;
	size_t scratch_size;
} nnfc_pk_prim;

enum { NNFC_PK_PRIMS = 32 };

struct nnfc_packed {
	int64_t n, k;
	dnnl_memory_desc_t w, bias;
	dnnl_memory_t wmem; // the packed copy of W, owned
	pthread_mutex_t mu;
	nnfc_pk_prim prims[NNFC_PK_PRIMS];
	int len;
};

// nnfc_pk_descs initializes the row-major descriptors of x (m×k) and c
// (m×n).
static int nnfc_pk_descs(int64_t m, int64_t n, int64_t k, dnnl_memory_desc_t *a, dnnl_memory_desc_t *c) {
	dnnl_dims_t da = {m, k}, dc = {m, n}, sa = {k, 1}, sc = {n, 1};
	return dnnl_memory_desc_init_by_strides(a, 2, da, dnnl_f32, sa) == dnnl_success &&
	       dnnl_memory_desc_init_by_strides(c, 2, dc, dnnl_f32, sc) == dnnl_success;
}

// nnfc_pk_pd creates the primitive descriptor of x·B + bias for m rows,
// with weights w (a packed layout, or "any").
static dnnl_primitive_desc_t nnfc_pk_pd(int64_t m, int64_t n, int64_t k, const dnnl_memory_desc_t *w,
		const dnnl_memory_desc_t *bias, dnnl_memory_desc_t *a, dnnl_memory_desc_t *c) {
	if (!nnfc_pk_descs(m, n, k, a, c)) return NULL;
	dnnl_matmul_desc_t d;
	if (dnnl_matmul_desc_init(&d, a, w, bias, c) != dnnl_success) return NULL;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t pd = NULL;
	if (dnnl_primitive_attr_create(&attr) == dnnl_success &&
	    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success &&
	    dnnl_primitive_desc_create(&pd, &d, attr, nnfc_mm_eng, NULL) != dnnl_success) pd = NULL;
	if (attr) dnnl_primitive_attr_destroy(attr);
	return pd;
}

static int nnfc_pk_engine(void) {
	pthread_mutex_lock(&nnfc_mm_mu);
	if (!nnfc_mm_eng && dnnl_engine_create(&nnfc_mm_eng, dnnl_cpu, 0) != dnnl_success) nnfc_mm_eng = NULL;
	pthread_mutex_unlock(&nnfc_mm_mu);
	if (!nnfc_mm_eng) return 0;
	if (!nnfc_mm_stream && dnnl_stream_create(&nnfc_mm_stream, nnfc_mm_eng, dnnl_stream_default_flags) != dnnl_success)
		nnfc_mm_stream = NULL;
	return nnfc_mm_stream != NULL;
}

void nnfc_packed_free(nnfc_packed *pk) {
	if (!pk) return;
	for (int i = 0; i < pk->len; i++)
		if (pk->prims[i].p) dnnl_primitive_destroy(pk->prims[i].p);
	if (pk->wmem) dnnl_memory_destroy(pk->wmem);
	pthread_mutex_destroy(&pk->mu);
	free(pk);
}

// nnfc_pack returns W (n×k, row-major, rows ldw apart) packed for the
// kernel oneDNN picks for a product of ref rows on the calling thread's
// team, or NULL when oneDNN cannot (the caller keeps the plain path).
nnfc_packed *nnfc_pack(const float *w, int64_t n, int64_t k, int64_t ref) {
	if (!nnfc_pk_engine()) return NULL;
	nnfc_packed *pk = calloc(1, sizeof *pk);
	if (!pk) return NULL;
	pk->n = n;
	pk->k = k;
	pthread_mutex_init(&pk->mu, NULL);
	dnnl_dims_t db = {k, n}, dbias = {1, n}, plainStrides = {1, k};
	dnnl_memory_desc_t any, plain, a, c;
	dnnl_primitive_desc_t pd = NULL, rpd = NULL;
	dnnl_primitive_t r = NULL;
	dnnl_memory_t src = NULL;
	int ok = dnnl_memory_desc_init_by_tag(&any, 2, db, dnnl_f32, dnnl_format_tag_any) == dnnl_success &&
		 dnnl_memory_desc_init_by_strides(&plain, 2, db, dnnl_f32, plainStrides) == dnnl_success &&
		 dnnl_memory_desc_init_by_tag(&pk->bias, 2, dbias, dnnl_f32, dnnl_ab) == dnnl_success &&
		 (pd = nnfc_pk_pd(ref, n, k, &any, &pk->bias, &a, &c)) != NULL;
	if (ok) {
		pk->w = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
		ok = dnnl_memory_create(&pk->wmem, &pk->w, nnfc_mm_eng, DNNL_MEMORY_ALLOCATE) == dnnl_success &&
		     dnnl_memory_create(&src, &plain, nnfc_mm_eng, (void *)w) == dnnl_success &&
		     dnnl_reorder_primitive_desc_create(&rpd, &plain, nnfc_mm_eng, &pk->w, nnfc_mm_eng, NULL) == dnnl_success &&
		     dnnl_primitive_create(&r, rpd) == dnnl_success;
	}
	if (ok) {
		dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, pk->wmem}};
		ok = dnnl_primitive_execute(r, nnfc_mm_stream, 2, args) == dnnl_success &&
		     dnnl_stream_wait(nnfc_mm_stream) == dnnl_success;
	}
	if (r) dnnl_primitive_destroy(r);
	if (rpd) dnnl_primitive_desc_destroy(rpd);
	if (src) dnnl_memory_destroy(src);
	if (pd) dnnl_primitive_desc_destroy(pd);
	if (!ok) {
		nnfc_packed_free(pk);
		return NULL;
	}
	return pk;
}

// nnfc_pk_get returns pk's primitive for m rows on a team of team
// threads, building it the first time; NULL when none takes the packed
// layout.
static nnfc_pk_prim *nnfc_pk_get(nnfc_packed *pk, int64_t m, int team) {
	pthread_mutex_lock(&pk->mu);
	nnfc_pk_prim *e = NULL;
	for (int i = 0; i < pk->len; i++)
		if (pk->prims[i].m == m && pk->prims[i].team == team) { e = &pk->prims[i]; break; }
	if (!e && pk->len < NNFC_PK_PRIMS) {
		e = &pk->prims[pk->len++];
		*e = (nnfc_pk_prim){.m = m, .team = team, .failed = 1};
		dnnl_primitive_desc_t pd = nnfc_pk_pd(m, pk->n, pk->k, &pk->w, &pk->bias, &e->a, &e->c);
		if (pd) {
			const dnnl_memory_desc_t *s = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
			if (s) {
				e->scratch = *s;
				e->scratch_size = dnnl_memory_desc_get_size(s);
				if (dnnl_primitive_create(&e->p, pd) == dnnl_success) e->failed = 0;
				else e->p = NULL;
			}
			dnnl_primitive_desc_destroy(pd);
		}
	}
	pthread_mutex_unlock(&pk->mu);
	return !e || e->failed ? NULL : e;
}

// nnfc_packed_affine writes c = x·Wᵀ + b for the m rows of x (m×k,
// row-major) into c (m×n, row-major) on a team of threads (> 0) OpenMP
// threads. Returns 0 when done, 1 when there is no primitive for m rows
// (nothing written: the caller takes the plain path), 2 when a run failed.
int nnfc_packed_affine(nnfc_packed *pk, int threads, int64_t m, const float *x, const float *b, float *c) {
	int team = nnfc_omp_team(threads);
	if (!nnfc_pk_engine()) return 1;
	nnfc_pk_prim *e = nnfc_pk_get(pk, m, team);
	if (!e) return 1;
	if (e->scratch_size > nnfc_mm_scratch_cap) {
		free(nnfc_mm_scratch);
		size_t cap = (e->scratch_size + 63) / 64 * 64;
		nnfc_mm_scratch = aligned_alloc(64, cap);
		nnfc_mm_scratch_cap = nnfc_mm_scratch ? cap : 0;
		if (!nnfc_mm_scratch) return 1;
	}
	dnnl_memory_t ma = NULL, mc = NULL, mb = NULL, ms = NULL;
	int st = 2;
	if (dnnl_memory_create(&ma, &e->a, nnfc_mm_eng, (void *)x) == dnnl_success &&
	    dnnl_memory_create(&mc, &e->c, nnfc_mm_eng, c) == dnnl_success &&
	    dnnl_memory_create(&mb, &pk->bias, nnfc_mm_eng, (void *)b) == dnnl_success &&
	    (e->scratch_size == 0 || dnnl_memory_create(&ms, &e->scratch, nnfc_mm_eng, nnfc_mm_scratch) == dnnl_success)) {
		dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, pk->wmem}, {DNNL_ARG_BIAS, mb}, {DNNL_ARG_DST, mc}};
		int na = 4;
		if (ms) args[na++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, ms};
		if (dnnl_primitive_execute(e->p, nnfc_mm_stream, na, args) == dnnl_success &&
		    dnnl_stream_wait(nnfc_mm_stream) == dnnl_success) st = 0;
	}
	if (ma) dnnl_memory_destroy(ma);
	if (mc) dnnl_memory_destroy(mc);
	if (mb) dnnl_memory_destroy(mb);
	if (ms) dnnl_memory_destroy(ms);
	return st;
}
