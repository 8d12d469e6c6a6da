package gradcheck

import (
	"math"
	"testing"
)

// TestNumerical: both stencils recover the gradient of a smooth function
// they know nothing about, the five-point one far more closely, and both
// leave x as they found it.
func TestNumerical(t *testing.T) {
	x := []float64{0.3, -1.2, 2.5}
	f := func() float64 { return math.Sin(x[0]) * math.Exp(x[1]) * x[2] * x[2] }
	want := []float64{
		math.Cos(x[0]) * math.Exp(x[1]) * x[2] * x[2],
		math.Sin(x[0]) * math.Exp(x[1]) * x[2] * x[2],
		2 * math.Sin(x[0]) * math.Exp(x[1]) * x[2],
	}
	before := append([]float64(nil), x...)
	five, two := Numerical(f, x, DefaultStep), Numerical2(f, x, 1e-5)
	for i := range x {
		if x[i] != before[i] {
			t.Fatalf("x[%d] changed from %v to %v", i, before[i], x[i])
		}
	}
	if rel, i := RelError(five, want); rel > 1e-10 {
		t.Errorf("five-point: rel error %.3g at %d", rel, i)
	}
	if rel, i := RelError(two, want); rel > 1e-8 {
		t.Errorf("two-point: rel error %.3g at %d", rel, i)
	}
}

func TestRelError(t *testing.T) {
	for _, tt := range []struct {
		a, n  []float64
		rel   float64
		worst int
	}{
		{[]float64{1, 2}, []float64{1, 2}, 0, 0},
		{[]float64{1, 2}, []float64{1, -2}, 1, 1},            // a flipped sign is the worst possible
		{[]float64{1, 2, 4}, []float64{1, 2, 2}, 1.0 / 3, 2}, // a missing factor of 2
		{[]float64{0, 0}, []float64{0, 1e-12}, 1e-4, 1},      // the 1e-8 floor
		{[]float64{1, math.NaN()}, []float64{1, 1}, math.Inf(1), 1},
	} {
		rel, worst := RelError(tt.a, tt.n)
		if math.Abs(rel-tt.rel) > 1e-12*math.Max(1, tt.rel) && !(math.IsInf(tt.rel, 1) && math.IsInf(rel, 1)) || worst != tt.worst {
			t.Errorf("RelError(%v, %v) = %v at %d, want %v at %d", tt.a, tt.n, rel, worst, tt.rel, tt.worst)
		}
	}
	r := Compare("c", "w", []float64{1, 2}, []float64{1, 2.2}, DefaultThreshold)
	if r.Pass() || r.Worst != 1 || r.Analytic != 2 || r.Numeric != 2.2 {
		t.Errorf("Compare: %+v", r)
	}
	if len(Failed([]Result{r, Compare("c", "b", []float64{1}, []float64{1}, DefaultThreshold)})) != 1 {
		t.Error("Failed does not pick out the one failing result")
	}
}
