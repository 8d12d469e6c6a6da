package vec

import "fmt"

// The kinds of Rule32: the float32 update rules of this package.
const (
	RuleMomentum = 1 + iota
	RuleNesterov
	RuleRMSProp
	RuleAdam
	RuleAdamW
)

// Rule32 is one float32 parameter's update rule for GemmRule32: its kind,
// its per-step constants in the order of the rule's function here
// (Momentum32: mu, lr; Nesterov32: mu, mu1, lr; RMSProp32: decay, decay1,
// eps, lr; Adam32: b1, c1, b2, c2, a, s, eps; AdamW32: the same and wd),
// and its state: S1 the velocity, the cache or m, S2 Adam's and AdamW's v
// (nil for the others), each as long as the parameter.
type Rule32 struct {
	Kind   int
	K      [8]float32
	S1, S2 []float32
}

var gemmRules = false

// SetGemmRules turns GemmRule32 on (the oneDNN backend does) or off (it
// then reports false and the caller takes the BLAS GEMM and the rule's
// loop). Off by default.
func SetGemmRules(on bool) { gemmRules = on }

// GemmRules reports SetGemmRules's setting.
func GemmRules() bool { return gemmRules }

// GemmRule32 computes a weight's gradient and applies its update in one
// pass: for W (out×in, row-major), dz (n rows of out, ldz apart) and x
// (n×in), each entry of dW = dzᵀ·x, plus decay·W when decay ≠ 0 (a
// network's L2 term), goes from registers straight into r's update of W
// and r's state, without being stored. The dot products are accumulated
// in k order with one FMA per term; the rule's arithmetic is its function
// here (Adam32...) operation for operation, so from the same dW the bits
// are the same. It runs on the team of SetTeam. It reports false, having
// done nothing, when off (SetGemmRules), in the pure-Go build, or on a CPU
// without AVX-512F. It panics on shapes that do not fit.
func GemmRule32(r Rule32, w []float32, decay float32, dz []float32, ldz int, x []float32, n, out, in int) bool {
	if !gemmRules || n <= 0 || out <= 0 || in <= 0 {
		return false
	}
	if len(w) < out*in || ldz < out || len(dz) < (n-1)*ldz+out || len(x) < n*in {
		panic(fmt.Sprintf("vec: GemmRule32 on %d×%d W of %d, dz of %d (ld %d), x of %d for n=%d", out, in, len(w), len(dz), ldz, len(x), n))
	}
	want := 1
	switch r.Kind {
	case RuleMomentum, RuleNesterov, RuleRMSProp:
	case RuleAdam, RuleAdamW:
		want = 2
	default:
		panic(fmt.Sprintf("vec: GemmRule32 with rule kind %d", r.Kind))
	}
	if len(r.S1) < out*in || (want == 2 && len(r.S2) < out*in) || (want == 1 && r.S2 != nil) {
		panic(fmt.Sprintf("vec: GemmRule32 state of %d and %d for %d×%d W", len(r.S1), len(r.S2), out, in))
	}
	return gemmRule32(r, w, decay, dz, ldz, x, n, out, in)
}
