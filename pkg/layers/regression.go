package layers

import (
	"fmt"
	"math"
)

// The regression losses compare a network's outputs s (N×K) with the
// float target t.Value (N×K), element by element, and average over the
// N·K elements: PyTorch's nn.MSELoss, nn.L1Loss and nn.HuberLoss with
// reduction='mean'. With sample weights w (t.Weight) each row's terms
// count w_i times and the mean is over K·Σw instead of K·N:
// L = Σ_i w_i Σ_j l(s_ij − t_ij) / (K·Σ_i w_i) — the unweighted loss is
// the weighted one with every w_i = 1.

// RegressionLosses lists the names NewRegressionLoss accepts.
var RegressionLosses = []string{"mse", "mae", "huber"}

// NewRegressionLoss returns the regression loss called name: mse, mae,
// or huber with threshold delta (> 0; PyTorch's default is 1).
func NewRegressionLoss[T Float](name string, delta float64) (Loss[T], error) {
	switch name {
	case "mse":
		return SquaredError[T]{}, nil
	case "mae":
		return AbsoluteError[T]{}, nil
	case "huber":
		if !(delta > 0) || math.IsInf(delta, 0) {
			return nil, fmt.Errorf("huber delta must be a finite number > 0, got %g", delta)
		}
		return Huber[T]{Delta: delta}, nil
	}
	return nil, fmt.Errorf("unknown regression loss %q (want mse, mae or huber)", name)
}

// regressionScale checks the shapes of a regression loss's arguments and
// returns the factor 1/(K·Σw) (1/(K·N) unweighted) that turns the sum of
// the weighted terms into the mean.
func regressionScale[T Float](loss string, scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	v := t.Value
	if v == nil || v.Rows != scores.Rows || v.Cols != scores.Cols || dscores.Rows != scores.Rows || dscores.Cols != scores.Cols {
		vr, vc := -1, -1
		if v != nil {
			vr, vc = v.Rows, v.Cols
		}
		panic(fmt.Sprintf("layers: %s loss shapes: scores %d×%d, target %d×%d, dscores %d×%d",
			loss, scores.Rows, scores.Cols, vr, vc, dscores.Rows, dscores.Cols))
	}
	if t.Weight == nil {
		return 1 / float64(scores.Rows*scores.Cols)
	}
	if len(t.Weight) != scores.Rows {
		panic(fmt.Sprintf("layers: %s loss: %d weights for %d rows", loss, len(t.Weight), scores.Rows))
	}
	var sw float64
	for _, w := range t.Weight {
		sw += float64(w)
	}
	return 1 / (float64(scores.Cols) * sw)
}

// rowWeight is the weight of row i (1 without weights).
func rowWeight[T Float](t Target[T], i int) float64 {
	if t.Weight == nil {
		return 1
	}
	return float64(t.Weight[i])
}

// SquaredError is nn.MSELoss: L = mean over elements of (s − t)² (no ½).
type SquaredError[T Float] struct{}

// Loss: forward was L = c·Σ_i w_i Σ_j r_ij² with r = s − t and
// c = 1/(K·Σw), so ∂L/∂s_ij = 2·c·w_i·r_ij.
func (SquaredError[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	c := regressionScale("mse", scores, t, dscores)
	var total float64
	for i := 0; i < scores.Rows; i++ {
		s, v, d := scores.Row(i), t.Value.Row(i), dscores.Row(i)
		w := rowWeight(t, i)
		var row float64
		for j := range s {
			r := float64(s[j]) - float64(v[j])
			row += r * r
			d[j] = T(2 * c * w * r)
		}
		total += w * row
	}
	return c * total
}

// AbsoluteError is nn.L1Loss: L = mean over elements of |s − t|.
type AbsoluteError[T Float] struct{}

// Loss: forward was L = c·Σ_i w_i Σ_j |r_ij|, so ∂L/∂s_ij =
// c·w_i·sign(r_ij), with sign(0) = 0 as PyTorch's (the subgradient 0 at
// the kink).
func (AbsoluteError[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	c := regressionScale("mae", scores, t, dscores)
	var total float64
	for i := 0; i < scores.Rows; i++ {
		s, v, d := scores.Row(i), t.Value.Row(i), dscores.Row(i)
		w := rowWeight(t, i)
		var row float64
		for j := range s {
			r := float64(s[j]) - float64(v[j])
			row += math.Abs(r)
			var sign float64
			switch {
			case r > 0:
				sign = 1
			case r < 0:
				sign = -1
			}
			d[j] = T(c * w * sign)
		}
		total += w * row
	}
	return c * total
}

// Huber is nn.HuberLoss(delta=Delta): per element ½r² where |r| ≤ Delta,
// else Delta·(|r| − ½Delta), with r = s − t; quadratic near 0, linear
// (robust to outliers) beyond Delta.
type Huber[T Float] struct{ Delta float64 }

// Loss: forward was L = c·Σ_i w_i Σ_j h(r_ij), so ∂L/∂s_ij = c·w_i·h'(r_ij)
// with h'(r) = r inside the threshold and Delta·sign(r) beyond: r clipped
// to [−Delta, Delta].
func (h Huber[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	c := regressionScale("huber", scores, t, dscores)
	delta := h.Delta
	var total float64
	for i := 0; i < scores.Rows; i++ {
		s, v, d := scores.Row(i), t.Value.Row(i), dscores.Row(i)
		w := rowWeight(t, i)
		var row float64
		for j := range s {
			r := float64(s[j]) - float64(v[j])
			if a := math.Abs(r); a <= delta {
				row += 0.5 * r * r
			} else {
				row += delta * (a - 0.5*delta)
			}
			d[j] = T(c * w * max(-delta, min(delta, r)))
		}
		total += w * row
	}
	return c * total
}
