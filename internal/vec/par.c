//go:build cgo && !purego

// The float32 update rules of kernels.c shared out over an OpenMP team
// (SetTeam): each thread updates one contiguous run of the elements, its
// ends on 16-element boundaries, with the same kernel, so the results are
// the serial kernel's bit for bit. On two threads nnfc's weight gradient
// of a training step is one two-thread GEMM; the update after it then
// takes both cores too instead of one (issue 26 item 3).

#include <omp.h>
#include "kernels.h"

static int nnfc_vec_team = 1;

void nnfc_vec_set_team(int team) { nnfc_vec_team = team < 1 ? 1 : team; }

int nnfc_vec_get_team(void) { return nnfc_vec_team; }

// Below this many elements one thread updates them: waking the team costs
// more than it saves.
enum { NNFC_PAR_MIN = 1 << 15 };

// PAR runs CALL (which uses lo and n) on [0, total) in team runs.
#define PAR(total, CALL)                                                                   \
	do {                                                                                   \
		int team = nnfc_vec_team;                                                          \
		if (team < 2 || (total) < NNFC_PAR_MIN) {                                          \
			int64_t lo = 0, n = (total);                                                   \
			CALL;                                                                          \
			break;                                                                         \
		}                                                                                  \
		_Pragma("omp parallel num_threads(team)") {                                        \
			int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();                  \
			int64_t blocks = ((total) + 15) / 16;                                          \
			int64_t lo = blocks * t / nt * 16, hi = blocks * (t + 1) / nt * 16;            \
			if (hi > (total)) hi = (total);                                                \
			int64_t n = hi - lo;                                                         \
			if (n > 0) CALL;                                                               \
		}                                                                                  \
	} while (0)

void nnfc_par_momentum_f32(float *w, const float *dw, float *v, float mu, float lr, int64_t total) {
	PAR(total, nnfc_momentum_f32(w + lo, dw + lo, v + lo, mu, lr, n));
}

void nnfc_par_nesterov_f32(float *w, const float *dw, float *v, float mu, float mu1, float lr, int64_t total) {
	PAR(total, nnfc_nesterov_f32(w + lo, dw + lo, v + lo, mu, mu1, lr, n));
}

void nnfc_par_rmsprop_f32(float *w, const float *dw, float *cache, float decay, float decay1, float eps, float lr,
                          int64_t total) {
	PAR(total, nnfc_rmsprop_f32(w + lo, dw + lo, cache + lo, decay, decay1, eps, lr, n));
}

void nnfc_par_adam_f32(float *w, const float *dw, float *m, float *v, float b1, float c1, float b2, float c2, float a,
                       float s, float eps, int64_t total) {
	PAR(total, nnfc_adam_f32(w + lo, dw + lo, m + lo, v + lo, b1, c1, b2, c2, a, s, eps, n));
}

void nnfc_par_adamw_f32(float *w, const float *dw, float *m, float *v, float b1, float c1, float b2, float c2,
                        float a, float s, float eps, float wd, int64_t total) {
	PAR(total, nnfc_adamw_f32(w + lo, dw + lo, m + lo, v + lo, b1, c1, b2, c2, a, s, eps, wd, n));
}
