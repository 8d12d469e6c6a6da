// The C kernels of package vec; see doc.go. Matrices are row-major,
// rows × cols, contiguous.
#include <stdint.h>

void nnfc_bias_relu_f32(float *h, const float *b, int64_t rows, int64_t cols);
void nnfc_bias_relu_f64(double *h, const double *b, int64_t rows, int64_t cols);
void nnfc_relu_mask_bias_grad_f32(float *d, const float *h, float *db, int64_t rows, int64_t cols);
void nnfc_relu_mask_bias_grad_f64(double *d, const double *h, double *db, int64_t rows, int64_t cols);

void nnfc_sigmoid_f32(float *dst, const float *src, int64_t n);
void nnfc_swish_f32(float *out, float *sig, const float *z, int64_t n);
void nnfc_swish_backward_f32(float *dx, const float *g, const float *sig, const float *out, int64_t n);
