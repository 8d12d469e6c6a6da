// fma_peak.c: measures the machine's practical FLOP ceiling (register-only
// FMA streams, no memory traffic) and the effective core clock.
//
// A copy of ../shared/bench/fma_peak.c for scripts/bench-compare.sh, changed
// so that one binary runs anywhere: each kernel is compiled for its own
// instruction set (target attributes, no -march=native) and runs only when
// the CPU supports it (__builtin_cpu_supports); a kernel the CPU lacks
// prints "unsupported".
//
// Build: gcc -O2 -fopenmp scripts/fma_peak.c -o fma_peak
// Run:   ./fma_peak           (prints one line per kernel x thread count)
//
// Kernels: 12 independent accumulator chains so FMA latency (4 cycles) x
// pipes (2) is covered. Clock is estimated from a dependent chain of integer
// adds (1 add/cycle).
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// CPU time of the calling thread: on a machine shared with other work the
// kernels are also rated per second of CPU they got ("per CPU-second"),
// which is the peak of a core that is ours alone.
static double cpu_now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_rate; // set by each kernel: GFLOP per CPU-second (per thread)
#pragma omp threadprivate(cpu_rate)

#define ITERS 50000000L

__attribute__((noinline)) static double clock_ghz(void) {
	long x = 0;
	double t0 = now();
	for (long i = 0; i < 500000000L; i++) {
		__asm__ volatile("add $1, %0\n\t add $1, %0\n\t add $1, %0\n\t add $1, %0" : "+r"(x));
	}
	double t = now() - t0;
	return 4.0 * 500000000.0 / t / 1e9; // 4 dependent adds per iteration (+loop overhead hidden)
}

#define KERNEL(NAME, TARGET, VT, SET1, FMA, STORE, LANES, ET)                 \
	__attribute__((noinline, target(TARGET))) static double NAME(void) {      \
		VT a0 = SET1(1.0), a1 = SET1(1.1), a2 = SET1(1.2), a3 = SET1(1.3);    \
		VT a4 = SET1(1.4), a5 = SET1(1.5), a6 = SET1(1.6), a7 = SET1(1.7);    \
		VT a8 = SET1(1.8), a9 = SET1(1.9), a10 = SET1(2.0), a11 = SET1(2.1);  \
		VT m = SET1(0.9999999), c = SET1(1e-7);                               \
		double t0 = now(), c0 = cpu_now();                                    \
		for (long i = 0; i < ITERS; i++) {                                    \
			a0 = FMA(a0, m, c); a1 = FMA(a1, m, c); a2 = FMA(a2, m, c);       \
			a3 = FMA(a3, m, c); a4 = FMA(a4, m, c); a5 = FMA(a5, m, c);       \
			a6 = FMA(a6, m, c); a7 = FMA(a7, m, c); a8 = FMA(a8, m, c);       \
			a9 = FMA(a9, m, c); a10 = FMA(a10, m, c); a11 = FMA(a11, m, c);   \
		}                                                                     \
		double t = now() - t0;                                                \
		cpu_rate = 12.0 * 2.0 * LANES * ITERS / (cpu_now() - c0) / 1e9;       \
		VT s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;  \
		ET out[LANES];                                                        \
		STORE(out, s);                                                        \
		if (out[0] == 12345.0) printf("x");                                   \
		return 12.0 * 2.0 * LANES * ITERS / t / 1e9;                          \
	}

KERNEL(avx2_f32, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, 8, float)
KERNEL(avx2_f64, "avx2,fma", __m256d, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, 4, double)
KERNEL(avx512_f32, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps, 16, float)
KERNEL(avx512_f64, "avx512f", __m512d, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd, 8, double)

typedef double (*kern)(void);

int main(void) {
	__builtin_cpu_init();
	int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	int avx512 = __builtin_cpu_supports("avx512f");
	struct { const char *name; kern k; int ok; } ks[] = {
		{"avx2-fma f32", avx2_f32, avx2}, {"avx2-fma f64", avx2_f64, avx2},
		{"avx512-fma f32", avx512_f32, avx512}, {"avx512-fma f64", avx512_f64, avx512},
	};
	printf("clock (dependent int add chain, 1 thread): %.2f GHz\n", clock_ghz());
	for (int th = 1; th <= 2; th++) {
		for (unsigned i = 0; i < sizeof ks / sizeof ks[0]; i++) {
			if (!ks[i].ok) {
				printf("%-15s threads=%d  unsupported\n", ks[i].name, th);
				continue;
			}
			double tot = 0, cpu = 0;
#pragma omp parallel num_threads(th) reduction(+ : tot, cpu)
			{
				tot += ks[i].k();
				cpu += cpu_rate;
			}
			printf("%-15s threads=%d  %.1f GFLOP/s  (%.1f GFLOP per CPU-second)\n", ks[i].name, th, tot, cpu);
		}
	}
	return 0;
}
