package embed

import (
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
)

// BenchmarkLogLik is one evaluation of L and its gradient: what each
// L-BFGS iteration of nnfc embed costs (about one per iteration), at the
// default --max-points 1000 and a 512-wide layer.
func BenchmarkLogLik(b *testing.B) {
	if err := blasbackend.Init(0); err != nil {
		b.Fatal(err)
	}
	for _, kernel := range Kernels {
		b.Run(kernel, func(b *testing.B) {
			g := &GPLVM{Y: lowRank(1000, 512, 20, 0.5, 1), Q: 2, Kernel: kernel}
			x, a, be, c, err := g.Init()
			if err != nil {
				b.Fatal(err)
			}
			theta := g.Theta(x, a, be, c)
			grad := make([]float64, len(theta))
			b.ResetTimer()
			for range b.N {
				if _, err := g.LogLik(theta, grad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
