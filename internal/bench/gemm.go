package bench

import (
	"math/rand/v2"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/pkg/layers"
)

// gemmStep holds buffers of one training step's shapes (batch n, hidden h,
// 784 inputs, 10 classes) in pkg/layers' layout: weights [out, in], rows
// are samples.
type gemmStep[T layers.Float] struct {
	n                                 int
	x, w1, h, w2, s, ds, dw2, dh, dw1 *layers.Matrix[T]
}

func newGemmStep[T layers.Float](n, hidden int) *gemmStep[T] {
	rng := rand.New(rand.NewPCG(7, 7))
	r := func(rows, cols int) *layers.Matrix[T] {
		m := layers.NewMatrix[T](rows, cols)
		for i := range m.Data {
			m.Data[i] = T(rng.Float64()*0.2 - 0.1)
		}
		return m
	}
	return &gemmStep[T]{n: n,
		x: r(n, Inputs), w1: r(hidden, Inputs), h: r(n, hidden), w2: r(Classes, hidden), s: r(n, Classes),
		ds: r(n, Classes), dw2: r(Classes, hidden), dh: r(n, hidden), dw1: r(hidden, Inputs)}
}

// step runs the five GEMMs of a training step, each as the step issues it
// through layers.Gemm. With model.Net.TrainStep and plain SGD the two weight GEMMs update
// W in place (W ← W − lr·doutᵀ·x: beta = 1, same shapes and cost as an
// accumulating dW += doutᵀ·x, which is what is timed here).
func (g *gemmStep[T]) step() {
	layers.Gemm(false, true, 1, g.x, g.w1, 0, g.h)    // h = x·W1ᵀ
	layers.Gemm(false, true, 1, g.h, g.w2, 0, g.s)    // s = h·W2ᵀ
	layers.Gemm(true, false, 1, g.ds, g.h, 1, g.dw2)  // dW2 += dsᵀ·h
	layers.Gemm(false, false, 1, g.ds, g.w2, 0, g.dh) // dh = ds·W2
	layers.Gemm(true, false, 1, g.dh, g.x, 1, g.dw1)  // dW1 += dhᵀ·x
}

// rate runs steps for about secs seconds and returns samples per second.
func (g *gemmStep[T]) rate(secs float64) float64 {
	bl := blasbackend.BeginLoop()
	defer bl.End()
	g.step()
	steps := 0
	t0 := time.Now()
	for {
		g.step()
		steps++
		bl.Step()
		if el := time.Since(t0).Seconds(); el >= secs {
			return float64(steps*g.n) / el
		}
	}
}
