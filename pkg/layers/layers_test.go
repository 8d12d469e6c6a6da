package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
)

// linspace is numpy.linspace(lo, hi, n).
func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

// TestAffineForwardCourse reproduces the cs231n assignment's affine_forward
// check: x = linspace(−0.1, 0.5) over (2,4,5,6), w = linspace(−0.2, 0.3)
// over (120,3), b = linspace(−0.3, 0.1, 3).
func TestAffineForwardCourse(t *testing.T) {
	const n, d, m = 2, 120, 3
	l := layers.NewAffine[float64]("0.", d, m)
	w := linspace(-0.2, 0.3, d*m) // (d, m) in the course; nnfc stores Wᵀ (m, d)
	for i := 0; i < d; i++ {
		for j := 0; j < m; j++ {
			l.W.Data[j*d+i] = w[i*m+j]
		}
	}
	copy(l.B.Data, linspace(-0.3, 0.1, m))
	x := &layers.Matrix[float64]{Rows: n, Cols: d, Data: linspace(-0.1, 0.5, n*d)}
	want := []float64{1.49834967, 1.70660132, 1.91485297, 3.25553199, 3.5141327, 3.77273342}
	out := l.Forward(x)
	for i, v := range want {
		if math.Abs(out.Data[i]-v) > 1e-8 {
			t.Errorf("out[%d] = %.10f, want %.8f", i, out.Data[i], v)
		}
	}
}

func randMatrix(rng *rand.Rand, rows, cols int) *layers.Matrix[float64] {
	m := layers.NewMatrix[float64](rows, cols)
	for i := range m.Data {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}

// awayFromKink moves entries of x within 0.05 of 0 out to ±0.05, so that a
// finite difference never straddles the kink of ReLU / LeakyReLU.
func awayFromKink(x *layers.Matrix[float64]) {
	for i, v := range x.Data {
		if math.Abs(v) < 0.05 {
			x.Data[i] = math.Copysign(0.05, v)
		}
	}
}

func newLayer(name string, rng *rand.Rand) layers.Layer[float64] {
	if name == "affine" {
		l := layers.NewAffine[float64]("0.", 6, 4)
		for _, p := range l.Params() {
			for i := range p.Data {
				p.Data[i] = rng.NormFloat64()
			}
		}
		return l
	}
	l, err := layers.NewActivation[float64](name, 0.01)
	if err != nil {
		panic(err)
	}
	return l
}

func TestLayerGradients(t *testing.T) {
	for _, name := range append([]string{"affine"}, layers.Activations...) {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			l := newLayer(name, rng)
			x := randMatrix(rng, 5, 6)
			awayFromKink(x)
			rs := gradcheck.Layer(name, l, x, rng, gradcheck.DefaultThreshold)
			if len(rs) == 0 {
				t.Fatal("no results")
			}
			for _, r := range rs {
				if !r.Pass() {
					t.Errorf("%s %s: rel error %.3g ≥ %.0e at %d (analytic %g, numeric %g)",
						r.Check, r.Tensor, r.MaxRel, r.Threshold, r.Worst, r.Analytic, r.Numeric)
				}
			}
		})
	}
}

// tampered wraps a layer and corrupts the gradients its Backward returns
// or accumulates: the negative twin of every layer check.
type tampered struct {
	layers.Layer[float64]
	mode string
}

func (t tampered) Backward(dout *layers.Matrix[float64]) *layers.Matrix[float64] {
	dx := t.Layer.Backward(dout)
	switch t.mode {
	case "flip-dx":
		for i := range dx.Data {
			dx.Data[i] = -dx.Data[i]
		}
	case "half-dx": // a missing factor of 2
		for i := range dx.Data {
			dx.Data[i] *= 0.5
		}
	case "drop-one": // a single wrong entry must be caught too
		dx.Data[len(dx.Data)/2] += 1e-3
	case "scale-param":
		for _, p := range t.Params() {
			for i := range p.Grad {
				p.Grad[i] *= 1.01
			}
		}
	}
	return dx
}

func TestLayerGradientsNegative(t *testing.T) {
	for _, name := range append([]string{"affine"}, layers.Activations...) {
		modes := []string{"flip-dx", "half-dx", "drop-one"}
		if name == "affine" {
			modes = append(modes, "scale-param")
		}
		for _, mode := range modes {
			t.Run(name+"/"+mode, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				l := tampered{newLayer(name, rng), mode}
				x := randMatrix(rng, 5, 6)
				awayFromKink(x)
				if len(gradcheck.Failed(gradcheck.Layer(name, l, x, rng, gradcheck.DefaultThreshold))) == 0 {
					t.Errorf("checker passed a %s backward of %s", mode, name)
				}
			})
		}
	}
}

func TestLossGradients(t *testing.T) {
	for _, name := range layers.Losses {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			loss, err := layers.NewLoss[float64](name)
			if err != nil {
				t.Fatal(err)
			}
			scores := randMatrix(rng, 8, 7)
			y := make([]int32, 8)
			for i := range y {
				y[i] = int32(rng.IntN(7))
			}
			for _, r := range gradcheck.Loss(name, loss, scores, layers.Classes[float64](y), gradcheck.DefaultThreshold) {
				if !r.Pass() {
					t.Errorf("%s: rel error %.3g at %d", name, r.MaxRel, r.Worst)
				}
			}
			// Negative twin: a gradient off by a factor must fail.
			wrong := scaledLoss{loss}
			if len(gradcheck.Failed(gradcheck.Loss(name, wrong, scores, layers.Classes[float64](y), gradcheck.DefaultThreshold))) == 0 {
				t.Errorf("checker passed a wrong %s gradient", name)
			}
		})
	}
}

type scaledLoss struct{ inner layers.Loss[float64] }

