// cpu_roundtrip.c: the time a cache line takes to go from CPU 0 to CPU 1
// and back, for scripts/bench-compare.sh.
//
// Two threads, pinned to the first two CPUs of the process's affinity mask,
// hand a counter back and forth 200,000 times. On one CCX of a Zen CPU
// (a shared L3) a round trip takes about 100-200 ns; between CCDs, or
// sockets, several hundred. On this project's 2-vCPU VM the host places
// the two vCPUs on one CCX at some times and on two CCDs at others, and
// nnfc's 2-thread training speed follows (docs/performance.md, round 9):
// bench-compare prints this figure beside every 2-thread result.
//
// Build: gcc -O2 -pthread scripts/cpu_roundtrip.c -o cpu_roundtrip
// Run:   ./cpu_roundtrip     (prints "cpu_roundtrip_ns N", or "unsupported"
//                             with fewer than two CPUs)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { N = 200000 };
static _Alignas(64) atomic_int flag;
static int cpus[2];

static void pin(int cpu) {
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void *pong(void *arg) {
	(void)arg;
	pin(cpus[1]);
	for (int i = 0; i < N; i++) {
		while (atomic_load_explicit(&flag, memory_order_acquire) != 2 * i + 1)
			;
		atomic_store_explicit(&flag, 2 * i + 2, memory_order_release);
	}
	return NULL;
}

int main(void) {
	cpu_set_t s;
	if (sched_getaffinity(0, sizeof s, &s) != 0) return 1;
	int n = 0;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &s)) cpus[n++] = c;
	if (n < 2) {
		printf("cpu_roundtrip_ns unsupported (one CPU)\n");
		return 0;
	}
	pthread_t t;
	pthread_create(&t, NULL, pong, NULL);
	pin(cpus[0]);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < N; i++) {
		atomic_store_explicit(&flag, 2 * i + 1, memory_order_release);
		while (atomic_load_explicit(&flag, memory_order_acquire) != 2 * i + 2)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(t, NULL);
	printf("cpu_roundtrip_ns %.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N);
	return 0;
}
