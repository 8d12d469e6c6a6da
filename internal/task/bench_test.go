package task

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkClassMeter is the classifier's metrics on one evaluation of
// N rows of K classes in batches of 1000 (the MNIST test split: N=10000,
// K=10): the softmax of each output row, the confusion matrices, and at
// Done the one-vs-rest ROC-AUC and PR-AUC, log loss and ECE. Compare with
// the evaluation's forward pass (internal/onnx's BenchmarkEval).
func BenchmarkClassMeter(b *testing.B) {
	for _, c := range []struct{ n, k int }{{10000, 10}, {5000, 10}} {
		rng := rand.New(rand.NewPCG(1, 2))
		out := make([]float64, c.n*c.k)
		for i := range out {
			out[i] = rng.NormFloat64() * 3
		}
		y, pred := make([]int32, c.n), make([]int32, c.n)
		for i := range y {
			y[i] = int32(rng.IntN(c.k))
			best := 0
			for j := range c.k {
				if out[i*c.k+j] > out[i*c.k+best] {
					best = j
				}
			}
			pred[i] = int32(best)
		}
		b.Run(fmt.Sprintf("N=%d,K=%d", c.n, c.k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := classifier{}.NewMeter(c.k, false)
				for lo := 0; lo < c.n; lo += 1000 {
					hi := min(lo+1000, c.n)
					m.Add(Batch{Pred: pred[lo:hi], Class: y[lo:hi], Out: out[lo*c.k : hi*c.k], Cols: c.k})
				}
				ev := Eval{N: c.n}
				m.Done(&ev, 784)
			}
		})
	}
}
