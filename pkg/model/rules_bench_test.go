package model_test

import (
	"math/rand/v2"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/vec"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// BenchmarkWeightUpdate times one stage of BenchmarkTrainStepRules's step
// alone (784-512-10, batch 64, oneDNN on NNFC_BENCH_THREADS threads): the
// first layer's weight gradient dW = dzᵀ·x with its update, for plain SGD
// (alpha −lr, beta 1 in the backend's GEMM, as Affine.BackwardUpdate folds
// it) and for each other rule on two paths: "fused" (vec.GemmRule32, what
// the oneDNN backend runs) and "loop" (the GEMM writes dW, then the rule's
// vec loop on the team). The rest of a step is the same work for every
// rule, so this stage is where a rule costs more than SGD (issue 26 item
// 3). Beside ns/op (wall clock) it reports the process's CPU µs per update
// (all its threads: a waiting OpenMP thread's spinning counts).
//
//	NNFC_BENCH_THREADS=2 go test -run XXX -bench WeightUpdate -benchtime 1000x ./pkg/model
func BenchmarkWeightUpdate(b *testing.B) {
	const n, out, in = 64, 512, 784
	const tT, nT = blas.Trans, blas.NoTrans
	rng := rand.New(rand.NewPCG(3, 4))
	r := func(len int, scale float64) []float32 {
		s := make([]float32, len)
		for i := range s {
			s[i] = float32((rng.Float64()*2 - 1) * scale)
		}
		return s
	}
	dz, x := r(n*out, 1e-3), r(n*in, 1)
	// Each rule's constants as pkg/optim computes them at step 1 for the
	// benchmark's rates (lr 0.01 for the momentum rules, 1e-3 for the
	// others, AdamW's weight decay 0.01); the state starts at zero.
	ks := [...][8]float32{
		vec.RuleMomentum: {0.9, 0.01},
		vec.RuleNesterov: {0.9, 1.9, 0.01},
		vec.RuleRMSProp:  {0.99, 0.01, 1e-8, 1e-3},
		vec.RuleAdam:     {0.9, 0.1, 0.999, 0.001, 0.01, 31.622776, 1e-8},
		vec.RuleAdamW:    {0.9, 0.1, 0.999, 0.001, 0.01, 31.622776, 1e-8, 1e-5},
	}
	names := [...]string{"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"}
	for kind, name := range names {
		for _, path := range []string{"fused", "loop"} {
			if kind == 0 && path == "loop" {
				continue // SGD's update is in the GEMM either way
			}
			b.Run("rule="+name+",path="+path, func(b *testing.B) {
				useBLAS(b)
				w, dw := r(out*in, 0.05), make([]float32, out*in)
				rule := vec.Rule32{Kind: kind, K: ks[kind], S1: make([]float32, out*in)}
				if kind >= vec.RuleAdam {
					rule.S2 = make([]float32, out*in)
				}
				k := rule.K
				var update func()
				switch {
				case kind == 0:
					update = func() { blas32.Implementation().Sgemm(tT, nT, out, in, n, -0.1, dz, out, x, in, 1, w, in) }
				case path == "fused":
					if !vec.GemmRule32(rule, w, 0, dz, out, x, n, out, in) {
						b.Skip("no fused kernel with this backend, build or CPU")
					}
					update = func() { vec.GemmRule32(rule, w, 0, dz, out, x, n, out, in) }
				default:
					update = func() {
						blas32.Implementation().Sgemm(tT, nT, out, in, n, 1, dz, out, x, in, 0, dw, in)
						switch kind {
						case vec.RuleMomentum:
							vec.Momentum32(w, dw, rule.S1, k[0], k[1])
						case vec.RuleNesterov:
							vec.Nesterov32(w, dw, rule.S1, k[0], k[1], k[2])
						case vec.RuleRMSProp:
							vec.RMSProp32(w, dw, rule.S1, k[0], k[1], k[2], k[3])
						case vec.RuleAdam:
							vec.Adam32(w, dw, rule.S1, rule.S2, k[0], k[1], k[2], k[3], k[4], k[5], k[6])
						case vec.RuleAdamW:
							vec.AdamW32(w, dw, rule.S1, rule.S2, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7])
						}
					}
				}
				var cpu int64
				blasbackend.OnPoolThread(func() {
					update() // warm up (the team, page faults)
					b.ResetTimer()
					c0 := processCPU()
					for b.Loop() {
						update()
					}
					cpu = processCPU() - c0
				})
				b.ReportMetric(float64(cpu)/float64(b.N)/1e3, "cpu-µs/update")
			})
		}
	}
}