func (s scaledLoss) Loss(scores *layers.Matrix[float64], t layers.Target[float64], d *layers.Matrix[float64]) float64 {
	l := s.inner.Loss(scores, t, d)
	d.Data[0] *= 2 // one wrong entry
	return l
}

// TestSoftmaxStable: huge scores must give a finite loss (log-sum-exp),
// and a confidently wrong prediction a large but finite one.
func TestSoftmaxStable(t *testing.T) {
	s := &layers.Matrix[float64]{Rows: 2, Cols: 3, Data: []float64{1000, 0, -1000, -1000, 0, 1000}}
	d := layers.NewMatrix[float64](2, 3)
	l := layers.SoftmaxCrossEntropy[float64]{}.Loss(s, layers.Target[float64]{Class: []int32{0, 0}}, d)
	// Row 0 is right with p≈1 (loss≈0), row 1 wrong by 2000 (loss≈2000).
	if math.IsNaN(l) || math.IsInf(l, 0) || math.Abs(l-1000) > 1e-9 {
		t.Errorf("loss = %v, want 1000", l)
	}
	f32 := &layers.Matrix[float32]{Rows: 1, Cols: 2, Data: []float32{100, -100}}
	d32 := layers.NewMatrix[float32](1, 2)
	if l := (layers.SoftmaxCrossEntropy[float32]{}).Loss(f32, layers.Target[float32]{Class: []int32{1}}, d32); math.Abs(l-200) > 1e-3 {
		t.Errorf("float32 loss = %v, want 200", l)
	}
}

// TestSVMLossHand: the hinge loss of a hand-worked example.
func TestSVMLossHand(t *testing.T) {
	// scores (3.2, 5.1, −1.7) with y=0: margins 5.1−3.2+1 = 2.9 and −1.7−3.2+1 < 0.
	s := &layers.Matrix[float64]{Rows: 1, Cols: 3, Data: []float64{3.2, 5.1, -1.7}}
	d := layers.NewMatrix[float64](1, 3)
	l := layers.Hinge[float64]{Margin: 1}.Loss(s, layers.Target[float64]{Class: []int32{0}}, d)
	if math.Abs(l-2.9) > 1e-12 {
		t.Errorf("loss = %v, want 2.9", l)
	}
	if fmt.Sprint(d.Data) != "[-1 1 0]" {
		t.Errorf("dscores = %v, want [-1 1 0]", d.Data)
	}
}

func TestInitializers(t *testing.T) {
	for _, method := range layers.Inits {
		l := layers.NewAffine[float64]("0.", 400, 300)
		l.B.Data[0] = 7
		if err := layers.InitAffine(l, method, 0.01, rand.New(rand.NewPCG(5, 6))); err != nil {
			t.Fatal(err)
		}
		var sum, sq float64
		for _, v := range l.W.Data {
			sum += v
			sq += v * v
		}
		n := float64(len(l.W.Data))
		std := math.Sqrt(sq/n - (sum/n)*(sum/n))
		want := map[string]float64{"he": math.Sqrt(2.0 / 400), "xavier": math.Sqrt(6.0/700) / math.Sqrt(3), "normal": 0.01}[method]
		if math.Abs(std-want)/want > 0.02 || math.Abs(sum/n) > 0.05*want {
			t.Errorf("%s: std %.5f mean %.5f, want std %.5f mean 0", method, std, sum/n, want)
		}
		if l.B.Data[0] != 0 {
			t.Errorf("%s: bias not zeroed", method)
		}
	}
	l := layers.NewAffine[float64]("0.", 2, 2)
	if err := layers.InitAffine(l, "bogus", 0, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("unknown initializer accepted")
	}
}

func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, name := range append([]string{"affine"}, layers.Activations...) {
		l := newLayer(name, rng)
		x := randMatrix(rng, 16, 6)
		out := l.Forward(x)
		dout := randMatrix(rng, out.Rows, out.Cols)
		l.Backward(dout)
		if a := testing.AllocsPerRun(10, func() { l.Forward(x); l.Backward(dout) }); a != 0 {
			t.Errorf("%s: %v allocations per forward+backward", name, a)
		}
	}
}

// TestAffineOverwriteGrad: by default Backward adds into W.Grad and
// B.Grad (two calls give twice the gradient); with OverwriteGrad a second
// call gives the same gradient as the first, whatever Grad held before.
func TestAffineOverwriteGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a := layers.NewAffine[float64]("", 6, 4)
	for i := range a.W.Data {
		a.W.Data[i] = rng.NormFloat64()
	}
	x, dout := layers.NewMatrix[float64](5, 6), layers.NewMatrix[float64](5, 4)
	for i := range x.Data {
		x.Data[i] = rng.NormFloat64()
	}
	for i := range dout.Data {
		dout.Data[i] = rng.NormFloat64()
	}
	a.Forward(x)
	a.Backward(dout)
	w1, b1 := slices.Clone(a.W.Grad), slices.Clone(a.B.Grad)
	a.Backward(dout)
	for i := range w1 {
		if math.Abs(a.W.Grad[i]-2*w1[i]) > 1e-12 {
			t.Fatalf("accumulate: dW[%d] = %v, want %v", i, a.W.Grad[i], 2*w1[i])
		}
	}
	a.OverwriteGrad = true
	a.Backward(dout)
	for i := range w1 {
		if math.Abs(a.W.Grad[i]-w1[i]) > 1e-12 {
			t.Fatalf("overwrite: dW[%d] = %v, want %v", i, a.W.Grad[i], w1[i])
		}
	}
	for i := range b1 {
		if math.Abs(a.B.Grad[i]-b1[i]) > 1e-12 {
			t.Fatalf("overwrite: db[%d] = %v, want %v", i, a.B.Grad[i], b1[i])
		}
	}
}
