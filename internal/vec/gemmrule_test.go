package vec

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// dotFMA32 returns dW = dzᵀ·x as GemmRule32 defines it: each entry
// accumulated in k order from 0 with one float32 FMA per term (computed
// exactly with big.Float, then rounded to nearest even), dz n×out with
// rows ldz apart, x n×in.
func dotFMA32(dz []float32, ldz int, x []float32, n, out, in int) []float32 {
	g := make([]float32, out*in)
	p, s := new(big.Float).SetPrec(400), new(big.Float).SetPrec(400)
	a, b := new(big.Float), new(big.Float)
	for i := range out {
		for j := range in {
			var acc float32
			for k := range n {
				p.Mul(a.SetFloat64(float64(dz[k*ldz+i])), b.SetFloat64(float64(x[k*in+j])))
				s.Add(p, b.SetFloat64(float64(acc)))
				acc, _ = s.Float32()
			}
			g[i*in+j] = acc
		}
	}
	return g
}

// gemmRuleCase is one shape: W out×in, n rows of dz (ldz apart) and x.
type gemmRuleCase struct{ out, in, n, ldz int }

// applyRef is the reference of one rule: W's gradient g (with the L2
// term already in) through the rule's Go reference on copies of w and
// the state; it returns them.
func applyRef(r Rule32, w, g []float32) (rw, rs1, rs2 []float32) {
	rw, rs1, rs2 = clone32(w), clone32(r.S1), clone32(r.S2)
	k := r.K
	switch r.Kind {
	case RuleMomentum:
		momentumRef32(rw, g, rs1, k[0], k[1])
	case RuleNesterov:
		nesterovRef32(rw, g, rs1, k[0], k[1], k[2])
	case RuleRMSProp:
		rmsPropRef32(rw, g, rs1, k[0], k[1], k[2], k[3])
	case RuleAdam:
		adamRef32(rw, g, rs1, rs2, k[0], k[1], k[2], k[3], k[4], k[5], k[6])
	case RuleAdamW:
		adamWRef32(rw, g, rs1, rs2, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7])
	}
	return rw, rs1, rs2
}

// testRules returns the five rules with typical constants and fresh
// state of n entries (a random velocity, cache, m; a non-negative v).
func testRules(rng *rand.Rand, n int) []Rule32 {
	st := func() []float32 { return to32(uniform(rng, n)) }
	pos := func() []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.Float64() * 1e-3)
		}
		return v
	}
	k := func(v []float64) (a [8]float32) {
		copy(a[:], f32s(v))
		return a
	}
	return []Rule32{
		{Kind: RuleMomentum, K: k(typMomentum), S1: st()},
		{Kind: RuleNesterov, K: k(typNesterov), S1: st()},
		{Kind: RuleRMSProp, K: k(typRMSProp), S1: pos()},
		{Kind: RuleAdam, K: k(typAdam[:7]), S1: st(), S2: pos()},
		{Kind: RuleAdamW, K: k(typAdam), S1: st(), S2: pos()},
	}
}

// TestGemmRule32MatchesReference: the fused gradient-and-update kernel
// gives, for W and the rule's state, the bits of dW = dzᵀ·x (dotFMA32)
// plus the L2 term, then the rule's Go reference, for every rule, with
// and without the L2 term, on shapes with short row blocks and column
// tails, a dz wider than out, and teams of 1, 2 and 3 threads. Its twin
// (the same comparison with x's last row left out of the reference's
// dW) must fail for every case.
func TestGemmRule32MatchesReference(t *testing.T) {
	defer SetGemmRules(GemmRules())
	defer SetTeam(Team())
	SetGemmRules(true)
	rng := rand.New(rand.NewPCG(11, 12))
	cases := []gemmRuleCase{{17, 37, 5, 17}, {8, 48, 64, 8}, {9, 100, 3, 12}, {1, 1, 1, 1}, {20, 50, 1, 20},
		{41, 16, 7, 44}, {64, 97, 9, 64}, {16, 80, 4, 16}, {10, 68, 3, 10}, {24, 784, 2, 24}}
	for _, c := range cases {
		dz, x := to32(uniform(rng, (c.n-1)*c.ldz+c.out)), to32(uniform(rng, c.n*c.in))
		dw := dotFMA32(dz, c.ldz, x, c.n, c.out, c.in)
		twin := dotFMA32(dz, c.ldz, x, c.n-1, c.out, c.in) // x's last row left out
		w0 := to32(uniform(rng, c.out*c.in))
		w0[0], w0[len(w0)-1] = 0, float32(math.Copysign(0, -1))
		for _, team := range []int{1, 2, 3} {
			SetTeam(team)
			for _, decay := range []float32{0, 1e-3} {
				for _, r := range testRules(rng, c.out*c.in) {
					name := fmt.Sprintf("%dx%d,n=%d,ld=%d/team=%d/decay=%v/rule=%d", c.out, c.in, c.n, c.ldz, team, decay, r.Kind)
					t.Run(name, func(t *testing.T) {
						g, gt := clone32(dw), clone32(twin)
						if decay != 0 {
							for i, v := range w0 {
								g[i] += float32(decay * v)
								gt[i] += float32(decay * v)
							}
						}
						rw, rs1, rs2 := applyRef(r, w0, g)
						tw, _, _ := applyRef(r, w0, gt)
						w := clone32(w0)
						got := r
						got.S1, got.S2 = clone32(r.S1), clone32(r.S2)
						if !GemmRule32(got, w, decay, dz, c.ldz, x, c.n, c.out, c.in) {
							t.Skipf("no fused kernel in this build or on this CPU (backend %s)", Backend)
						}
						same32(t, "w", w, rw)
						same32(t, "state 1", got.S1, rs1)
						same32(t, "state 2", got.S2, rs2)
						if c.n > 1 && equal32(w, tw) {
							t.Errorf("twin: w also equals the reference without x's last row")
						}
					})
				}
			}
		}
	}
}

func equal32(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestGemmRule32Off: off (the default, and every backend but oneDNN's),
// GemmRule32 reports false and leaves W and the state alone; a bad shape
// panics.
func TestGemmRule32Off(t *testing.T) {
	defer SetGemmRules(GemmRules())
	SetGemmRules(false)
	r := Rule32{Kind: RuleMomentum, K: [8]float32{0.9, 0.1}, S1: []float32{1, 2}}
	w := []float32{3, 4}
	if GemmRule32(r, w, 0, []float32{1}, 1, []float32{1, 1}, 1, 1, 2) || w[0] != 3 || r.S1[0] != 1 {
		t.Fatalf("off: ran, w=%v v=%v", w, r.S1)
	}
	SetGemmRules(true)
	defer func() {
		if recover() == nil {
			t.Fatal("a W too short for out×in did not panic")
		}
	}()
	GemmRule32(r, w, 0, []float32{1, 1}, 1, []float32{1, 1}, 1, 2, 2)
}
