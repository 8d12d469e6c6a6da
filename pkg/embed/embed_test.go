package embed

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/internal/blasbackend"
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

// TestEvaluatorStages: the minimizer's Func runs value alone and Grad
// continues from it at the same θ; at another θ, or after a Func
// elsewhere, Grad recomputes. Each answer equals LogLik's at its θ (a
// stale workspace would give θ1's gradient at θ2), and the counts say
// how many values and gradients ran.
func TestEvaluatorStages(t *testing.T) {
	for _, kernel := range Kernels {
		g := &GPLVM{Y: lowRank(80, 6, 2, 0.3, 5), Q: 2, Kernel: kernel}
		x, a, b, c, err := g.Init()
		if err != nil {
			t.Fatal(err)
		}
		t1 := g.Theta(x, a, b, c)
		t2 := g.Theta(x, 1.2*a, 0.9*b, 0.8*c)
		want := func(theta []float64) (float64, []float64) {
			ref := &GPLVM{Y: g.Y, Q: g.Q, Kernel: kernel}
			grad := make([]float64, len(theta))
			l, err := ref.LogLik(theta, grad)
			if err != nil {
				t.Fatal(err)
			}
			return l, grad
		}
		l1, g1 := want(t1)
		l2, g2 := want(t2)
		e := &evaluator{g: g, grad: make([]float64, len(t1))}
		got := make([]float64, len(t1))
		check := func(step string, theta []float64, l float64, grad []float64) {
			if f := e.Func(theta); f != -l {
				t.Errorf("%s %s: Func %.15g, want −L %.15g", kernel, step, f, -l)
			}
			e.Grad(got, theta)
			for i := range got {
				if got[i] != -grad[i] {
					t.Fatalf("%s %s: Grad[%d] %.15g, want %.15g", kernel, step, i, got[i], -grad[i])
				}
			}
		}
		e.Func(t1)
		e.Func(t2) // a rejected trial point: value only
		check("θ2 after θ1", t2, l2, g2)
		check("θ1 again", t1, l1, g1)
		check("θ1 once more (cached)", t1, l1, g1)
		if e.values != 3 || e.grads != 2 {
			t.Errorf("%s: %d values and %d gradients, want 3 and 2", kernel, e.values, e.grads)
		}
	}
}

// TestTriangleChunks: triangle's chunks cover every row once, in order,
// with about the same number of lower-triangle entries each, and the
// gradient is bit-for-bit the same on one goroutine as on several.
func TestTriangleChunks(t *testing.T) {
	for _, n := range []int{1, 7, 64, 1000} {
		seen := make([]int, n)
		entries := make([]int, chunks)
		triangle(n, func(c, lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
				entries[c] += i + 1
			}
		})
		for i, s := range seen {
			if s != 1 {
				t.Fatalf("n=%d: row %d visited %d times", n, i, s)
			}
		}
		if n == 1000 {
			lo, hi := slices.Min(entries), slices.Max(entries)
			if float64(hi) > 1.05*float64(lo) {
				t.Errorf("n=%d: chunk sizes %v: want equal to 5%%", n, entries)
			}
		}
	}
	g := &GPLVM{Y: lowRank(150, 8, 2, 0.3, 6), Q: 2, Kernel: RBF}
	x, a, b, c, err := g.Init()
	if err != nil {
		t.Fatal(err)
	}
	theta := g.Theta(x, a, b, c)
	one, many := make([]float64, len(theta)), make([]float64, len(theta))
	prev := runtime.GOMAXPROCS(1)
	l1, _ := g.LogLik(theta, one)
	runtime.GOMAXPROCS(max(prev, 4))
	l2, _ := g.LogLik(theta, many)
	runtime.GOMAXPROCS(prev)
	if l1 != l2 || !slices.Equal(one, many) {
		t.Errorf("GOMAXPROCS 1 and %d differ: L %.17g vs %.17g", max(prev, 4), l1, l2)
	}
}

