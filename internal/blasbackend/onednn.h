// The functions of onednn.c that Go calls (onednn.go, bf16.go, rows.go).
#ifndef NNFC_ONEDNN_H
#define NNFC_ONEDNN_H

#include <omp.h>
#include <stdint.h>
#include <oneapi/dnnl/dnnl.h>

int nnfc_dnnl_sgemm(int threads, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
int nnfc_matmul(int threads, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
int nnfc_matmul_bf16(int threads, int split, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
int nnfc_split_sgemm(int threads, char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
int nnfc_pool_count(void);
int nnfc_dnnl_isa(void);
void nnfc_dnnl_version(int *v);
int nnfc_omp_team(int threads);
int nnfc_bf16_probe(char *buf, int len);
typedef struct nnfc_packed nnfc_packed;
nnfc_packed *nnfc_pack(const float *w, int64_t n, int64_t k, int64_t ref);
int nnfc_packed_affine(nnfc_packed *pk, int threads, int64_t m, const float *x, const float *b, float *c);
void nnfc_packed_free(nnfc_packed *pk);

#endif
