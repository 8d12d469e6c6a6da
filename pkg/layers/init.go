package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Initializers, for a weight of shape [out, in]. Biases start at zero.
// Every draw comes from the generator passed in, never a global one.
const (
	InitHe     = "he"     // N(0, 2/in): for ReLU-like activations
	InitXavier = "xavier" // U(±√(6/(in+out))): Glorot & Bengio
	InitNormal = "normal" // N(0, scale²): the course's weight_scale
)

// Inits lists the accepted initializer names.
var Inits = []string{InitHe, InitXavier, InitNormal}

// InitAffine fills l.W by the named method and zeroes l.B.
func InitAffine[T Float](l *Affine[T], method string, scale float64, rng *rand.Rand) error {
	in, out := float64(l.In), float64(l.Out)
	w := l.W.Data
	switch method {
	case InitHe:
		std := math.Sqrt(2 / in)
		for i := range w {
			w[i] = T(rng.NormFloat64() * std)
		}
	case InitXavier:
		a := math.Sqrt(6 / (in + out))
		for i := range w {
			w[i] = T((2*rng.Float64() - 1) * a)
		}
	case InitNormal:
		for i := range w {
			w[i] = T(rng.NormFloat64() * scale)
		}
	default:
		return fmt.Errorf("unknown initializer %q (want he, xavier or normal)", method)
	}
	clear(l.B.Data)
	return nil
}
