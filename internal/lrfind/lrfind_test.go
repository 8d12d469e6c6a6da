package lrfind

import (
	"math"
	"testing"
)

// TestRules checks the two suggestion rules on curves whose answers are
// worked out by hand.
func TestRules(t *testing.T) {
	// Valley: the longest decreasing subsequence of 5 6 4 3 7 2 1 8 9
	// is 5 4 3 2 1 (indices 0, 2, 3, 5, 6). fastai's bookkeeping:
	// max_end 6, lds 5, max_start 6 − 5 = 1; sections 5/3: index
	// 1 + 1 + 0 = 2. (These answers are fastai's valley() run in Python.)
	if got := Valley([]float64{5, 6, 4, 3, 7, 2, 1, 8, 9}); got != 2 {
		t.Errorf("Valley = %d, want 2", got)
	}
	// A curve flat, falling, then rising: the longest descent is 2 1.9
	// ... 0.45 (8 values ending at index 8; max_start 0): sections 8/3,
	// index 0 + 2 + 1 = 3.
	losses := []float64{2, 2, 1.9, 1.7, 1.4, 1.0, 0.7, 0.5, 0.45, 0.6, 1.5, 3}
	if got := Valley(losses); got != 3 {
		t.Errorf("Valley = %d, want 3", got)
	}
	// Steepest: rates ×10 per step, so the slope is the loss difference
	// over log 10: the biggest drop, 1.4 → 1.0, starts at index 4.
	lrs := make([]float64, len(losses))
	for i := range lrs {
		lrs[i] = math.Pow(10, float64(i-8))
	}
	if got := Steepest(lrs, losses); got != 4 {
		t.Errorf("Steepest = %d, want 4", got)
	}
}

// TestSuggestTooEarly: a test that diverged within its first steps
// says so instead of suggesting a rate.
func TestSuggestTooEarly(t *testing.T) {
	r := &Result{Steps: 100, LR: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Smoothed: make([]float64, 12), Stopped: "diverged", MinLR: 1, MaxLR: 100}
	if err := r.suggest(); err == nil {
		t.Error("suggested a rate from 12 steps of 100")
	}
}
