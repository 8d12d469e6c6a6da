package layers

import (
	"fmt"
	"math"

	"github.com/nnfc/nnfc/internal/vec"
)

// Element-wise activations. Each keeps the smallest cache its backward
// needs and is a plain loop over the data slice.

func checkSame[T Float](name string, a, b *Matrix[T]) {
	if a == nil || a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("layers: %s backward: dout shape does not match the last forward", name))
	}
}

// ReLU is out = max(0, x).
type ReLU[T Float] struct{ out, dx *Matrix[T] }

// Forward keeps out: its sign is the mask backward needs. It clears the
// value's bits when its sign bit is set instead of comparing, because the
// signs of pre-activations are random and a branch on them mispredicts
// half the time (max(v, 0) compiles to such a branch on amd64). −0 becomes
// +0; a NaN keeps its payload when positive and becomes 0 when negative.
func (l *ReLU[T]) Forward(x *Matrix[T]) *Matrix[T] {
	l.out = ensure(l.out, x.Rows, x.Cols)
	relu(l.out.Data, x.Data)
	return l.out
}

// InferInPlace is Forward written over x, keeping nothing.
func (l *ReLU[T]) InferInPlace(x *Matrix[T]) { relu(x.Data, x.Data) }

// relu writes max(0, src) into dst (dst may be src), by the sign bit.
func relu[T Float](dst, src []T) {
	var zero T
	switch any(zero).(type) {
	case float32:
		src, dst := f32(src), f32(dst)
		dst = dst[:len(src)]
		for i, v := range src {
			b := math.Float32bits(v)
			dst[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
		}
	case float64:
		src, dst := f64(src), f64(dst)
		dst = dst[:len(src)]
		for i, v := range src {
			b := math.Float64bits(v)
			dst[i] = math.Float64frombits(b &^ uint64(int64(b)>>63))
		}
	}
}

// Backward: dx = dout where out > 0, else 0. out ≥ 0, so out > 0 exactly
// when its bits are not zero; the mask is built from the bits without a
// branch (see Forward).
func (l *ReLU[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	checkSame("relu", l.out, dout)
	l.dx = ensure(l.dx, dout.Rows, dout.Cols)
	var zero T
	switch any(zero).(type) {
	case float32:
		g, out, dx := f32(dout.Data), f32(l.out.Data), f32(l.dx.Data)
		out, dx = out[:len(g)], dx[:len(g)]
		for i, v := range g {
			o := math.Float32bits(out[i])
			mask := uint32(int32(o|-o) >> 31) // all ones when o ≠ 0
			dx[i] = math.Float32frombits(math.Float32bits(v) & mask)
		}
	case float64:
		g, out, dx := f64(dout.Data), f64(l.out.Data), f64(l.dx.Data)
		out, dx = out[:len(g)], dx[:len(g)]
		for i, v := range g {
			o := math.Float64bits(out[i])
			mask := uint64(int64(o|-o) >> 63)
			dx[i] = math.Float64frombits(math.Float64bits(v) & mask)
		}
	}
	return l.dx
}

// Params is empty.
func (l *ReLU[T]) Params() []*Param[T] { return nil }

// LeakyReLU is out = x for x > 0, Alpha·x otherwise.
type LeakyReLU[T Float] struct {
	Alpha   T
	x       *Matrix[T]
	out, dx *Matrix[T]
}

// Forward keeps a reference to x.
func (l *LeakyReLU[T]) Forward(x *Matrix[T]) *Matrix[T] {
	l.x = x
	l.out = ensure(l.out, x.Rows, x.Cols)
	for i, v := range x.Data {
		if v > 0 {
			l.out.Data[i] = v
		} else {
			l.out.Data[i] = l.Alpha * v
		}
	}
	return l.out
}

// InferInPlace is Forward written over x, keeping nothing.
func (l *LeakyReLU[T]) InferInPlace(x *Matrix[T]) {
	for i, v := range x.Data {
		if !(v > 0) {
			x.Data[i] = l.Alpha * v
		}
	}
}

// Backward: dx = dout·(1 if x > 0 else Alpha).
func (l *LeakyReLU[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	checkSame("leaky_relu", l.x, dout)
	l.dx = ensure(l.dx, dout.Rows, dout.Cols)
	x := l.x.Data
	for i, g := range dout.Data {
		if x[i] > 0 {
			l.dx.Data[i] = g
		} else {
			l.dx.Data[i] = l.Alpha * g
		}
	}
	return l.dx
}

// Params is empty.
func (l *LeakyReLU[T]) Params() []*Param[T] { return nil }

// sigmoid is σ(z) = 1/(1+e^(−z)), computed without overflow for either sign.
func sigmoid[T Float](z T) T {
	if z >= 0 {
		return T(1 / (1 + math.Exp(-float64(z))))
	}
	e := math.Exp(float64(z))
	return T(e / (1 + e))
}

// Sigmoid is out = σ(x).
type Sigmoid[T Float] struct{ out, dx *Matrix[T] }

// Forward keeps out = σ(x). Float32 uses vec.Sigmoid32 (a fast float32
// exp, C vectorized in the cgo build), float64 math.Exp.
func (l *Sigmoid[T]) Forward(x *Matrix[T]) *Matrix[T] {
	l.out = ensure(l.out, x.Rows, x.Cols)
	if src, ok := any(x.Data).([]float32); ok {
		vec.Sigmoid32(f32(l.out.Data), src)
		return l.out
	}
	for i, v := range x.Data {
		l.out.Data[i] = sigmoid(v)
	}
	return l.out
}

// InferInPlace is Forward written over x, keeping nothing.
func (l *Sigmoid[T]) InferInPlace(x *Matrix[T]) {
	if d, ok := any(x.Data).([]float32); ok {
		vec.Sigmoid32(d, d)
		return
	}
	for i, v := range x.Data {
		x.Data[i] = sigmoid(v)
	}
}

// Backward: dσ/dx = σ(1−σ), so dx = dout·out·(1−out).
func (l *Sigmoid[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	checkSame("sigmoid", l.out, dout)
	l.dx = ensure(l.dx, dout.Rows, dout.Cols)
	for i, g := range dout.Data {
		s := l.out.Data[i]
		l.dx.Data[i] = g * s * (1 - s)
	}
	return l.dx
}

// Params is empty.
func (l *Sigmoid[T]) Params() []*Param[T] { return nil }

// Tanh is out = tanh(x).
type Tanh[T Float] struct{ out, dx *Matrix[T] }

// Forward keeps out = tanh(x).
func (l *Tanh[T]) Forward(x *Matrix[T]) *Matrix[T] {
	l.out = ensure(l.out, x.Rows, x.Cols)
	for i, v := range x.Data {
		l.out.Data[i] = T(math.Tanh(float64(v)))
	}
	return l.out
}

// InferInPlace is Forward written over x, keeping nothing.
func (l *Tanh[T]) InferInPlace(x *Matrix[T]) {
	for i, v := range x.Data {
		x.Data[i] = T(math.Tanh(float64(v)))
	}
}

// Backward: dtanh/dx = 1−tanh², so dx = dout·(1−out²).
func (l *Tanh[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	checkSame("tanh", l.out, dout)
	l.dx = ensure(l.dx, dout.Rows, dout.Cols)
	for i, g := range dout.Data {
		t := l.out.Data[i]
		l.dx.Data[i] = g * (1 - t*t)
	}
	return l.dx
}

// Params is empty.
func (l *Tanh[T]) Params() []*Param[T] { return nil }

// Swish (SiLU) is h = z·σ(z).
type Swish[T Float] struct{ sig, out, dx *Matrix[T] }

// Forward keeps σ(z) and h. Float32 uses vec.Swish32 (a fast float32
// exp, C vectorized in the cgo build), float64 math.Exp.
func (l *Swish[T]) Forward(z *Matrix[T]) *Matrix[T] {
	l.sig = ensure(l.sig, z.Rows, z.Cols)
	l.out = ensure(l.out, z.Rows, z.Cols)
	if src, ok := any(z.Data).([]float32); ok {
		vec.Swish32(f32(l.out.Data), f32(l.sig.Data), src)
		return l.out
	}
	for i, v := range z.Data {
		s := sigmoid(v)
		l.sig.Data[i] = s
		l.out.Data[i] = v * s
	}
	return l.out
}

// InferInPlace is Forward's h written over z, without σ (nothing is kept
// for Backward): vec.SwishInPlace32 for float32, the same bits.
func (l *Swish[T]) InferInPlace(z *Matrix[T]) {
	if d, ok := any(z.Data).([]float32); ok {
		vec.SwishInPlace32(d)
		return
	}
	for i, v := range z.Data {
		z.Data[i] = v * sigmoid(v)
	}
}

// Backward: dh/dz = σ(z) + z·σ(z)·(1−σ(z)) = σ(z) + h·(1−σ(z)), reusing
// the forward's σ and h. Float32 uses vec.SwishBackward32.
func (l *Swish[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	checkSame("swish", l.out, dout)
	l.dx = ensure(l.dx, dout.Rows, dout.Cols)
	if g, ok := any(dout.Data).([]float32); ok {
		vec.SwishBackward32(f32(l.dx.Data), g, f32(l.sig.Data), f32(l.out.Data))
		return l.dx
	}
	for i, g := range dout.Data {
		s, h := l.sig.Data[i], l.out.Data[i]
		l.dx.Data[i] = g * (s + h*(1-s))
	}
	return l.dx
}

// Params is empty.
func (l *Swish[T]) Params() []*Param[T] { return nil }

// NewActivation returns the activation layer called name: relu, swish,
// sigmoid, tanh or leaky_relu (with slope alpha for x < 0).
func NewActivation[T Float](name string, alpha float64) (Layer[T], error) {
	switch name {
	case "relu":
		return &ReLU[T]{}, nil
	case "swish":
		return &Swish[T]{}, nil
	case "sigmoid":
		return &Sigmoid[T]{}, nil
	case "tanh":
		return &Tanh[T]{}, nil
	case "leaky_relu":
		return &LeakyReLU[T]{Alpha: T(alpha)}, nil
	}
	return nil, fmt.Errorf("unknown activation %q (want relu, swish, sigmoid, tanh or leaky_relu)", name)
}

// Activations lists the names NewActivation accepts.
var Activations = []string{"relu", "swish", "sigmoid", "tanh", "leaky_relu"}
