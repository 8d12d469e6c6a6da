package layers

import "sync/atomic"

// A Packer is a float32 BLAS that can keep a weight matrix in the layout
// its GEMM reads fastest, made once, for inference: the forward product of
// a layer whose weights no longer change (nnfc eval, predict and serve).
// Training never packs: its weights change every step. The oneDNN backend
// registers one (internal/blasbackend); without one, Affine.Pack does
// nothing and inference takes the plain GEMM.
type Packer interface {
	// Pack returns W (out×in, row-major) packed, or nil when it cannot.
	Pack(w []float32, out, in int) Packed
	// Threads is the thread count a product runs on when given 0.
	Threads() int
}

// Packed is a weight matrix W (out×in) held by a Packer.
type Packed interface {
	// Affine writes c = x·Wᵀ + b for the m rows of x (m×in, row-major)
	// into c (m×out, row-major) on threads BLAS threads (0: Threads), and
	// reports whether it did; false means nothing was written and the
	// caller computes it otherwise.
	Affine(x []float32, m int, b, c []float32, threads int) bool
}

var packer atomic.Pointer[Packer]

// SetPacker registers p as the Packer Affine.Pack uses (nil: none).
func SetPacker(p Packer) {
	if p == nil {
		packer.Store(nil)
		return
	}
	packer.Store(&p)
}

// CurrentPacker is the registered Packer, or nil (for a test that sets
// its own and puts this one back).
func CurrentPacker() Packer { return currentPacker() }

// currentPacker is the registered Packer, or nil.
func currentPacker() Packer {
	if p := packer.Load(); p != nil {
		return *p
	}
	return nil
}

// PackThreads is the thread count of the registered Packer's products
// (1 without one).
func PackThreads() int {
	if p := currentPacker(); p != nil {
		return max(p.Threads(), 1)
	}
	return 1
}
