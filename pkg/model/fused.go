package model

import (
	"fmt"
	"unsafe"

	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/layers"
)

// affineReLU is the fused path for an Affine layer followed directly by a
// ReLU: the same arithmetic as the two layers' Forward and Backward, in
// fewer passes over the N×Out activations. The per-layer path
// (Net.Fused = false) is the reference it is tested against.
//
// Per-layer forward: copy b into every row, out += x·Wᵀ (GEMM, beta 1),
// then a ReLU pass reading out and writing a second buffer. Fused:
// h = x·Wᵀ (GEMM, beta 0), then one pass h = max(0, h + b) in place.
//
// Per-layer backward: a ReLU pass (read dout and out, write dx), a pass
// summing dx into db, then the GEMMs. Fused: one pass that masks dout in
// place and sums it into db, then the GEMMs.
type affineReLU[T layers.Float] struct {
	a  *layers.Affine[T]
	r  *layers.ReLU[T]
	x  *layers.Matrix[T] // cache: the input of the last forward (not a copy)
	h  *layers.Matrix[T] // out = max(0, x·Wᵀ + b); h > 0 is backward's mask
	dx *layers.Matrix[T]
}

// forward: x is (N, In), W is (Out, In), b is (Out); h is (N, Out).
func (f *affineReLU[T]) forward(x *layers.Matrix[T]) *layers.Matrix[T] {
	a := f.a
	if x.Cols != a.In {
		panic(fmt.Sprintf("model: affine %s expects %d input columns, got %d", a.W.Name, a.In, x.Cols))
	}
	f.x = x
	f.h.Resize(x.Rows, a.Out)
	layers.Gemm(false, true, 1, x, a.W.AsMatrix(false), 0, f.h)
	biasReLU(f.h, a.B.Data)
	return f.h
}

// backward: forward was h = max(0, z), z = x·Wᵀ + b, so dz = dout where
// h > 0 (else 0), db += Σ_rows dz, dW += dzᵀ·x, dx = dz·W. dz overwrites
// dout in place: dout is the next layer's dx, which nothing reads after.
// With the affine's OverwriteGrad, db and dW are written, not added to.
func (f *affineReLU[T]) backward(dout *layers.Matrix[T]) *layers.Matrix[T] {
	a := f.a
	if dout.Rows != f.h.Rows || dout.Cols != f.h.Cols {
		panic(fmt.Sprintf("model: affine+relu %s backward got dout %d×%d, want %d×%d", a.W.Name, dout.Rows, dout.Cols, f.h.Rows, f.h.Cols))
	}
	var beta T = 1
	if a.OverwriteGrad {
		beta = 0
		clear(a.B.Grad)
	}
	reluMaskBiasGrad(dout, f.h, a.B.Grad)
	layers.Gemm(true, false, 1, dout, f.x, beta, a.W.AsMatrix(true))
	if a.SkipInputGrad {
		return nil
	}
	f.dx.Resize(dout.Rows, a.In)
	layers.Gemm(false, false, 1, dout, a.W.AsMatrix(false), 0, f.dx)
	return f.dx
}

// backwardSGD is backward followed by an SGD step on W and b with the
// weight GEMM doing the update (see layers.Affine.BackwardSGD): dx first,
// with the forward's W, then W ← (1 − lr·decay)·W − lr·dzᵀ·x and
// b ← b − lr·db. W.Grad is not written.
func (f *affineReLU[T]) backwardSGD(dout *layers.Matrix[T], lr, decay T) *layers.Matrix[T] {
	a := f.a
	if dout.Rows != f.h.Rows || dout.Cols != f.h.Cols {
		panic(fmt.Sprintf("model: affine+relu %s backward got dout %d×%d, want %d×%d", a.W.Name, dout.Rows, dout.Cols, f.h.Rows, f.h.Cols))
	}
	db := a.B.Grad
	clear(db)
	reluMaskBiasGrad(dout, f.h, db)
	var dx *layers.Matrix[T]
	if !a.SkipInputGrad {
		f.dx.Resize(dout.Rows, a.In)
		layers.Gemm(false, false, 1, dout, a.W.AsMatrix(false), 0, f.dx)
		dx = f.dx
	}
	layers.Gemm(true, false, -lr, dout, f.x, 1-lr*decay, a.W.AsMatrix(false))
	for j, g := range db {
		a.B.Data[j] -= lr * g
	}
	return dx
}

// biasReLU sets every row r of h to max(0, r + b) in place
// (vec.BiasReLU32/64: C vectorized in the cgo build, the Go reference
// loop otherwise; a negative sum and −0 become +0).
func biasReLU[T layers.Float](h *layers.Matrix[T], b []T) {
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
func reluMaskBiasGrad[T layers.Float](d, h *layers.Matrix[T], db []T) {
	var zero T
	switch any(zero).(type) {
	case float32:
		vec.ReLUMaskBiasGrad32(f32(d.Data), f32(h.Data), d.Cols, f32(db))
	case float64:
		vec.ReLUMaskBiasGrad64(f64(d.Data), f64(h.Data), d.Cols, f64(db))
	}
}

// f32 and f64 reinterpret a []T whose T is known to be float32 / float64
// (a type switch on a generic slice would allocate).
func f32[T layers.Float](s []T) []float32 { return *(*[]float32)(unsafe.Pointer(&s)) }
func f64[T layers.Float](s []T) []float64 { return *(*[]float64)(unsafe.Pointer(&s)) }
