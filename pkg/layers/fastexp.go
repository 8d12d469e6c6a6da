package layers

import "math"

// Fast float32 exponential for the float32 activations (sigmoid, swish).
// math.Exp works in float64 and costs several times more than float32
// training needs; exp32 is Cephes' expf: range reduction x = n·ln2 + r
// with |r| ≤ ln2/2 (ln2 split in two parts, so r is exact), a degree-7
// polynomial for e^r, and 2^n assembled in the exponent bits. It has no
// data-dependent branch in range, so its cost does not depend on the signs
// of the inputs. Float64 keeps math.Exp: gradient checks run in float64 and
// their precision is untouched.
//
// Accuracy (TestExp32): within 2 ulp of float32(math.Exp(x)) for every x in
// [−87.33, 88.72], the range where e^x is a normal float32. Below it
// (where e^x would be subnormal) exp32 returns 0; above it +Inf; NaN gives
// NaN.

const (
	exp32Lo   = -87.33654 // e^x is subnormal below: return 0
	exp32Hi   = 88.72283  // e^x overflows float32 above: return +Inf
	exp32Log2 = 1.44269504088896341
	exp32C1   = 0.693359375    // ln2 high part: few bits, so n·C1 is exact
	exp32C2   = -2.12194440e-4 // ln2 − C1
	exp32Mag  = 12582912       // 1.5·2^23: adding it rounds to an integer
)

// exp32 returns e^x for a float32 x (see the accuracy note above).
func exp32(x float32) float32 {
	if !(x >= exp32Lo) { // also NaN
		if x != x {
			return x
		}
		return 0
	}
	if x > exp32Hi {
		return float32(math.Inf(1))
	}
	// n = round(x/ln2) by the 1.5·2^23 trick (Go evaluates float32
	// expressions in float32, so each sum is rounded).
	t := x*exp32Log2 + exp32Mag
	fn := t - exp32Mag
	r := x - fn*exp32C1 - fn*exp32C2
	z := r * r
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	y := p*z + r + 1
	// 2^n in two factors, each a normal float32 for n in [−126, 128].
	n := int32(fn)
	n1 := n >> 1
	n2 := n - n1
	return y * math.Float32frombits(uint32(n1+127)<<23) * math.Float32frombits(uint32(n2+127)<<23)
}

// sigmoid32 is σ(z) = 1/(1+e^(−z)) in float32. For very negative z,
// e^(−z) overflows to +Inf and σ is 0, the correctly rounded limit up to
// subnormals; no branch on the sign is needed.
func sigmoid32(z float32) float32 { return 1 / (1 + exp32(-z)) }

// sigmoid32s writes σ(src[i]) into dst[i]: sigmoid32 with exp32's body
// inlined into the loop (exp32 is too large for the compiler to inline,
// and the call was a third of the cost). The tails are handled by the
// same rarely taken branches as in exp32.
func sigmoid32s(dst, src []float32) {
	dst = dst[:len(src)]
	for i, z := range src {
		x := -z
		var e float32
		switch {
		case !(x >= exp32Lo) || x > exp32Hi: // tails and NaN, rare
			e = exp32(x)
		default:
			t := x*exp32Log2 + exp32Mag
			fn := t - exp32Mag
			r := x - fn*exp32C1 - fn*exp32C2
			p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
			y := p*(r*r) + r + 1
			n := int32(fn)
			n1 := n >> 1
			e = y * math.Float32frombits(uint32(n1+127)<<23) * math.Float32frombits(uint32(n-n1+127)<<23)
		}
		dst[i] = 1 / (1 + e)
	}
}
