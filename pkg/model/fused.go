package model

import (
	"fmt"
	"math"
	"unsafe"

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

// biasReLU sets every row r of h to max(0, r + b). As layers.ReLU, it
// clears the bits of a negative value instead of comparing (the signs are
// random, a branch mispredicts half the time): −0 becomes +0, a NaN keeps
// its payload when positive and becomes 0 when negative.
func biasReLU[T layers.Float](h *layers.Matrix[T], b []T) {
	var zero T
	c := h.Cols
	switch any(zero).(type) {
	case float32:
		d, b := f32(h.Data), f32(b)[:c]
		for i := 0; i+c <= len(d); i += c {
			row := d[i : i+c]
			for j, v := range row {
				u := math.Float32bits(v + b[j])
				row[j] = math.Float32frombits(u &^ uint32(int32(u)>>31))
			}
		}
	case float64:
		d, b := f64(h.Data), f64(b)[:c]
		for i := 0; i+c <= len(d); i += c {
			row := d[i : i+c]
			for j, v := range row {
				u := math.Float64bits(v + b[j])
				row[j] = math.Float64frombits(u &^ uint64(int64(u)>>63))
			}
		}
	}
}

// reluMaskBiasGrad sets d = d where h ≠ 0 (h ≥ 0 is a ReLU output), else
// 0, and adds the column sums of the result into db, in one pass. The mask
// is built from h's bits without a branch, as in layers.ReLU.Backward.
func reluMaskBiasGrad[T layers.Float](d, h *layers.Matrix[T], db []T) {
	var zero T
	c := d.Cols
	switch any(zero).(type) {
	case float32:
		g, o, db := f32(d.Data), f32(h.Data)[:len(d.Data)], f32(db)[:c]
		for i := 0; i+c <= len(g); i += c {
			gr, or := g[i:i+c], o[i:i+c]
			for j, v := range gr {
				u := math.Float32bits(or[j])
				v = math.Float32frombits(math.Float32bits(v) & uint32(int32(u|-u)>>31))
				gr[j] = v
				db[j] += v
			}
		}
	case float64:
		g, o, db := f64(d.Data), f64(h.Data)[:len(d.Data)], f64(db)[:c]
		for i := 0; i+c <= len(g); i += c {
			gr, or := g[i:i+c], o[i:i+c]
			for j, v := range gr {
				u := math.Float64bits(or[j])
				v = math.Float64frombits(math.Float64bits(v) & uint64(int64(u|-u)>>63))
				gr[j] = v
				db[j] += v
			}
		}
	}
}

// f32 and f64 reinterpret a []T whose T is known to be float32 / float64
// (a type switch on a generic slice would allocate).
func f32[T layers.Float](s []T) []float32 { return *(*[]float32)(unsafe.Pointer(&s)) }
func f64[T layers.Float](s []T) []float64 { return *(*[]float64)(unsafe.Pointer(&s)) }