// TestRBFKernelQ2: the RBF kernel's unrolled Q = 2 loop gives the bits of
// the general one, α·exp(−γ/2·sqDist(x_i, x_j)), in every entry.
func TestRBFKernelQ2(t *testing.T) {
	g := &GPLVM{Y: lowRank(70, 6, 2, 0.3, 5), Q: 2, Kernel: RBF}
	x, a, b, c, err := g.Init()
	if err != nil {
		t.Fatal(err)
	}
	theta := g.Theta(x, a, b, 0.6*c)
	if _, err := g.value(theta); err != nil {
		t.Fatal(err)
	}
	n := 70
	xs, alpha, gamma := theta[:2*n], math.Exp(theta[2*n]), math.Exp(theta[2*n+2])
	for i := range n {
		for j := 0; j <= i; j++ {
			want := alpha * math.Exp(-gamma/2*sqDist(xs[2*i:2*i+2], xs[2*j:2*j+2]))
			if got := g.ws.kf[i*n+j]; got != want {
				t.Fatalf("k[%d][%d] = %.17g, want %.17g", i, j, got, want)
			}
		}
	}
}

// TestMixedPrecision: with Float32 (the gradient's N×D products in
// float32), L is the float64 reference's to rounding and the gradient is
// the reference's to float32's precision, at the PCA initialization and at
// a random θ, on both kernels; and it matches finite differences of L. The
// negative twins: the same comparisons with ∂L/∂X halved must fail, so
// the tolerances tell a wrong gradient from float32 rounding.
func TestMixedPrecision(t *testing.T) {
	if err := blasbackend.Init(0); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	// worst is the largest |got − want| over the largest |want|.
	worst := func(got, want []float64) float64 {
		var d, s float64
		for i := range got {
			d, s = max(d, math.Abs(got[i]-want[i])), max(s, math.Abs(want[i]))
		}
		return d / s
	}
	halve := func(g []float64, nq int) []float64 {
		h := slices.Clone(g)
		for i := range nq {
			h[i] /= 2
		}
		return h
	}
	for _, kernel := range Kernels {
		g := &GPLVM{Y: Center(lowRank(120, 30, 5, 0.3, 3)), Q: 2, Kernel: kernel, Float32: true}
		nq := 120 * 2
		againstRef(t, g, kernel, rng, func(name string, got, want []float64) {
			t.Logf("%s/%s: gradient off the reference by %.3g of its largest entry", kernel, name, worst(got, want))
			if w := worst(got, want); w > 1e-5 {
				t.Errorf("%s/%s: gradient off the reference by %.3g of its largest entry", kernel, name, w)
			}
			if w := worst(halve(got, nq), want); w <= 1e-5 {
				t.Errorf("%s/%s: negative twin: ∂L/∂X halved passes (%.3g)", kernel, name, w)
			}
		})
		// Finite differences of L (float64) on a small problem.
		gs := &GPLVM{Y: lowRank(12, 5, 2, 0.3, 3), Q: 2, Kernel: kernel, Float32: true}
		x, a, b, c, err := gs.Init()
		if err != nil {
			t.Fatal(err)
		}
		theta := gs.Theta(x, 1.3*a, 0.7*b, 0.8*c)
		grad := make([]float64, len(theta))
		if _, err := gs.LogLik(theta, grad); err != nil {
			t.Fatal(err)
		}
		f := func() float64 { l, _ := gs.LogLik(theta, nil); return l }
		num := gradcheck.Numerical(f, theta, 1e-4)
		rel, _ := gradcheck.RelError(grad, num)
		t.Logf("%s: finite differences: max relative error %.3g", kernel, rel)
		if rel, i := gradcheck.RelError(grad, num); rel > 1e-5 {
			t.Errorf("%s: finite differences: max relative error %.3g at θ[%d]: analytic %g, numerical %g", kernel, rel, i, grad[i], num[i])
		}
		if rel, _ := gradcheck.RelError(halve(grad, 24), num); rel <= 1e-5 {
			t.Errorf("%s: negative twin: finite differences pass ∂L/∂X halved (%.3g)", kernel, rel)
		}
	}
}
