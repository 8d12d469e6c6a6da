package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// withThreads runs f with SetThreads(n) and restores the count after.
func withThreads(t testing.TB, n int, f func()) {
	t.Helper()
	old := Threads()
	SetThreads(n)
	defer SetThreads(old)
	f()
}

// TestThreadsMatchReference: with 2 and 3 OpenMP threads the passes give
// the Go reference's bits, on shapes above and below the threshold of
// 16384 elements (odd splits included).
func TestThreadsMatchReference(t *testing.T) {
	for _, n := range []int{2, 3} {
		withThreads(t, n, func() {
			if Threads() != n {
				t.Fatalf("Threads() = %d after SetThreads(%d)", Threads(), n)
			}
			t.Run(fmt.Sprintf("threads=%d/relu", n), TestMatchesReference)
			t.Run(fmt.Sprintf("threads=%d/relu-large", n), func(t *testing.T) {
				old := shapes
				shapes = [][2]int{{128, 512}, {257, 129}, {64, 1000}, {1000, 33}, {3, 16384}}
				defer func() { shapes = old }()
				TestMatchesReference(t)
			})
			t.Run(fmt.Sprintf("threads=%d/swish", n), TestSwishMatchesReference)
		})
	}
	SetThreads(0)
	if Threads() != 1 {
		t.Errorf("SetThreads(0): Threads() = %d, want 1", Threads())
	}
	SetThreads(1)
}

// BenchmarkThreads times the float32 ReLU and swish passes of a 128×512
// hidden layer on 1 and 2 threads.
func BenchmarkThreads(b *testing.B) {
	const rows, cols = 128, 512
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("relu,threads=%d", n), func(b *testing.B) {
			withThreads(b, n, func() {
				h, bias, d, db := to32(uniform(rng, rows*cols)), to32(uniform(rng, cols)), to32(uniform(rng, rows*cols)), make([]float32, cols)
				for i := 0; i < b.N; i++ {
					BiasReLU32(h, cols, bias)
					ReLUMaskBiasGrad32(d, h, cols, db)
				}
			})
		})
		b.Run(fmt.Sprintf("swish,threads=%d", n), func(b *testing.B) {
			withThreads(b, n, func() {
				z, g := to32(uniform(rng, rows*cols)), to32(uniform(rng, rows*cols))
				out, sig, dx := make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, rows*cols)
				for i := 0; i < b.N; i++ {
					Swish32(out, sig, z)
					SwishBackward32(dx, g, sig, out)
				}
			})
		})
	}
}
