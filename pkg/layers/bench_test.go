package layers_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"

	"github.com/nnfc/nnfc/pkg/layers"
)

func randM[T layers.Float](rng *rand.Rand, rows, cols int) *layers.Matrix[T] {
	m := layers.NewMatrix[T](rows, cols)
	for i := range m.Data {
		m.Data[i] = T(rng.NormFloat64())
	}
	return m
}

var initBLAS sync.Once

// useBLAS registers the build's fast BLAS (OpenBLAS, one thread, in the cgo
// build) for the benchmarks only; the tests keep gonum's pure-Go kernels,
// whose GEMM starts goroutines that allocate.
func useBLAS(b *testing.B) {
	initBLAS.Do(func() {
		if err := blasbackend.Init(1); err != nil {
			b.Fatal(err)
		}
	})
}

func benchAffine[T layers.Float](b *testing.B, n, d, m int, backward bool) {
	useBLAS(b)
	rng := rand.New(rand.NewPCG(1, 1))
	l := layers.NewAffine[T]("0.", d, m)
	_ = layers.InitAffine(l, layers.InitHe, 0, rng)
	x := randM[T](rng, n, d)
	dout := randM[T](rng, n, m)
	l.Forward(x)
	l.Backward(dout)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if backward {
			l.Backward(dout)
		} else {
			l.Forward(x)
		}
	}
}

func BenchmarkAffineForward(b *testing.B) {
	b.Run("T=float32/N=128,D=784,M=512", func(b *testing.B) { benchAffine[float32](b, 128, 784, 512, false) })
	b.Run("T=float64/N=128,D=784,M=512", func(b *testing.B) { benchAffine[float64](b, 128, 784, 512, false) })
}

func BenchmarkAffineBackward(b *testing.B) {
	b.Run("T=float32/N=128,D=784,M=512", func(b *testing.B) { benchAffine[float32](b, 128, 784, 512, true) })
	b.Run("T=float64/N=128,D=784,M=512", func(b *testing.B) { benchAffine[float64](b, 128, 784, 512, true) })
}

func benchActivation[T layers.Float](b *testing.B, name string, n, m int, backward bool) {
	l, err := layers.NewActivation[T](name, 0.01)
	if err != nil {
		b.Fatal(err)
	}
	benchLayer(b, l, n, m, backward) // regularization_test.go
}

func BenchmarkActivation(b *testing.B) {
	for _, name := range layers.Activations {
		for _, dir := range []string{"Forward", "Backward"} {
			bw := dir == "Backward"
			b.Run(fmt.Sprintf("%s/%s/T=float32/N=128,M=512", name, dir), func(b *testing.B) { benchActivation[float32](b, name, 128, 512, bw) })
			b.Run(fmt.Sprintf("%s/%s/T=float64/N=128,M=512", name, dir), func(b *testing.B) { benchActivation[float64](b, name, 128, 512, bw) })
		}
	}
}

func BenchmarkSoftmaxLoss(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	s := randM[float32](rng, 128, 10)
	d := layers.NewMatrix[float32](128, 10)
	y := make([]int32, 128)
	b.ReportAllocs()
	for range b.N {
		layers.SoftmaxCrossEntropy[float32]{}.Loss(s, layers.Classes[float32](y), d)
	}
}
