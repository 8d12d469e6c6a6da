// The C kernels of package vec; see doc.go. Matrices are row-major,
// rows × cols, contiguous.
#include <stdint.h>

void nnfc_bias_relu_f32(float *h, const float *b, int64_t rows, int64_t cols);
void nnfc_bias_relu_f64(double *h, const double *b, int64_t rows, int64_t cols);
// The mask pass works on cols columns of rows that are ld apart (ld ≥ cols).
void nnfc_relu_mask_bias_grad_f32(float *d, const float *h, float *db, int64_t rows, int64_t cols, int64_t ld);
void nnfc_relu_mask_bias_grad_f64(double *d, const double *h, double *db, int64_t rows, int64_t cols, int64_t ld);

void nnfc_sigmoid_f32(float *dst, const float *src, int64_t n);
void nnfc_swish_f32(float *out, float *sig, const float *z, int64_t n);
void nnfc_swish_inplace_f32(float *z, int64_t n);
void nnfc_swish_backward_f32(float *dx, const float *g, const float *sig, const float *out, int64_t n);

// The optimizer update rules of pkg/optim over n elements (see vec_optim.go).
void nnfc_momentum_f32(float *w, const float *dw, float *v, float mu, float lr, int64_t n);
void nnfc_momentum_f64(double *w, const double *dw, double *v, double mu, double lr, int64_t n);
void nnfc_nesterov_f32(float *w, const float *dw, float *v, float mu, float mu1, float lr, int64_t n);
void nnfc_nesterov_f64(double *w, const double *dw, double *v, double mu, double mu1, double lr, int64_t n);
void nnfc_rmsprop_f32(float *w, const float *dw, float *cache, float decay, float decay1, float eps, float lr,
                      int64_t n);
void nnfc_rmsprop_f64(double *w, const double *dw, double *cache, double decay, double decay1, double eps,
                      double lr, int64_t n);
void nnfc_adam_f32(float *w, const float *dw, float *m, float *v, float b1, float c1, float b2, float c2, float a,
                   float s, float eps, int64_t n);
void nnfc_adam_f64(double *w, const double *dw, double *m, double *v, double b1, double c1, double b2, double c2,
                   double a, double s, double eps, int64_t n);
void nnfc_adamw_f32(float *w, const float *dw, float *m, float *v, float b1, float c1, float b2, float c2, float a,
                    float s, float eps, float wd, int64_t n);
void nnfc_adamw_f64(double *w, const double *dw, double *m, double *v, double b1, double c1, double b2, double c2,
                    double a, double s, double eps, double wd, int64_t n);

// par.c: the float32 rules above on an OpenMP team of nnfc_vec_set_team's
// size (1, the default: the calling thread alone), the same bits.
void nnfc_vec_set_team(int team);
int nnfc_vec_get_team(void);
void nnfc_par_momentum_f32(float *w, const float *dw, float *v, float mu, float lr, int64_t n);
void nnfc_par_nesterov_f32(float *w, const float *dw, float *v, float mu, float mu1, float lr, int64_t n);
void nnfc_par_rmsprop_f32(float *w, const float *dw, float *cache, float decay, float decay1, float eps, float lr,
                          int64_t n);
void nnfc_par_adam_f32(float *w, const float *dw, float *m, float *v, float b1, float c1, float b2, float c2, float a,
                       float s, float eps, int64_t n);
void nnfc_par_adamw_f32(float *w, const float *dw, float *m, float *v, float b1, float c1, float b2, float c2,
                        float a, float s, float eps, float wd, int64_t n);

// gemmrule.c: W's gradient dW = dzᵀ·x (dz: n×out with rows ldz apart, x:
// n×in, W: out×in; plus decay·W when decay ≠ 0) with the float32 rule kind
// applied to W and its state s1 (and s2) tile by tile, on team threads;
// k holds the rule's per-step constants in the order of its kernel above.
// Returns 0, having done nothing, where the CPU or the compiler has no
// AVX-512F.
enum { NNFC_RULE_MOMENTUM = 1, NNFC_RULE_NESTEROV, NNFC_RULE_RMSPROP, NNFC_RULE_ADAM, NNFC_RULE_ADAMW };
int nnfc_gemm_rule_f32(int kind, const float *k, float *w, float *s1, float *s2, float decay, const float *dz,
                       int64_t ldz, const float *x, int64_t n, int64_t out, int64_t in, int team);

// Input rows checked for NaN/±Inf and normalized (see vec.go's NormalizeFinite32).
int64_t nnfc_normalize_finite_f32(float *x, const float *shift, const float *scale, int64_t rows, int64_t cols);
