package optim

import (
	"fmt"
	"testing"

	"github.com/nnfc/nnfc/pkg/layers"
)

// benchParams returns the parameters of a 784-512-10 network:
// 512·784 + 512 + 10·512 + 10 = 407050 values.
func benchParams[T layers.Float]() []*layers.Param[T] {
	ps := []*layers.Param[T]{
		layers.NewParam[T]("0.weight", true, 512, 784),
		layers.NewParam[T]("0.bias", false, 512),
		layers.NewParam[T]("1.weight", true, 10, 512),
		layers.NewParam[T]("1.bias", false, 10),
	}
	for _, p := range ps {
		for j := range p.Data {
			p.Data[j] = T(float64(j%17)*0.01 - 0.08)
			p.Grad[j] = T(float64(j%13)*0.001 - 0.006)
		}
	}
	return ps
}

func BenchmarkStep(b *testing.B) {
	b.Run("T=float32", benchmarkStep[float32])
	b.Run("T=float64", benchmarkStep[float64])
}

func benchmarkStep[T layers.Float](b *testing.B) {
	for _, rule := range Rules {
		ps := benchParams[T]()
		n := 0
		for _, p := range ps {
			n += p.Size()
		}
		b.Run(fmt.Sprintf("rule=%s,n=%d", rule, n), func(b *testing.B) {
			cfg, _ := Defaults(rule)
			o, err := New(cfg, ps)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				o.Step(1e-3)
			}
		})
	}
}

func BenchmarkClipGlobalNorm(b *testing.B) {
	ps := benchParams[float32]()
	b.Run("T=float32,n=407050", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ClipGlobalNorm(ps, 1e9) // measures; never scales
		}
	})
}
