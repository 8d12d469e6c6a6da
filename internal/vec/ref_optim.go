package vec

import "math"

// The Go references of the optimizer update rules (pkg/optim), the loops
// that were the rules' Step bodies, operation by operation in the same
// order: w op= x is w = w op x, with x evaluated first. The only change is
// the explicit conversion of each product that feeds a sum, which keeps
// Go from fusing it into an FMA (see ref.go). The square root is
// float32(math.Sqrt(float64(x))), the correctly rounded float32 square
// root (float64 has more than twice float32's precision), as C's sqrtf.

func momentumRef32(w, dw, v []float32, mu, lr float32) {
	dw, v = dw[:len(w)], v[:len(w)]
	for j := range w {
		vj := float32(mu*v[j]) - float32(lr*dw[j])
		v[j] = vj
		w[j] += vj
	}
}

func momentumRef64(w, dw, v []float64, mu, lr float64) {
	dw, v = dw[:len(w)], v[:len(w)]
	for j := range w {
		vj := float64(mu*v[j]) - float64(lr*dw[j])
		v[j] = vj
		w[j] += vj
	}
}

func nesterovRef32(w, dw, v []float32, mu, mu1, lr float32) {
	dw, v = dw[:len(w)], v[:len(w)]
	for j := range w {
		vPrev := v[j]
		vj := float32(mu*vPrev) - float32(lr*dw[j])
		v[j] = vj
		w[j] += float32(-mu*vPrev) + float32(mu1*vj)
	}
}

func nesterovRef64(w, dw, v []float64, mu, mu1, lr float64) {
	dw, v = dw[:len(w)], v[:len(w)]
	for j := range w {
		vPrev := v[j]
		vj := float64(mu*vPrev) - float64(lr*dw[j])
		v[j] = vj
		w[j] += float64(-mu*vPrev) + float64(mu1*vj)
	}
}

// fma32 is a·b + c rounded once to float32, as C's fmaf: a·b is exact in
// float64; the sum is rounded to float64 with its error kept (TwoSum) and
// made round-to-odd (an inexact sum gets an odd last bit), so that the
// second rounding, to float32, gives the correctly rounded result. A sum
// that is ±Inf or NaN is left as is.
func fma32(a, b, c float32) float32 {
	p, z := float64(float64(a)*float64(b)), float64(c)
	s := p + z
	bb := s - p
	e := (p - (s - bb)) + (z - bb)
	if s-s == 0 && e != 0 && math.Float64bits(s)&1 == 0 { // s finite, inexact, even
		bits := math.Float64bits(s)
		if (e > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
}

func rmsPropRef32(w, dw, cache []float32, decay, decay1, eps, lr float32) {
	dw, cache = dw[:len(w)], cache[:len(w)]
	for j := range w {
		g := dw[j]
		c0 := cache[j]
		cj := fma32(decay1, fma32(g, g, -c0), c0)
		cache[j] = cj
		w[j] -= lr * g / (float32(math.Sqrt(float64(cj))) + eps)
	}
}

func rmsPropRef64(w, dw, cache []float64, decay, decay1, eps, lr float64) {
	dw, cache = dw[:len(w)], cache[:len(w)]
	for j := range w {
		g := dw[j]
		c0 := cache[j]
		cj := math.FMA(decay1, math.FMA(g, g, -c0), c0)
		cache[j] = cj
		w[j] -= lr * g / (math.Sqrt(cj) + eps)
	}
}

func adamRef32(w, dw, m, v []float32, b1, c1, b2, c2, a, s, eps float32) {
	dw, m, v = dw[:len(w)], m[:len(w)], v[:len(w)]
	for j := range w {
		g := dw[j]
		mj := float32(b1*m[j]) + float32(c1*g)
		vj := float32(b2*v[j]) + float32(c2*g*g)
		m[j], v[j] = mj, vj
		w[j] -= a * mj / (float32(float32(math.Sqrt(float64(vj)))*s) + eps)
	}
}

func adamRef64(w, dw, m, v []float64, b1, c1, b2, c2, a, s, eps float64) {
	dw, m, v = dw[:len(w)], m[:len(w)], v[:len(w)]
	for j := range w {
		g := dw[j]
		mj := float64(b1*m[j]) + float64(c1*g)
		vj := float64(b2*v[j]) + float64(c2*g*g)
		m[j], v[j] = mj, vj
		w[j] -= a * mj / (float64(math.Sqrt(vj)*s) + eps)
	}
}

func adamWRef32(w, dw, m, v []float32, b1, c1, b2, c2, a, s, eps, wd float32) {
	dw, m, v = dw[:len(w)], m[:len(w)], v[:len(w)]
	for j := range w {
		g, wj := dw[j], w[j]
		mj := float32(b1*m[j]) + float32(c1*g)
		vj := float32(b2*v[j]) + float32(c2*g*g)
		m[j], v[j] = mj, vj
		w[j] = wj - a*mj/(float32(float32(math.Sqrt(float64(vj)))*s)+eps) - float32(wd*wj)
	}
}

func adamWRef64(w, dw, m, v []float64, b1, c1, b2, c2, a, s, eps, wd float64) {
	dw, m, v = dw[:len(w)], m[:len(w)], v[:len(w)]
	for j := range w {
		g, wj := dw[j], w[j]
		mj := float64(b1*m[j]) + float64(c1*g)
		vj := float64(b2*v[j]) + float64(c2*g*g)
		m[j], v[j] = mj, vj
		w[j] = wj - a*mj/(float64(math.Sqrt(vj)*s)+eps) - float64(wd*wj)
	}
}
