//go:build cgo && !purego

package vec

/*
#cgo CFLAGS: -O3
#include "kernels.h"
*/
import "C"

import "unsafe"

// Backend names the implementation this build uses.
const Backend = "c"

// The slices are non-empty here: the exported wrappers checked the shapes,
// and an empty h has rows = 0 (the C loops then do nothing), so &h[0] is
// only taken when there is a first element.

func biasReLU32(h []float32, cols int, b []float32) {
	if len(h) == 0 {
		return
	}
	C.nnfc_bias_relu_f32((*C.float)(unsafe.Pointer(&h[0])), (*C.float)(unsafe.Pointer(&b[0])),
		C.int64_t(len(h)/cols), C.int64_t(cols))
}

func biasReLU64(h []float64, cols int, b []float64) {
	if len(h) == 0 {
		return
	}
	C.nnfc_bias_relu_f64((*C.double)(unsafe.Pointer(&h[0])), (*C.double)(unsafe.Pointer(&b[0])),
		C.int64_t(len(h)/cols), C.int64_t(cols))
}

func reluMaskBiasGrad32(d, h []float32, cols int, db []float32) {
	if len(d) == 0 {
		return
	}
	C.nnfc_relu_mask_bias_grad_f32((*C.float)(unsafe.Pointer(&d[0])), (*C.float)(unsafe.Pointer(&h[0])),
		(*C.float)(unsafe.Pointer(&db[0])), C.int64_t(len(d)/cols), C.int64_t(cols))
}

func reluMaskBiasGrad64(d, h []float64, cols int, db []float64) {
	if len(d) == 0 {
		return
	}
	C.nnfc_relu_mask_bias_grad_f64((*C.double)(unsafe.Pointer(&d[0])), (*C.double)(unsafe.Pointer(&h[0])),
		(*C.double)(unsafe.Pointer(&db[0])), C.int64_t(len(d)/cols), C.int64_t(cols))
}

func sigmoid32(dst, src []float32) {
	if len(src) == 0 {
		return
	}
	C.nnfc_sigmoid_f32((*C.float)(unsafe.Pointer(&dst[0])), (*C.float)(unsafe.Pointer(&src[0])), C.int64_t(len(src)))
}

func swish32(out, sig, z []float32) {
	if len(z) == 0 {
		return
	}
	C.nnfc_swish_f32((*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&sig[0])),
		(*C.float)(unsafe.Pointer(&z[0])), C.int64_t(len(z)))
}

func swishBackward32(dx, g, sig, out []float32) {
	if len(g) == 0 {
		return
	}
	C.nnfc_swish_backward_f32((*C.float)(unsafe.Pointer(&dx[0])), (*C.float)(unsafe.Pointer(&g[0])),
		(*C.float)(unsafe.Pointer(&sig[0])), (*C.float)(unsafe.Pointer(&out[0])), C.int64_t(len(g)))
}
