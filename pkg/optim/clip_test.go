package optim

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/nnfc/nnfc/pkg/layers"
)

func TestClipGlobalNorm(t *testing.T) {
	t.Run("T=float64", testClipGlobalNorm[float64])
	t.Run("T=float32", testClipGlobalNorm[float32])
}

func testClipGlobalNorm[T layers.Float](t *testing.T) {
	tol := tolFor[T]()
	// Gradients (3, 4) and (12): √(9+16+144) = 13.
	grads := func() []*layers.Param[T] {
		a, b := layers.NewParam[T]("a", true, 2), layers.NewParam[T]("b", false, 1)
		a.Grad[0], a.Grad[1], b.Grad[0] = 3, 4, 12
		return []*layers.Param[T]{a, b}
	}
	for _, tc := range []struct {
		name    string
		maxNorm float64
		want    []float64 // gradients after
	}{
		{"halved", 6.5, []float64{1.5, 2, 6}},
		{"scaled by 1/13", 1, []float64{3.0 / 13, 4.0 / 13, 12.0 / 13}},
		{"at threshold", 13, []float64{3, 4, 12}},
		{"below threshold", 100, []float64{3, 4, 12}},
	} {
		ps := grads()
		if norm := ClipGlobalNorm(ps, tc.maxNorm); norm != 13 {
			t.Errorf("%s: returned norm %v, want 13", tc.name, norm)
		}
		got := []float64{float64(ps[0].Grad[0]), float64(ps[0].Grad[1]), float64(ps[1].Grad[0])}
		for i := range got {
			if !scalar.EqualWithinAbsOrRel(got[i], tc.want[i], tol, tol) {
				t.Errorf("%s: grads %v, want %v", tc.name, got, tc.want)
				break
			}
		}
		if after, want := GlobalNorm(ps), math.Min(13, tc.maxNorm); !scalar.EqualWithinAbsOrRel(after, want, tol, tol) {
			t.Errorf("%s: norm after clipping %v, want %v", tc.name, after, want)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		ps := grads()
		ps[1].Grad[0] = T(bad)
		if norm := ClipGlobalNorm(ps, 1); !math.IsNaN(norm) && !math.IsInf(norm, 1) {
			t.Errorf("grad %v: norm %v, want non-finite", bad, norm)
		}
		if ps[0].Grad[0] != 3 || ps[0].Grad[1] != 4 {
			t.Errorf("grad %v: finite gradients changed to %v", bad, ps[0].Grad)
		}
	}
}
