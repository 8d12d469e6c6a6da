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
func swishBackward32(dx, g, sig, out []float32) { swishBackwardRef32(dx, g, sig, out) }
