package suite

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"strings"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Check is one built-in gradient check and its negative twin.
type Check struct {
	Name string // e.g. "layer/affine", "net/h=2/tanh/reg=0.3", "derivation/gplvm"
	Doc  string // one line: what is checked, and the mistake the negative twin makes
	// Run compares the analytic gradients with finite differences (and,
	// for a derivation, with the layer-composed backward pass) in float64,
	// from fixed seeds: the same Results every time.
	Run func() []gradcheck.Result
	// Negative runs the same check with a deliberately wrong gradient (a
	// flipped sign, a missing factor, a missing term). At least one of its
	// Results must fail, or the check could not tell right from wrong.
	Negative func() []gradcheck.Result
}

// threshold is the relative error every built-in check must stay below.
const threshold = gradcheck.DefaultThreshold

// kinkMargin is how far inputs of ReLU / LeakyReLU and SVM margins are kept
// from their kink at 0. A five-point difference moves an entry by at most
// 2h = 2e-3 (gradcheck.DefaultStep), which moves a pre-activation by
// 2e-3·|x| for an input x of order 1: 0.05 leaves a factor of 10 or more.
const kinkMargin = 0.05

// All returns every built-in check in a stable order: layers, losses,
// whole networks, derivations.
func All() []Check {
	var cs []Check
	cs = append(cs, layerChecks()...)
	cs = append(cs, embeddingCheck())
	cs = append(cs, regularizationLayerChecks()...)
	cs = append(cs, lossChecks()...)
	cs = append(cs, weightedLossChecks()...)
	cs = append(cs, regressionLossChecks()...)
	cs = append(cs, netChecks()...)
	cs = append(cs, regularizationNetChecks()...)
	cs = append(cs, autoencoderCheck(), gplvmCheck(), swishnetCheck())
	cs = append(cs, autoencoderNetChecks()...)
	cs = append(cs, embedChecks()...)
	cs = append(cs, regressionNetChecks()...)
	return cs
}

// Select keeps the checks (in their given order) whose name equals a
// pattern, starts with it ("layer/", "net/h=2") or matches it as a
// path.Match glob ("layer/*", "net/*/relu/*"). No patterns keeps every
// check. A pattern that matches nothing, or is not a valid glob, is an
// error naming the pattern.
func Select(checks []Check, patterns []string) ([]Check, error) {
	if len(patterns) == 0 {
		return checks, nil
	}
	keep := make([]bool, len(checks))
	var errs []error
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("check pattern %q: %v", p, err))
			continue
		}
		found := false
		for i, c := range checks {
			glob, _ := path.Match(p, c.Name)
			if glob || strings.HasPrefix(c.Name, p) {
				keep[i], found = true, true
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("check pattern %q matches no check (names look like layer/affine, loss/svm, net/h=2/tanh/reg=0.3, derivation/gplvm)", p))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []Check
	for i, c := range checks {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out, nil
}

// randMatrix is a rows×cols matrix of N(0, 1) draws.
func randMatrix(rng *rand.Rand, rows, cols int) *layers.Matrix[float64] {
	m := layers.NewMatrix[float64](rows, cols)
	for i := range m.Data {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}

// awayFromKink moves entries within kinkMargin of 0 out to ±kinkMargin.
func awayFromKink(x []float64) {
	for i, v := range x {
		if math.Abs(v) < kinkMargin {
			x[i] = math.Copysign(kinkMargin, v)
		}
	}
}

// sigmoid is σ(z) = 1/(1+e^(−z)), without overflow for either sign.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// compare is gradcheck.Compare at the suite's threshold.
func compare(check, tensor string, analytic, numeric []float64) gradcheck.Result {
	return gradcheck.Compare(check, tensor, analytic, numeric, threshold)
}
