package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Scaling is the result of RunScaling: training and the GEMMs alone, at 1
// and at 2 threads of the backend (oneDNN or OpenBLAS), measured in one
// process in interleaved blocks.
type Scaling struct {
	Impl    string `json:"impl"`
	Backend string `json:"backend"`
	Act     string `json:"act"`
	DType   string `json:"dtype"`
	Batch   int    `json:"batch"`
	Rounds  int    `json:"rounds"`
	Steps   int    `json:"steps_per_block"`
	// Median samples/s over the rounds' blocks.
	Train1 float64 `json:"train_1t_samples_per_s"`
	Train2 float64 `json:"train_2t_samples_per_s"`
	Gemm1  float64 `json:"gemm_1t_samples_per_s"`
	Gemm2  float64 `json:"gemm_2t_samples_per_s"`
	// Median over rounds of the 2-thread/1-thread ratio within a round.
	TrainSpeedup float64 `json:"train_speedup_2t_over_1t"`
	GemmSpeedup  float64 `json:"gemm_speedup_2t_over_1t"`
	// Median over rounds of training / GEMM-only at the same threads.
	Fraction1 float64 `json:"fraction_of_gemm_bound_1t"`
	Fraction2 float64 `json:"fraction_of_gemm_bound_2t"`
	// The fastest block of each: on a machine shared with other work, what
	// the code does when it gets the cores.
	Train1Best float64 `json:"train_1t_best_block_samples_per_s"`
	Train2Best float64 `json:"train_2t_best_block_samples_per_s"`
	Gemm1Best  float64 `json:"gemm_1t_best_block_samples_per_s"`
	Gemm2Best  float64 `json:"gemm_2t_best_block_samples_per_s"`
}

// RunScaling answers "how much faster is a step on 2 threads than on 1,
// and how much of that do the GEMMs alone allow?" with the machine's
// drift taken out: each round times a block of steps training steps
// (gather + step, as an epoch runs them) and a block of the step's GEMMs
// alone, each at 1 and at 2 threads (switched with blasbackend.Init, i.e.
// the OpenBLAS and OpenMP thread counts, between blocks; one untimed step after each
// switch), in an order that rotates from round to round. Ratios are taken
// within a round, then the median over rounds is reported. It needs the
// oneDNN or OpenBLAS backend and restores the thread count it found.
func RunScaling(o Options, rounds, steps int) (*Scaling, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if rounds < 1 || steps < 1 {
		return nil, fmt.Errorf("bench: --rounds and --steps must be ≥ 1, got %d and %d", rounds, steps)
	}
	if !blasbackend.Available || (blasbackend.Name() != blasbackend.OpenBLASName && blasbackend.Name() != blasbackend.OneDNNName) {
		return nil, fmt.Errorf("bench: --scaling needs the OpenBLAS or oneDNN backend (this one uses %s)", blasbackend.Name())
	}
	ds := Synthetic(o.Samples, o.DataSeed)
	if o.Precision == "float64" {
		return scaling[float64](o, ds, rounds, steps)
	}
	off, err := bfloat16(o)
	if err != nil {
		return nil, err
	}
	defer off()
	return scaling[float32](o, ds, rounds, steps)
}

func scaling[T layers.Float](o Options, ds *data.Dataset, rounds, steps int) (*Scaling, error) {
	_, step, err := newStep[T](o)
	if err != nil {
		return nil, err
	}
	gb := newGemmStep[T](o.Batch, o.Hidden)
	bs := o.Batch
	x, y := &layers.Matrix[T]{}, make([]int32, bs)
	perm := make([]int, ds.N)
	for i := range perm {
		perm[i] = i
	}
	shuffle := rand.New(rand.NewPCG(o.Seed, 2))
	data.Shuffle(perm, shuffle)
	next := 0
	trainStep := func() {
		if next+bs > ds.N {
			data.Shuffle(perm, shuffle)
			next = 0
		}
		idx := perm[next : next+bs]
		next += bs
		x.Resize(bs, ds.D)
		data.Gather(ds, idx, x.Data, y)
		step(x, y)
	}
	orig := blasbackend.Threads()
	defer blasbackend.Init(orig)

	type variant struct {
		threads int
		f       func()
	}
	vs := []variant{{1, trainStep}, {2, trainStep}, {1, gb.step}, {2, gb.step}}
	rates := make([][]float64, len(vs))
	bl := blasbackend.BeginLoop()
	defer bl.End()
	for r := 0; r < rounds; r++ {
		for k := range vs {
			v := vs[(k+r)%len(vs)]
			if err := blasbackend.Init(v.threads); err != nil {
				return nil, err
			}
			v.f()
			t0 := time.Now()
			for i := 0; i < steps; i++ {
				v.f()
				bl.Step()
			}
			el := time.Since(t0).Seconds()
			i := (k + r) % len(vs)
			rates[i] = append(rates[i], float64(steps*bs)/el)
		}
	}
	ratio := func(a, b int) float64 {
		q := make([]float64, rounds)
		for r := range q {
			q[r] = rates[a][r] / rates[b][r]
		}
		// Three significant digits, not three decimals: on a loaded machine a
		// 2-thread block can be hundreds of times slower, and a ratio must
		// not round to 0.
		return roundSig(median(q), 3)
	}
	dtype := dtypeOf(o.Precision)
	return &Scaling{
		Impl: "nnfc-" + blasbackend.Name(), Backend: blasbackend.Describe(), Act: o.Act, DType: dtype, Batch: bs,
		Rounds: rounds, Steps: steps,
		Train1: round(median(rates[0]), 1), Train2: round(median(rates[1]), 1),
		Gemm1: round(median(rates[2]), 1), Gemm2: round(median(rates[3]), 1),
		TrainSpeedup: ratio(1, 0), GemmSpeedup: ratio(3, 2),
		Fraction1: ratio(0, 2), Fraction2: ratio(1, 3),
		Train1Best: round(slices.Max(rates[0]), 1), Train2Best: round(slices.Max(rates[1]), 1),
		Gemm1Best: round(slices.Max(rates[2]), 1), Gemm2Best: round(slices.Max(rates[3]), 1),
	}, nil
}
