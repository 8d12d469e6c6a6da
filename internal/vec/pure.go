//go:build !cgo || purego

package vec

// Backend names the implementation this build uses.
const Backend = "go"

func biasReLU32(h []float32, cols int, b []float32) { biasReLURef32(h, cols, b) }
func biasReLU64(h []float64, cols int, b []float64) { biasReLURef64(h, cols, b) }

func reluMaskBiasGrad32(d, h []float32, cols int, db []float32) {
	reluMaskBiasGradRef32(d, h, cols, db)
}

func reluMaskBiasGrad64(d, h []float64, cols int, db []float64) {
	reluMaskBiasGradRef64(d, h, cols, db)
}

func sigmoid32(dst, src []float32)              { sigmoidRef32(dst, src) }
func swish32(out, sig, z []float32)             { swishRef32(out, sig, z) }
func swishInPlace32(z []float32)                { swishInPlaceRef32(z) }
func swishBackward32(dx, g, sig, out []float32) { swishBackwardRef32(dx, g, sig, out) }

func momentum32(w, dw, v []float32, mu, lr float32)      { momentumRef32(w, dw, v, mu, lr) }
func momentum64(w, dw, v []float64, mu, lr float64)      { momentumRef64(w, dw, v, mu, lr) }
func nesterov32(w, dw, v []float32, mu, mu1, lr float32) { nesterovRef32(w, dw, v, mu, mu1, lr) }
func nesterov64(w, dw, v []float64, mu, mu1, lr float64) { nesterovRef64(w, dw, v, mu, mu1, lr) }

func rmsProp32(w, dw, cache []float32, decay, decay1, eps, lr float32) {
	rmsPropRef32(w, dw, cache, decay, decay1, eps, lr)
}

func rmsProp64(w, dw, cache []float64, decay, decay1, eps, lr float64) {
	rmsPropRef64(w, dw, cache, decay, decay1, eps, lr)
}

func adam32(w, dw, m, v []float32, b1, c1, b2, c2, a, s, eps float32) {
	adamRef32(w, dw, m, v, b1, c1, b2, c2, a, s, eps)
}

func adam64(w, dw, m, v []float64, b1, c1, b2, c2, a, s, eps float64) {
	adamRef64(w, dw, m, v, b1, c1, b2, c2, a, s, eps)
}

func adamW32(w, dw, m, v []float32, b1, c1, b2, c2, a, s, eps, wd float32) {
	adamWRef32(w, dw, m, v, b1, c1, b2, c2, a, s, eps, wd)
}

func adamW64(w, dw, m, v []float64, b1, c1, b2, c2, a, s, eps, wd float64) {
	adamWRef64(w, dw, m, v, b1, c1, b2, c2, a, s, eps, wd)
}

// SetTeam does nothing in the pure-Go build: its rules run on the calling
// goroutine (see the cgo build's SetTeam).
func SetTeam(team int) {}

// Team returns 1 in the pure-Go build.
func Team() int { return 1 }

func gemmRule32(Rule32, []float32, float32, []float32, int, []float32, int, int, int) bool {
	return false
}

func normalizeFinite32(x []float32, cols int, shift, scale []float32) int {
	return normalizeFiniteRef32(x, cols, shift, scale)
}
