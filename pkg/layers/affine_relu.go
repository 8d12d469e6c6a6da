package layers

import "github.com/nnfc/nnfc/internal/vec"

// AffineReLU is an Affine layer followed directly by a ReLU, run as one
// stage: the same arithmetic as the two layers' Forward and Backward, in
// fewer passes over the N×Out activations. The two layers' own Forward
// and Backward (affine.go, activations.go) are the reference it is tested
// against (pkg/model's Net.Fused = false); it shares the Affine's checks,
// caches and weight GEMMs.
//
// Per-layer forward: copy b into every row, out += x·Wᵀ (GEMM, beta 1),
// then a ReLU pass reading out and writing a second buffer. Fused:
// h = x·Wᵀ (GEMM, beta 0), then one pass h = max(0, h + b) in place.
//
// Per-layer backward: a ReLU pass (read dout and out, write dx), a pass
// summing dx into db, then the GEMMs. Fused: one pass that masks dout in
// place and sums it into db, then the GEMMs.
type AffineReLU[T Float] struct {
	A *Affine[T]
	R *ReLU[T]
}

// Forward: x is (N, In), W is (Out, In), b is (Out);
// h = max(0, x·Wᵀ + b) is (N, Out), held in the Affine's output buffer.
func (f *AffineReLU[T]) Forward(x *Matrix[T]) *Matrix[T] {
	a := f.A
	a.checkInput(x)
	a.x = x
	a.out = ensure(a.out, x.Rows, a.Out)
	Gemm(false, true, 1, x, a.W.AsMatrix(false), 0, a.out)
	biasReLU(a.out, a.B.Data)
	return a.out
}

// Infer writes h = max(0, x·Wᵀ + b) into out (x.Rows × Out), the
// forward pass of inference (see Affine.Infer): with packed weights the
// product with its bias, then the ReLU in place; otherwise exactly
// Forward's arithmetic (the GEMM with beta = 0, then max(0, h + b)).
func (f *AffineReLU[T]) Infer(x, out *Matrix[T], threads int) {
	a := f.A
	if a.inferPacked(x, out, threads) {
		f.R.InferInPlace(out)
		return
	}
	Gemm(false, true, 1, x, a.W.AsMatrix(false), 0, out)
	biasReLU(out, a.B.Data)
}

// Backward: forward was h = max(0, z), z = x·Wᵀ + b, so dz = dout where
// h > 0 (else 0), db += Σ_rows dz, dW += dzᵀ·x, dx = dz·W. dz overwrites
// dout in place: dout is the next layer's dx, which nothing reads after.
// With the affine's OverwriteGrad, db and dW are written, not added to.
func (f *AffineReLU[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	a := f.A
	a.checkDout(dout, a.out.Rows)
	if a.OverwriteGrad {
		clear(a.B.Grad)
	}
	reluMaskBiasGrad(dout, a.out, a.B.Grad)
	return a.backwardGemms(dout, nil, 0)
}

// BackwardUpdate is Backward with the optimizer step u applied to W and b
// inside it, as Affine.BackwardUpdate: db and dW written, dx with the W of
// the forward pass, W.Grad not written when u's update is linear.
func (f *AffineReLU[T]) BackwardUpdate(dout *Matrix[T], u Update[T], decay T) *Matrix[T] {
	a := f.A
	a.checkDout(dout, a.out.Rows)
	clear(a.B.Grad)
	reluMaskBiasGrad(dout, a.out, a.B.Grad)
	return a.backwardGemms(dout, u, decay)
}

// biasReLU sets every row r of h to max(0, r + b) in place
// (vec.BiasReLU32/64: C vectorized in the cgo build, the Go reference
// loop otherwise; a negative sum and −0 become +0).
func biasReLU[T Float](h *Matrix[T], b []T) {
	var zero T
	switch any(zero).(type) {
	case float32:
		vec.BiasReLU32(f32(h.Data), h.Cols, f32(b))
	case float64:
		vec.BiasReLU64(f64(h.Data), h.Cols, f64(b))
	}
}

// reluMaskBiasGrad sets d = d where h ≠ 0 (h ≥ 0 is a ReLU output), else
// 0, and adds the column sums of the result into db, in one pass
// (vec.ReLUMaskBiasGrad32/64).
func reluMaskBiasGrad[T Float](d, h *Matrix[T], db []T) {
	var zero T
	switch any(zero).(type) {
	case float32:
		vec.ReLUMaskBiasGrad32(f32(d.Data), f32(h.Data), d.Cols, f32(db))
	case float64:
		vec.ReLUMaskBiasGrad64(f64(d.Data), f64(h.Data), d.Cols, f64(db))
	}
}
