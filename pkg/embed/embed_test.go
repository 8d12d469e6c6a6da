package embed

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/pkg/gradcheck"
)

// lowRank is N points in D dimensions near a q-dimensional subspace:
// Y = Z Aᵀ + noise, centered, with a spectrum of distinct top eigenvalues.
func lowRank(n, d, q int, noise float64, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	y := mat.NewDense(n, d, nil)
	a := mat.NewDense(d, q, nil)
	for i := range d {
		for k := range q {
			a.Set(i, k, rng.NormFloat64()*float64(q-k))
		}
	}
	for i := range n {
		for j := range d {
			v := noise * rng.NormFloat64()
			for k := range q {
				v += a.At(j, k) * rng.NormFloat64() / float64(k+1)
			}
			y.Set(i, j, v)
		}
	}
	return Center(y)
}

func TestLogLikGradient(t *testing.T) {
	for _, kernel := range Kernels {
		g := &GPLVM{Y: lowRank(12, 5, 2, 0.3, 3), Q: 2, Kernel: kernel}
		x, a, b, c, err := g.Init()
		if err != nil {
			t.Fatal(err)
		}
		theta := g.Theta(x, 1.3*a, 0.7*b, 0.8*c)
		grad := make([]float64, len(theta))
		if _, err := g.LogLik(theta, grad); err != nil {
			t.Fatal(err)
		}
		f := func() float64 { l, _ := g.LogLik(theta, nil); return l }
		num := gradcheck.Numerical(f, theta, 1e-4)
		if rel, i := gradcheck.RelError(grad, num); rel > 1e-6 {
			t.Errorf("%s: max relative error %.3g at θ[%d]: analytic %g, numerical %g", kernel, rel, i, grad[i], num[i])
		}
	}
}

// TestLinearReachesPPCA: L-BFGS from the PCA initialization climbs to
// probabilistic PCA's closed-form maximum (Tipping & Bishop) to 1e-6.
func TestLinearReachesPPCA(t *testing.T) {
	for _, c := range []struct{ n, d int }{{60, 8}, {40, 70}} {
		y := lowRank(c.n, c.d, 3, 0.5, uint64(c.n))
		want, err := ClosedFormPPCA(y, 2)
		if err != nil {
			t.Fatal(err)
		}
		g := &GPLVM{Y: y, Q: 2, Kernel: Linear}
		fit, err := g.Optimize(Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("N=%d D=%d: L init %.8g, optimum %.8g, closed form %.8g, %d iterations", c.n, c.d, fit.LogLikInit, fit.LogLik, want, fit.Iterations)
		if (want-fit.LogLikInit)/math.Abs(want) < 1e-3 {
			t.Errorf("the initialization is already at the maximum: the test shows nothing about L-BFGS")
		}
		if !(fit.LogLik >= fit.LogLikInit) {
			t.Errorf("N=%d D=%d: L decreased: %g → %g", c.n, c.d, fit.LogLikInit, fit.LogLik)
		}
		if rel := math.Abs(fit.LogLik-want) / math.Abs(want); rel > 1e-6 {
			t.Errorf("N=%d D=%d: L at the optimum %.10g, Tipping & Bishop %.10g: relative gap %.3g (%s after %d iterations)",
				c.n, c.d, fit.LogLik, want, rel, fit.Status, fit.Iterations)
		}
	}
}

func TestRBFImproves(t *testing.T) {
	g := &GPLVM{Y: lowRank(50, 6, 3, 0.2, 9), Q: 2, Kernel: RBF}
	var iters int
	fit, err := g.Optimize(Options{MaxIter: 200, Progress: func(int, float64) { iters++ }})
	if err != nil {
		t.Fatal(err)
	}
	if !(fit.LogLik > fit.LogLikInit) {
		t.Errorf("RBF: L did not increase: %g → %g", fit.LogLikInit, fit.LogLik)
	}
	if iters == 0 || iters != fit.Iterations {
		t.Errorf("progress called %d times, %d iterations", iters, fit.Iterations)
	}
}

func TestClosedFormRankDeficient(t *testing.T) {
	y := lowRank(20, 2, 2, 0, 1) // 2 dimensions: rank 2 = q
	if _, err := ClosedFormPPCA(y, 2); err == nil {
		t.Error("rank-2 data with q = 2: want an error (unbounded likelihood)")
	}
}

func TestPCA(t *testing.T) {
	// Points on a line y = 2x plus a small orthogonal wobble.
	y := mat.NewDense(5, 2, []float64{0, 0, 1, 2.1, 2, 3.9, 3, 6.1, 4, 7.9})
	s, ev, err := PCA(y, 2)
	if err != nil {
		t.Fatal(err)
	}
	if ev[0] < 0.99 || math.Abs(ev[0]+ev[1]-1) > 1e-12 {
		t.Errorf("explained variance %v: want the first near 1, the sum 1", ev)
	}
	// The scores are a rotation of the centered data: distances kept.
	c := Center(y)
	for i := range 5 {
		a := math.Hypot(c.At(i, 0), c.At(i, 1))
		b := math.Hypot(s.At(i, 0), s.At(i, 1))
		if math.Abs(a-b) > 1e-12 {
			t.Errorf("row %d: |centered| %g, |scores| %g", i, a, b)
		}
	}
}

func TestKNN1Error(t *testing.T) {
	x := mat.NewDense(6, 2, []float64{0, 0, 0, 1, 10, 10, 10, 11, 20, 0, 21, 0})
	if e := KNN1Error(x, []int32{0, 0, 1, 1, 2, 2}); e != 0 {
		t.Errorf("separated clusters: error %g, want 0", e)
	}
	// Swap one label in each pair: every point's neighbour disagrees.
	if e := KNN1Error(x, []int32{0, 1, 1, 2, 2, 0}); e != 1 {
		t.Errorf("mixed pairs: error %g, want 1", e)
	}
	if e := KNN1Error(x, []int32{0, 0, 1, 1, 2, 3}); math.Abs(e-2.0/6) > 1e-15 {
		t.Errorf("one split pair: error %g, want 1/3", e)
	}
}
