//go:build cgo && !purego

package vec

/*
#cgo CFLAGS: -O3 -fopenmp
#cgo LDFLAGS: -lm -lgomp
// (-lm for sqrtf/sqrt, should a compiler call the library rather than
// inline the instruction.)
#include "kernels.h"
*/
import "C"

import "unsafe"

// Backend names the implementation this build uses.
const Backend = "c"

// The exported wrappers have checked the shapes. Each function returns
// early on empty input, so &x[0] is only taken when there is a first
// element (and the other slices, at least as long, have one too).

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
		(*C.float)(unsafe.Pointer(&db[0])), C.int64_t(len(d)/cols), C.int64_t(cols), C.int64_t(cols))
}

func reluMaskBiasGrad64(d, h []float64, cols int, db []float64) {
	if len(d) == 0 {
		return
	}
	C.nnfc_relu_mask_bias_grad_f64((*C.double)(unsafe.Pointer(&d[0])), (*C.double)(unsafe.Pointer(&h[0])),
		(*C.double)(unsafe.Pointer(&db[0])), C.int64_t(len(d)/cols), C.int64_t(cols), C.int64_t(cols))
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

func swishInPlace32(z []float32) {
	if len(z) == 0 {
		return
	}
	C.nnfc_swish_inplace_f32((*C.float)(unsafe.Pointer(&z[0])), C.int64_t(len(z)))
}

func swishBackward32(dx, g, sig, out []float32) {
	if len(g) == 0 {
		return
	}
	C.nnfc_swish_backward_f32((*C.float)(unsafe.Pointer(&dx[0])), (*C.float)(unsafe.Pointer(&g[0])),
		(*C.float)(unsafe.Pointer(&sig[0])), (*C.float)(unsafe.Pointer(&out[0])), C.int64_t(len(g)))
}

// The optimizer rules: the wrappers checked that every slice has len(w)
// elements, so with len(w) > 0 each has a first element.

func f32p(s []float32) *C.float  { return (*C.float)(unsafe.Pointer(&s[0])) }
func f64p(s []float64) *C.double { return (*C.double)(unsafe.Pointer(&s[0])) }

func momentum32(w, dw, v []float32, mu, lr float32) {
	if len(w) == 0 {
		return
	}
	C.nnfc_par_momentum_f32(f32p(w), f32p(dw), f32p(v), C.float(mu), C.float(lr), C.int64_t(len(w)))
}

func momentum64(w, dw, v []float64, mu, lr float64) {
	if len(w) == 0 {
		return
	}
	C.nnfc_momentum_f64(f64p(w), f64p(dw), f64p(v), C.double(mu), C.double(lr), C.int64_t(len(w)))
}

func nesterov32(w, dw, v []float32, mu, mu1, lr float32) {
	if len(w) == 0 {
		return
	}
	C.nnfc_par_nesterov_f32(f32p(w), f32p(dw), f32p(v), C.float(mu), C.float(mu1), C.float(lr), C.int64_t(len(w)))
}

func nesterov64(w, dw, v []float64, mu, mu1, lr float64) {
	if len(w) == 0 {
		return
	}
	C.nnfc_nesterov_f64(f64p(w), f64p(dw), f64p(v), C.double(mu), C.double(mu1), C.double(lr), C.int64_t(len(w)))
}

func rmsProp32(w, dw, cache []float32, decay, decay1, eps, lr float32) {
	if len(w) == 0 {
		return
	}
	C.nnfc_par_rmsprop_f32(f32p(w), f32p(dw), f32p(cache), C.float(decay), C.float(decay1), C.float(eps), C.float(lr),
		C.int64_t(len(w)))
}

func rmsProp64(w, dw, cache []float64, decay, decay1, eps, lr float64) {
	if len(w) == 0 {
		return
	}
	C.nnfc_rmsprop_f64(f64p(w), f64p(dw), f64p(cache), C.double(decay), C.double(decay1), C.double(eps), C.double(lr),
		C.int64_t(len(w)))
}

func adam32(w, dw, m, v []float32, b1, c1, b2, c2, a, s, eps float32) {
	if len(w) == 0 {
		return
	}
	C.nnfc_par_adam_f32(f32p(w), f32p(dw), f32p(m), f32p(v), C.float(b1), C.float(c1), C.float(b2), C.float(c2),
		C.float(a), C.float(s), C.float(eps), C.int64_t(len(w)))
}

func adam64(w, dw, m, v []float64, b1, c1, b2, c2, a, s, eps float64) {
	if len(w) == 0 {
		return
	}
	C.nnfc_adam_f64(f64p(w), f64p(dw), f64p(m), f64p(v), C.double(b1), C.double(c1), C.double(b2), C.double(c2),
		C.double(a), C.double(s), C.double(eps), C.int64_t(len(w)))
}

func adamW32(w, dw, m, v []float32, b1, c1, b2, c2, a, s, eps, wd float32) {
	if len(w) == 0 {
		return
	}
	C.nnfc_par_adamw_f32(f32p(w), f32p(dw), f32p(m), f32p(v), C.float(b1), C.float(c1), C.float(b2), C.float(c2),
		C.float(a), C.float(s), C.float(eps), C.float(wd), C.int64_t(len(w)))
}

func adamW64(w, dw, m, v []float64, b1, c1, b2, c2, a, s, eps, wd float64) {
	if len(w) == 0 {
		return
	}
	C.nnfc_adamw_f64(f64p(w), f64p(dw), f64p(m), f64p(v), C.double(b1), C.double(c1), C.double(b2), C.double(c2),
		C.double(a), C.double(s), C.double(eps), C.double(wd), C.int64_t(len(w)))
}

// SetTeam sets how many threads the float32 update rules (Momentum32,
// Nesterov32, RMSProp32, Adam32, AdamW32) share a large tensor out over,
// on an OpenMP team (the same team as oneDNN's GEMMs when the calling
// thread is the one that runs them: cmd/nnfc locks it); 1 runs them on
// the calling thread. The results are the same bits either way.
func SetTeam(team int) { C.nnfc_vec_set_team(C.int(team)) }

// Team returns SetTeam's count.
func Team() int { return int(C.nnfc_vec_get_team()) }

func gemmRule32(r Rule32, w []float32, decay float32, dz []float32, ldz int, x []float32, n, out, in int) bool {
	var s2 *C.float
	if r.S2 != nil {
		s2 = f32p(r.S2)
	}
	k := r.K
	return C.nnfc_gemm_rule_f32(C.int(r.Kind), (*C.float)(unsafe.Pointer(&k[0])), f32p(w), f32p(r.S1), s2, C.float(decay),
		f32p(dz), C.int64_t(ldz), f32p(x), C.int64_t(n), C.int64_t(out), C.int64_t(in), C.nnfc_vec_get_team()) != 0
}

func normalizeFinite32(x []float32, cols int, shift, scale []float32) int {
	if len(x) == 0 {
		return -1
	}
	var sh, sc *C.float
	if shift != nil {
		sh, sc = (*C.float)(unsafe.Pointer(&shift[0])), (*C.float)(unsafe.Pointer(&scale[0]))
	}
	return int(C.nnfc_normalize_finite_f32((*C.float)(unsafe.Pointer(&x[0])), sh, sc,
		C.int64_t(len(x)/cols), C.int64_t(cols)))
}
