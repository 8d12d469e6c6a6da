package optim

import (
	"unsafe"

	"github.com/nnfc/nnfc/pkg/layers"
)

// f32 and f64 reinterpret a []T whose T is known to be float32 / float64,
// for the internal/vec kernels (a type switch on a generic slice would
// allocate), as in pkg/model.
func f32[T layers.Float](s []T) []float32 { return *(*[]float32)(unsafe.Pointer(&s)) }
func f64[T layers.Float](s []T) []float64 { return *(*[]float64)(unsafe.Pointer(&s)) }
