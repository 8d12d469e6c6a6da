package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/sysinfo"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
)

// RuleRate is one update rule's training rate in RunRules.
type RuleRate struct {
	Rule string  `json:"rule"`
	LR   float64 `json:"lr"`
	// Median samples/s over the rounds' blocks, by the wall clock and per
	// second of CPU time the process got (all its threads).
	SamplesPerS    float64 `json:"train_samples_per_s"`
	SamplesPerCPUS float64 `json:"train_samples_per_cpu_s"`
	BestBlock      float64 `json:"train_best_block_samples_per_s"`
	// Median over rounds of this rule's rate over the first rule's in the
	// same round, by wall clock and by CPU time.
	OverFirst    float64 `json:"over_first"`
	OverFirstCPU float64 `json:"over_first_cpu"`
	FinalLoss    float64 `json:"final_train_loss"`
}

// Rules is the result of RunRules.
type Rules struct {
	Impl    string     `json:"impl"`
	Backend string     `json:"backend"`
	Act     string     `json:"act"`
	DType   string     `json:"dtype"`
	Threads int        `json:"threads"`
	Batch   int        `json:"batch"`
	Rounds  int        `json:"rounds"`
	Steps   int        `json:"steps_per_block"`
	Rates   []RuleRate `json:"rules"`
}

// RunRules answers "how fast does each update rule train, beside the
// first (plain SGD)?" with the machine's drift taken out: one network per
// rule, from the same initialization, and each round times a block of
// steps training steps (gather + step, as an epoch runs them) of every
// rule, in an order that rotates from round to round. Ratios are taken
// within a round, then the median over rounds is reported. Each rule
// trains at o.LR, or at its RuleLR when o.LR is 0.
func RunRules(o Options, rules []string, rounds, steps int) (*Rules, error) {
	if len(rules) == 0 {
		return nil, fmt.Errorf("bench: --rules: no rule")
	}
	for _, r := range rules {
		o.Rule = r
		if err := o.Validate(); err != nil {
			return nil, err
		}
	}
	if rounds < 1 || steps < 1 {
		return nil, fmt.Errorf("bench: --rounds and --steps must be ≥ 1, got %d and %d", rounds, steps)
	}
	ds := Synthetic(o.Samples, o.DataSeed)
	if o.Precision == "float64" {
		return ruleRates[float64](o, ds, rules, rounds, steps)
	}
	off, err := bfloat16(o)
	if err != nil {
		return nil, err
	}
	defer off()
	return ruleRates[float32](o, ds, rules, rounds, steps)
}

func ruleRates[T layers.Float](o Options, ds *data.Dataset, rules []string, rounds, steps int) (*Rules, error) {
	bs := o.Batch
	x, y := &layers.Matrix[T]{}, make([]int32, bs)
	type variant struct {
		step      func(x *layers.Matrix[T], y []int32) float64
		perm      []int
		shuffle   *rand.Rand
		next      int
		wall, cpu []float64
		lr, loss  float64
	}
	vs := make([]*variant, len(rules))
	for i, r := range rules {
		ro := o
		ro.Rule = r
		_, step, err := newStep[T](ro)
		if err != nil {
			return nil, err
		}
		v := &variant{step: step, perm: make([]int, ds.N), shuffle: rand.New(rand.NewPCG(o.Seed, 2)), next: ds.N, lr: ro.lr()}
		for j := range v.perm {
			v.perm[j] = j
		}
		vs[i] = v
	}
	// trainStep takes v's next minibatch, reshuffling at each epoch's end.
	trainStep := func(v *variant) {
		if v.next+bs > ds.N {
			data.Shuffle(v.perm, v.shuffle)
			v.next = 0
		}
		idx := v.perm[v.next : v.next+bs]
		v.next += bs
		x.Resize(bs, ds.D)
		data.Gather(ds, idx, x.Data, y)
		v.loss = v.step(x, y)
	}
	bl := blasbackend.BeginLoop()
	defer bl.End()
	for r := 0; r < rounds; r++ {
		for k := range vs {
			v := vs[(k+r)%len(vs)]
			trainStep(v) // untimed: the previous block left other rules' data in cache
			c0, t0 := sysinfo.CPUSeconds(), time.Now()
			for i := 0; i < steps; i++ {
				trainStep(v)
				bl.Step()
			}
			el, cpu := time.Since(t0).Seconds(), sysinfo.CPUSeconds()-c0
			v.wall = append(v.wall, float64(steps*bs)/el)
			v.cpu = append(v.cpu, float64(steps*bs)/cpu)
		}
	}
	out := &Rules{Impl: "nnfc-" + blasbackend.Name(), Backend: blasbackend.Describe(), Act: o.Act, DType: dtypeOf(o.Precision),
		Threads: blasbackend.Threads(), Batch: bs, Rounds: rounds, Steps: steps}
	ratio := func(a, b []float64) float64 {
		q := make([]float64, len(a))
		for i := range q {
			q[i] = a[i] / b[i]
		}
		return roundSig(median(q), 3)
	}
	for i, v := range vs {
		if v.loss != v.loss || v.loss > 1e30 {
			return nil, fmt.Errorf("bench: the training loss of rule %s at lr %g became %v; choose a lower --lr", rules[i], v.lr, v.loss)
		}
		out.Rates = append(out.Rates, RuleRate{Rule: rules[i], LR: v.lr,
			SamplesPerS: round(median(v.wall), 1), SamplesPerCPUS: round(median(v.cpu), 1), BestBlock: round(slices.Max(v.wall), 1),
			OverFirst: ratio(v.wall, vs[0].wall), OverFirstCPU: ratio(v.cpu, vs[0].cpu), FinalLoss: round(v.loss, 4)})
	}
	return out, nil
}
