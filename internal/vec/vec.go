package vec

import "fmt"

// BiasReLU32 sets every row r of the row-major matrix h (cols columns) to
// max(0, r + b), in place. A negative sum and −0 become +0; a NaN stays
// when its sign bit is clear and becomes +0 when set.
func BiasReLU32(h []float32, cols int, b []float32) {
	checkRows("BiasReLU32", len(h), cols, len(b))
	biasReLU32(h, cols, b)
}

// BiasReLU64 is BiasReLU32 for float64.
func BiasReLU64(h []float64, cols int, b []float64) {
	checkRows("BiasReLU64", len(h), cols, len(b))
	biasReLU64(h, cols, b)
}

// ReLUMaskBiasGrad32 is the backward pass of BiasReLU32 for the gradient
// d (same shape as h, the forward's output): d is kept where h ≠ 0 and set
// to +0 elsewhere, in place, and the column sums of the result are added
// into db (len ≥ cols), summing rows in order.
func ReLUMaskBiasGrad32(d, h []float32, cols int, db []float32) {
	checkRows("ReLUMaskBiasGrad32", len(d), cols, len(db))
	checkSame("ReLUMaskBiasGrad32", len(d), len(h))
	reluMaskBiasGrad32(d, h, cols, db)
}

// ReLUMaskBiasGrad64 is ReLUMaskBiasGrad32 for float64.
func ReLUMaskBiasGrad64(d, h []float64, cols int, db []float64) {
	checkRows("ReLUMaskBiasGrad64", len(d), cols, len(db))
	checkSame("ReLUMaskBiasGrad64", len(d), len(h))
	reluMaskBiasGrad64(d, h, cols, db)
}

// Sigmoid32 writes σ(src[i]) = 1/(1+e^(−src[i])) into dst[i] (len(dst) ≥
// len(src); dst may be src itself but must not overlap it otherwise), with e^x from exp32, Cephes' expf
// (≤ 2 ulp where e^x is a normal float32; see ref.go), rounding each
// operation to float32. σ is 1 above 87.33654 (where exp32 returns 0 for
// e^(−z)) and +0 below −88.72283 (where it returns +Inf); ±Inf give 1 and
// +0, NaN gives NaN. Within 4 ulp of the exact σ (TestSigmoid32Accuracy).
func Sigmoid32(dst, src []float32) {
	checkSame("Sigmoid32", len(src), len(dst))
	sigmoid32(dst, src)
}

// Swish32 is the swish (SiLU) forward pass: sig[i] = σ(z[i]) as in
// Sigmoid32, and out[i] = z[i]·sig[i], rounded to float32. out and sig
// need len(z) elements or more; none of the three may overlap another.
func Swish32(out, sig, z []float32) {
	checkSame("Swish32", len(z), len(out))
	checkSame("Swish32", len(z), len(sig))
	swish32(out, sig, z)
}

// SwishInPlace32 is Swish32's out written over z, without σ (inference:
// nothing is kept for a backward pass); the same bits as Swish32's out.
func SwishInPlace32(z []float32) { swishInPlace32(z) }

// SwishBackward32 is the backward pass of Swish32 for the gradient g:
// dx[i] = g[i]·(s + h·(1−s)) with s = sig[i] and h = out[i], Swish32's
// outputs (dh/dz = σ + z·σ·(1−σ) = σ + h·(1−σ)), each operation rounded
// to float32 in that order. dx, sig and out need len(g) elements or
// more; dx may be g itself but must not overlap sig or out.
func SwishBackward32(dx, g, sig, out []float32) {
	checkSame("SwishBackward32", len(g), len(dx))
	checkSame("SwishBackward32", len(g), len(sig))
	checkSame("SwishBackward32", len(g), len(out))
	swishBackward32(dx, g, sig, out)
}

// NormalizeFinite32 checks the row-major matrix x (cols columns) for NaN
// and ±Inf values and, when there is none, normalizes it in place: every
// row r becomes (r − shift)·scale, the subtraction and the product each
// rounded to float32 (as pkg/data's Normalizer.Apply computes), and it
// returns -1. Otherwise x is left as it was and the index of the first
// NaN or ±Inf is returned. With shift and scale nil, x is only checked.
// nnfc serve's input pass: one call per request, vectorized in the cgo
// build.
func NormalizeFinite32(x []float32, cols int, shift, scale []float32) int {
	if shift != nil || scale != nil {
		checkRows("NormalizeFinite32", len(x), cols, len(shift))
		checkRows("NormalizeFinite32", len(x), cols, len(scale))
	} else if cols < 1 || len(x)%cols != 0 {
		checkRows("NormalizeFinite32", len(x), cols, cols)
	}
	return normalizeFinite32(x, cols, shift, scale)
}

func checkRows(name string, n, cols, nb int) {
	if cols < 1 || n%cols != 0 || nb < cols {
		panic(fmt.Sprintf("vec: %s: %d elements in rows of %d columns with a vector of %d", name, n, cols, nb))
	}
}

func checkSame(name string, a, b int) {
	if b < a {
		panic(fmt.Sprintf("vec: %s: operands of %d and %d elements", name, a, b))
	}
}
