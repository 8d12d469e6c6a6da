package gradcheck

import (
	"fmt"
	"math"
)

// DefaultStep is the finite-difference step h; DefaultThreshold is the
// relative error below which a smooth float64 gradient passes.
const (
	DefaultStep      = 1e-3
	DefaultThreshold = 1e-7
)

// Numerical returns the centered-difference gradient of f with respect to
// x, using the five-point centered stencil
//
//	n_i = (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h,
//
// whose truncation error is O(h⁴) instead of the two-point O(h²). That
// lets h be large enough (DefaultStep = 1e-3) that rounding in f, about
// 1e-16·|f|/h, stays below 1e-7 of gradient entries as small as 1e-5,
// where the two-point difference must trade one error against the other
// and fails 1e-7 on such entries. Numerical2 is the two-point form.
// It perturbs x in place, one entry at a time, and restores it.
func Numerical(f func() float64, x []float64, h float64) []float64 {
	grad := make([]float64, len(x))
	for i := range x {
		old := x[i]
		at := func(d float64) float64 { x[i] = old + d; return f() }
		// Differences first: an entry f does not depend on gives exactly 0.
		near := at(h) - at(-h)
		far := at(2*h) - at(-2*h)
		grad[i] = (8*near - far) / (12 * h)
		x[i] = old
	}
	return grad
}

// Numerical2 is the two-point centered difference (f(x+h) − f(x−h)) / 2h
// of the course's eval_numerical_gradient.
func Numerical2(f func() float64, x []float64, h float64) []float64 {
	grad := make([]float64, len(x))
	for i := range x {
		old := x[i]
		x[i] = old + h
		fp := f()
		x[i] = old - h
		fm := f()
		x[i] = old
		grad[i] = (fp - fm) / (2 * h)
	}
	return grad
}

// RelError returns max_i |a_i − n_i| / max(1e-8, |a_i| + |n_i|) and the
// index i where it is reached. It panics when the lengths differ.
func RelError(a, n []float64) (rel float64, worst int) {
	if len(a) != len(n) {
		panic(fmt.Sprintf("gradcheck: RelError of lengths %d and %d", len(a), len(n)))
	}
	for i := range a {
		r := math.Abs(a[i]-n[i]) / math.Max(1e-8, math.Abs(a[i])+math.Abs(n[i]))
		if r > rel || math.IsNaN(r) {
			rel, worst = r, i
			if math.IsNaN(r) {
				rel = math.Inf(1)
				break
			}
		}
	}
	return rel, worst
}

// Result is the outcome of comparing one tensor's analytic gradient with
// its numerical one.
type Result struct {
	Check     string  `json:"check"`
	Tensor    string  `json:"tensor"`
	MaxRel    float64 `json:"max_rel_error"`
	Worst     int     `json:"worst_index"`
	Analytic  float64 `json:"analytic_at_worst"`
	Numeric   float64 `json:"numeric_at_worst"`
	Threshold float64 `json:"threshold"`
	Err       string  `json:"error,omitempty"` // set when the check could not run
}

// Pass reports whether the relative error is below the threshold.
func (r Result) Pass() bool { return r.Err == "" && r.MaxRel < r.Threshold }

// Compare builds the Result for one tensor.
func Compare(check, tensor string, analytic, numeric []float64, threshold float64) Result {
	rel, worst := RelError(analytic, numeric)
	r := Result{Check: check, Tensor: tensor, MaxRel: rel, Worst: worst, Threshold: threshold}
	if len(analytic) > 0 {
		r.Analytic, r.Numeric = analytic[worst], numeric[worst]
	}
	return r
}

// Failed returns the results that did not pass.
func Failed(rs []Result) []Result {
	var bad []Result
	for _, r := range rs {
		if !r.Pass() {
			bad = append(bad, r)
		}
	}
	return bad
}
