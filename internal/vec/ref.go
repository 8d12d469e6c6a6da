package vec

import "math"

// The Go reference of every pass. The exported functions call these in the
// pure-Go build; the tests compare the C kernels with them.

// biasReLURef32 sets every row r of h to max(0, r + b), clearing the bits of
// a negative sum instead of comparing (no branch on random signs): −0
// becomes +0, a NaN keeps its payload when positive and becomes +0 when
// negative.
func biasReLURef32(h []float32, cols int, b []float32) {
	b = b[:cols]
	for i := 0; i+cols <= len(h); i += cols {
		row := h[i : i+cols]
		for j, v := range row {
			u := math.Float32bits(v + b[j])
			row[j] = math.Float32frombits(u &^ uint32(int32(u)>>31))
		}
	}
}

func biasReLURef64(h []float64, cols int, b []float64) {
	b = b[:cols]
	for i := 0; i+cols <= len(h); i += cols {
		row := h[i : i+cols]
		for j, v := range row {
			u := math.Float64bits(v + b[j])
			row[j] = math.Float64frombits(u &^ uint64(int64(u)>>63))
		}
	}
}

// reluMaskBiasGradRef32 keeps d where h ≠ 0 (h is a ReLU output, so h > 0)
// and sets it to +0 elsewhere, and adds each column's sum into db, rows in
// order. The mask comes from h's bits without a branch: u|−u has its sign
// bit set exactly when u ≠ 0.
func reluMaskBiasGradRef32(d, h []float32, cols int, db []float32) {
	h, db = h[:len(d)], db[:cols]
	for i := 0; i+cols <= len(d); i += cols {
		dr, hr := d[i:i+cols], h[i:i+cols]
		for j, v := range dr {
			u := math.Float32bits(hr[j])
			v = math.Float32frombits(math.Float32bits(v) & uint32(int32(u|-u)>>31))
			dr[j] = v
			db[j] += v
		}
	}
}

func reluMaskBiasGradRef64(d, h []float64, cols int, db []float64) {
	h, db = h[:len(d)], db[:cols]
	for i := 0; i+cols <= len(d); i += cols {
		dr, hr := d[i:i+cols], h[i:i+cols]
		for j, v := range dr {
			u := math.Float64bits(hr[j])
			v = math.Float64frombits(math.Float64bits(v) & uint64(int64(u|-u)>>63))
			dr[j] = v
			db[j] += v
		}
	}
}

// Fast float32 exponential for the float32 sigmoid and swish. math.Exp
// works in float64 and costs several times more than float32 training
// needs; exp32 is Cephes' expf: range reduction x = n·ln2 + r with
// |r| ≤ ln2/2 (ln2 split in two parts, so r is exact), a degree-7
// polynomial for e^r, and 2^n assembled in the exponent bits. It has no
// data-dependent branch in range, so its cost does not depend on the signs
// of the inputs. Float64 activations keep math.Exp: gradient checks run in
// float64 and their precision is untouched.
//
// Accuracy (TestExp32): within 2 ulp of float32(math.Exp(x)) for every x in
// [−87.33, 88.72], the range where e^x is a normal float32. Below it
// (where e^x would be subnormal) exp32 returns 0; above it +Inf; NaN gives
// NaN.
//
// Every product that feeds a sum is converted to float32 explicitly: Go
// may fuse a·b+c into one FMA (it does on arm64 and with GOAMD64=v3),
// which rounds once instead of twice; an explicit conversion forbids the
// fusion, so the reference rounds each operation on every target, as the
// C kernels do (fp-contract=off).

const (
	exp32Lo   = -87.33654 // e^x is subnormal below: return 0
	exp32Hi   = 88.72283  // e^x overflows float32 above: return +Inf
	exp32Log2 = 1.44269504088896341
	exp32C1   = 0.693359375    // ln2 high part: few bits, so n·C1 is exact
	exp32C2   = -2.12194440e-4 // ln2 − C1
	exp32Mag  = 12582912       // 1.5·2^23: adding it rounds to an integer

	// The polynomial's coefficients, highest degree first.
	exp32P0 = 1.9875691500e-4
	exp32P1 = 1.3981999507e-3
	exp32P2 = 8.3334519073e-3
	exp32P3 = 4.1665795894e-2
	exp32P4 = 1.6666665459e-1
	exp32P5 = 5.0000001201e-1
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
	t := float32(x*exp32Log2) + exp32Mag
	fn := t - exp32Mag
	r := x - float32(fn*exp32C1) - float32(fn*exp32C2)
	p := float32(exp32P0*r) + exp32P1
	p = float32(p*r) + exp32P2
	p = float32(p*r) + exp32P3
	p = float32(p*r) + exp32P4
	p = float32(p*r) + exp32P5
	y := float32(p*float32(r*r)) + r + 1
	// 2^n in two factors, each a normal float32 for n in [−126, 128].
	n := int32(fn)
	n1 := n >> 1
	n2 := n - n1
	return y * math.Float32frombits(uint32(n1+127)<<23) * math.Float32frombits(uint32(n2+127)<<23)
}

// sigmoidRef32 writes σ(src[i]) = 1/(1+e^(−src[i])) into dst[i]. For very
// negative z, e^(−z) overflows to +Inf and σ is 0, the correctly rounded
// limit up to subnormals; for very positive z, e^(−z) is 0 and σ is 1; NaN
// gives NaN.
func sigmoidRef32(dst, src []float32) {
	dst = dst[:len(src)]
	for i, z := range src {
		dst[i] = 1 / (1 + exp32(-z))
	}
}

// swishRef32 writes sig[i] = σ(z[i]) and out[i] = z[i]·σ(z[i]).
func swishRef32(out, sig, z []float32) {
	sig, out = sig[:len(z)], out[:len(z)]
	sigmoidRef32(sig, z)
	for i, v := range z {
		out[i] = v * sig[i]
	}
}

// swishInPlaceRef32 writes z[i]·σ(z[i]) over z[i], as swishRef32's out.
func swishInPlaceRef32(z []float32) {
	for i, v := range z {
		z[i] = v * (1 / (1 + exp32(-v)))
	}
}

// swishBackwardRef32 writes dx[i] = g[i]·(s + h·(1−s)) with s = sig[i],
// h = out[i]: dh/dz = σ + z·σ·(1−σ) = σ + h·(1−σ).
func swishBackwardRef32(dx, g, sig, out []float32) {
	dx, sig, out = dx[:len(g)], sig[:len(g)], out[:len(g)]
	for i, v := range g {
		s := sig[i]
		dx[i] = v * (s + float32(out[i]*(1-s)))
	}
}

// normalizeFiniteRef32 returns the index of the first NaN or ±Inf in x,
// leaving x as it is, else normalizes every row r (cols columns) to
// (r − shift) · scale and returns -1 (with shift nil, only checks).
func normalizeFiniteRef32(x []float32, cols int, shift, scale []float32) int {
	for i, v := range x {
		if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
			return i
		}
	}
	if shift == nil {
		return -1
	}
	shift, scale = shift[:cols], scale[:cols]
	for i := 0; i+cols <= len(x); i += cols {
		row := x[i : i+cols]
		for j, v := range row {
			row[j] = (v - shift[j]) * scale[j]
		}
	}
	return -1
}
