package optim

import "github.com/nnfc/nnfc/pkg/layers"

// A MomentumSchedule cycles a rule's momentum along with the rate
// (OneCycle): the trainer sets the momentum it returns (SetMomentum)
// before each step.
type MomentumSchedule interface {
	// Momentum is the momentum of step (0-based) of epoch, whose steps
	// are steps, for a rule configured with momentum max.
	Momentum(max float64, epoch, step, steps int) float64
}

// MomentumOf is the momentum the rule of c is configured with — μ
// (optimizer.momentum) of momentum and nesterov, β1 (optimizer.beta1) of
// adam and adamw — with the key that sets it; ok is false for rules
// without one (sgd, rmsprop).
func MomentumOf(c Config) (m float64, key string, ok bool) {
	switch c.Rule {
	case "momentum", "nesterov":
		return c.Momentum, "optimizer.momentum", true
	case "adam", "adamw":
		return c.Beta1, "optimizer.beta1", true
	}
	return 0, "", false
}

// SetMomentum sets the momentum (see MomentumOf) opt uses from its next
// step on, and reports whether its rule has one; a Clipped optimizer's is
// its wrapped rule's. Hyperparameters may change between steps: a step
// reads them when it begins.
func SetMomentum[T layers.Float](opt Optimizer[T], m float64) bool {
	switch o := opt.(type) {
	case *Momentum[T]:
		o.Mu = m
	case *Nesterov[T]:
		o.Mu = m
	case *Adam[T]:
		o.Beta1 = m
	case *AdamW[T]:
		o.Beta1 = m
	case *Clipped[T]:
		return SetMomentum(o.Optimizer, m)
	default:
		return false
	}
	return true
}
