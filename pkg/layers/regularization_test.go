package layers_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
)

// bnInput is an n×d batch whose feature j is N(12, (j+1)²): means and
// scales far from 0 and 1, as in the course's batchnorm checks
// (x = 5·randn + 12), so that a normalization that is off shows.
func bnInput(rng *rand.Rand, n, d int) *layers.Matrix[float64] {
	x := layers.NewMatrix[float64](n, d)
	for i := range n {
		for j := range d {
			x.Data[i*d+j] = 12 + float64(j+1)*rng.NormFloat64()
		}
	}
	return x
}

// newBatchNorm returns a d-feature BatchNorm with random γ and β.
func newBatchNorm(rng *rand.Rand, d int) *layers.BatchNorm[float64] {
	l := layers.NewBatchNorm[float64]("1.", d)
	for j := range d {
		l.Gamma.Data[j] = 0.5 + rng.Float64()
		l.Beta.Data[j] = rng.NormFloat64()
	}
	return l
}

// checkAll fails t for every result that does not pass and logs the worst.
func checkAll(t *testing.T, rs []gradcheck.Result) {
	t.Helper()
	if len(rs) == 0 {
		t.Fatal("no results")
	}
	for _, r := range rs {
		t.Logf("%s %-10s max rel %.2e", r.Check, r.Tensor, r.MaxRel)
		if !r.Pass() {
			t.Errorf("%s %s: rel error %.3g ≥ %.0e at %d (analytic %g, numeric %g)",
				r.Check, r.Tensor, r.MaxRel, r.Threshold, r.Worst, r.Analytic, r.Numeric)
		}
	}
}

func TestBatchNormGradients(t *testing.T) {
	for _, training := range []bool{true, false} {
		name := map[bool]string{true: "train", false: "eval"}[training]
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			l := newBatchNorm(rng, 5)
			for j := range 5 { // running statistics unlike the batch's
				l.RunningMean.Data[j] = 11 + rng.NormFloat64()
				l.RunningVar.Data[j] = 0.5 + 3*rng.Float64()
			}
			l.SetTraining(training)
			checkAll(t, gradcheck.Layer("batchnorm/"+name, l, bnInput(rng, 8, 5), rng, gradcheck.DefaultThreshold))
		})
	}
}

// bnMistake wraps a training-mode BatchNorm and replaces one gradient
// with a classic wrong derivation; the forward is the real one.
type bnMistake struct {
	*layers.BatchNorm[float64]
	mode string
	x    *layers.Matrix[float64]
}

var bnMistakes = []string{
	"stats-constant", // dx = γ·invstd·dout, as if μ and σ² did not depend on x
	"no-mean-term",   // the −Σ dout term of dx missing
	"no-var-term",    // the −x̂·Σ dout⊙x̂ term of dx missing
	"dgamma-x",       // dγ = Σ dout⊙x instead of Σ dout⊙x̂
	"dbeta-mean",     // dβ averaged over the batch instead of summed
}

func (m *bnMistake) Forward(x *layers.Matrix[float64]) *layers.Matrix[float64] {
	m.x = x
	return m.BatchNorm.Forward(x)
}

func (m *bnMistake) Backward(dout *layers.Matrix[float64]) *layers.Matrix[float64] {
	dx := m.BatchNorm.Backward(dout)
	x, n, d := m.x, dout.Rows, dout.Cols
	g := m.Gamma.Data
	for j := range d {
		var mu, ss, sdout, sdxh, sdx float64
		for i := range n {
			mu += x.At(i, j)
		}
		mu /= float64(n)
		for i := range n {
			ss += (x.At(i, j) - mu) * (x.At(i, j) - mu)
		}
		invstd := 1 / math.Sqrt(ss/float64(n)+m.Eps)
		for i := range n {
			xh := (x.At(i, j) - mu) * invstd
			sdout += dout.At(i, j)
			sdxh += dout.At(i, j) * xh
			sdx += dout.At(i, j) * x.At(i, j)
		}
		for i := range n {
			xh := (x.At(i, j) - mu) * invstd
			k := g[j] * invstd / float64(n)
			nd := float64(n) * dout.At(i, j)
			switch m.mode {
			case "stats-constant":
				dx.Data[i*d+j] = g[j] * invstd * dout.At(i, j)
			case "no-mean-term":
				dx.Data[i*d+j] = k * (nd - xh*sdxh)
			case "no-var-term":
				dx.Data[i*d+j] = k * (nd - sdout)
			}
		}
		// gradcheck.Layer zeroes the gradients before this Backward, so
		// they hold exactly its contribution.
		switch m.mode {
		case "dgamma-x":
			m.Gamma.Grad[j] = sdx
		case "dbeta-mean":
			m.Beta.Grad[j] /= float64(n)
		}
	}
	return dx
}

func TestBatchNormGradientsNegative(t *testing.T) {
	for _, mode := range bnMistakes {
		t.Run(mode, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			l := &bnMistake{BatchNorm: newBatchNorm(rng, 5), mode: mode}
			rs := gradcheck.Layer("batchnorm/"+mode, l, bnInput(rng, 8, 5), rng, gradcheck.DefaultThreshold)
			bad := gradcheck.Failed(rs)
			if len(bad) == 0 {
				t.Errorf("checker passed a batchnorm backward with mistake %s", mode)
			}
			for _, r := range bad {
				t.Logf("%s %s: rel error %.2e (fails, as it must)", mode, r.Tensor, r.MaxRel)
			}
		})
	}
}

func TestDropoutGradients(t *testing.T) {
	for _, training := range []bool{true, false} {
		name := map[bool]string{true: "train", false: "eval"}[training]
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 14))
			l := layers.NewDropout[float64](0.3, 99)
			l.FixedMask = true
			l.SetTraining(training)
			checkAll(t, gradcheck.Layer("dropout/"+name, l, randMatrix(rng, 6, 7), rng, gradcheck.DefaultThreshold))
		})
	}
}

// dropoutMistake wraps a training-mode Dropout with a wrong backward.
type dropoutMistake struct {
	*layers.Dropout[float64]
	mode string
}

var dropoutMistakes = []string{
	"no-scale", // dx = dout where kept, the 1/(1−p) forgotten
	"no-mask",  // dx = dout/(1−p) everywhere, dropped units included
}

func (m dropoutMistake) Backward(dout *layers.Matrix[float64]) *layers.Matrix[float64] {
	dx := m.Dropout.Backward(dout)
	mask := m.Mask().Data
	for i, g := range dout.Data {
		switch m.mode {
		case "no-scale":
			if mask[i] != 0 {
				dx.Data[i] = g
			}
		case "no-mask":
			dx.Data[i] = g / (1 - m.P)
		}
	}
	return dx
}

func TestDropoutGradientsNegative(t *testing.T) {
	for _, mode := range dropoutMistakes {
		t.Run(mode, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 14))
			l := layers.NewDropout[float64](0.3, 99)
			l.FixedMask = true
			rs := gradcheck.Layer("dropout/"+mode, dropoutMistake{l, mode}, randMatrix(rng, 6, 7), rng, gradcheck.DefaultThreshold)
			if len(gradcheck.Failed(rs)) == 0 {
				t.Errorf("checker passed a dropout backward with mistake %s", mode)
			}
		})
	}
}

// colStats returns the mean and biased standard deviation of column j.
func colStats(m *layers.Matrix[float64], j int) (mean, std float64) {
	for i := range m.Rows {
		mean += m.At(i, j)
	}
	mean /= float64(m.Rows)
	for i := range m.Rows {
		std += (m.At(i, j) - mean) * (m.At(i, j) - mean)
	}
	return mean, math.Sqrt(std / float64(m.Rows))
}

// TestBatchNormForward is the course's batchnorm_forward check: in
// training mode each output feature has mean β and standard deviation γ
// (mean 0 and std 1 with the initial γ = 1, β = 0).
func TestBatchNormForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const n, d = 200, 4
	x := bnInput(rng, n, d)
	l := layers.NewBatchNorm[float64]("1.", d)
	// Biased std of the output is σ/√(σ²+eps) for a feature of variance
	// σ² ≥ ~0.7 here: within eps/(2σ²) < 1e-5 of 1, so a 1e-5 tolerance.
	const tolMean, tolStd = 1e-12, 1e-5
	for _, tc := range []struct{ gamma, beta []float64 }{
		{[]float64{1, 1, 1, 1}, []float64{0, 0, 0, 0}},
		{[]float64{1, 2, 3, 4}, []float64{11, 12, 13, 14}}, // the course's gamma and beta
	} {
		copy(l.Gamma.Data, tc.gamma)
		copy(l.Beta.Data, tc.beta)
		out := l.Forward(x)
		for j := range d {
			mean, std := colStats(out, j)
			if math.Abs(mean-tc.beta[j]) > tolMean*max(1, tc.beta[j]) || math.Abs(std-tc.gamma[j]) > tolStd*tc.gamma[j] {
				t.Errorf("γ=%v β=%v feature %d: mean %.15g std %.10g, want %g and %g", tc.gamma, tc.beta, j, mean, std, tc.beta[j], tc.gamma[j])
			}
		}
	}
}

// TestBatchNormRunningStats checks PyTorch's update rule, with the
// unbiased batch variance in running_var, against values worked by hand.
func TestBatchNormRunningStats(t *testing.T) {
	l := layers.NewBatchNorm[float64]("1.", 2)
	// Feature 0 is (1, 2, 3, 6): μ = 3, Σ(x−μ)² = 4+1+0+9 = 14, unbiased
	// variance 14/3. Feature 1 is (−2, 0, 0, 2): μ = 0, unbiased 8/3.
	x := &layers.Matrix[float64]{Rows: 4, Cols: 2, Data: []float64{1, -2, 2, 0, 3, 0, 6, 2}}
	want := []struct{ mean, vr []float64 }{
		// from (0, 1): 0.9·0 + 0.1·3 = 0.3; 0.9·1 + 0.1·14/3 = 1.3666…
		{[]float64{0.3, 0}, []float64{0.9 + 1.4/3, 0.9 + 0.8/3}},
		// again: 0.9·0.3 + 0.3 = 0.57; 0.9·(0.9 + 1.4/3) + 1.4/3
		{[]float64{0.57, 0}, []float64{0.81 + 0.9*1.4/3 + 1.4/3, 0.81 + 0.9*0.8/3 + 0.8/3}},
	}
	for step, w := range want {
		l.Forward(x)
		if !approx(l.RunningMean.Data, w.mean, 1e-15) || !approx(l.RunningVar.Data, w.vr, 1e-15) {
			t.Errorf("step %d: running mean %v var %v, want %v %v", step+1, l.RunningMean.Data, l.RunningVar.Data, w.mean, w.vr)
		}
	}
	// Evaluation leaves them alone.
	l.SetTraining(false)
	l.Forward(x)
	if !approx(l.RunningMean.Data, want[1].mean, 1e-15) || !approx(l.RunningVar.Data, want[1].vr, 1e-15) {
		t.Errorf("evaluation changed the running statistics: %v %v", l.RunningMean.Data, l.RunningVar.Data)
	}
	if b := l.Buffers(); len(b) != 2 || b[0].Name != "1.running_mean" || b[1].Name != "1.running_var" || !slices.Equal(b[0].Shape, []int{2}) {
		t.Errorf("buffers %v %v", b[0], b[1])
	}
	if p := l.Params(); p[0].Name != "1.weight" || p[1].Name != "1.bias" || p[0].Decay || p[1].Decay {
		t.Errorf("params %s %s decay %v %v", p[0].Name, p[1].Name, p[0].Decay, p[1].Decay)
	}
}

// approx reports whether a and b agree entry by entry within tol·max(1, |b|).
func approx(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*max(1, math.Abs(b[i])) {
			return false
		}
	}
	return true
}

// TestBatchNormEval: evaluation normalizes with the running statistics,
// row by row (a batch of one is fine), while training refuses one row.
func TestBatchNormEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	l := newBatchNorm(rng, 3)
	rm, rv := []float64{1, -2, 0.5}, []float64{4, 0.25, 9}
	copy(l.RunningMean.Data, rm)
	copy(l.RunningVar.Data, rv)
	l.SetTraining(false)
	x := randMatrix(rng, 1, 3)
	out := l.Forward(x)
	for j := range 3 {
		want := l.Gamma.Data[j]*(x.Data[j]-rm[j])/math.Sqrt(rv[j]+layers.BatchNormEps) + l.Beta.Data[j]
		if math.Abs(out.Data[j]-want) > 1e-15*max(1, math.Abs(want)) {
			t.Errorf("feature %d: %v, want %v", j, out.Data[j], want)
		}
	}
	l.SetTraining(true)
	defer func() {
		if recover() == nil {
			t.Error("training forward of a one-row batch did not panic")
		}
	}()
	l.Forward(x)
}

func TestDropoutMask(t *testing.T) {
	const n, d, p = 200, 500, 0.3
	l := layers.NewDropout[float64](p, 7)
	x := layers.NewMatrix[float64](n, d)
	for i := range x.Data {
		x.Data[i] = 1 + float64(i%5)
	}
	out := l.Forward(x)
	dropped := 0
	for i, v := range out.Data {
		switch {
		case v == 0:
			dropped++
		case v != x.Data[i]/(1-p):
			t.Fatalf("kept entry %d is %v, want x/(1−p) = %v", i, v, x.Data[i]/(1-p))
		}
	}
	// The dropped count is Binomial(n·d, p): 5 standard deviations.
	rate, sd := float64(dropped)/(n*d), math.Sqrt(p*(1-p)/(n*d))
	if math.Abs(rate-p) > 5*sd {
		t.Errorf("drop rate %.4f, want %.2f ± %.4f", rate, p, 5*sd)
	}
	// Expected value preserved: the mean of out over x ≡ 1 is 1, within 5
	// standard deviations of a mean of n·d values of variance p/(1−p).
	for i := range x.Data {
		x.Data[i] = 1
	}
	out = l.Forward(x)
	var mean float64
	for _, v := range out.Data {
		mean += v
	}
	mean /= n * d
	if sd := math.Sqrt(p / (1 - p) / (n * d)); math.Abs(mean-1) > 5*sd {
		t.Errorf("E[out] = %.5f, want 1 ± %.5f", mean, 5*sd)
	}
}

func TestDropoutSeedAndModes(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	x := randMatrix(rng, 10, 20)
	first := func(l *layers.Dropout[float64]) []float64 { return slices.Clone(l.Forward(x).Data) }
	a, b, c := layers.NewDropout[float64](0.5, 42), layers.NewDropout[float64](0.5, 42), layers.NewDropout[float64](0.5, 43)
	ma, mb, mc := first(a), first(b), first(c)
	if !slices.Equal(ma, mb) {
		t.Error("same seed, different masks")
	}
	if slices.Equal(ma, mc) {
		t.Error("different seeds, same mask")
	}
	if slices.Equal(first(a), ma) {
		t.Error("the second forward reused the mask without FixedMask")
	}
	a.Seed(42)
	if !slices.Equal(first(a), ma) {
		t.Error("Seed(42) did not restart the generator")
	}
	a.FixedMask = true
	a.SetTraining(false)
	a.Forward(x)
	a.SetTraining(true)
	if !slices.Equal(first(a), ma) {
		t.Error("FixedMask did not keep the mask across an evaluation forward")
	}

	// Evaluation is the identity, forward and backward.
	a.SetTraining(false)
	dout := randMatrix(rng, 10, 20)
	if !slices.Equal(a.Forward(x).Data, x.Data) || !slices.Equal(a.Backward(dout).Data, dout.Data) {
		t.Error("evaluation mode is not the identity")
	}
	// p = 0 is the identity in training too.
	z := layers.NewDropout[float64](0, 1)
	if !slices.Equal(z.Forward(x).Data, x.Data) {
		t.Error("p = 0 changed the input")
	}
	for _, p := range []float64{-0.1, 1, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewDropout(%v) did not panic", p)
				}
			}()
			layers.NewDropout[float64](p, 1)
		}()
	}
}

// Compile-time checks: both layers switch modes, batchnorm has buffers.
var (
	_ layers.Trainer           = (*layers.Dropout[float32])(nil)
	_ layers.Trainer           = (*layers.BatchNorm[float32])(nil)
	_ layers.Stateful[float32] = (*layers.BatchNorm[float32])(nil)
	_ layers.Layer[float32]    = (*layers.Dropout[float32])(nil)
	_ layers.Layer[float64]    = (*layers.BatchNorm[float64])(nil)
)

func noAllocs[T layers.Float](t *testing.T, name string, l layers.Layer[T], tr layers.Trainer) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	x, dout := randM[T](rng, 16, 6), randM[T](rng, 16, 6)
	for _, training := range []bool{true, false} {
		tr.SetTraining(training)
		l.Forward(x)
		l.Backward(dout)
		if a := testing.AllocsPerRun(10, func() { l.Forward(x); l.Backward(dout) }); a != 0 {
			t.Errorf("%s (training %v): %v allocations per forward+backward", name, training, a)
		}
	}
}

func TestRegularizationNoAllocs(t *testing.T) {
	bn32, bn64 := layers.NewBatchNorm[float32]("1.", 6), layers.NewBatchNorm[float64]("1.", 6)
	do32, do64 := layers.NewDropout[float32](0.5, 1), layers.NewDropout[float64](0.5, 1)
	noAllocs(t, "batchnorm/float32", bn32, bn32)
	noAllocs(t, "batchnorm/float64", bn64, bn64)
	noAllocs(t, "dropout/float32", do32, do32)
	noAllocs(t, "dropout/float64", do64, do64)
}

func benchLayer[T layers.Float](b *testing.B, l layers.Layer[T], n, d int, backward bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, dout := randM[T](rng, n, d), randM[T](rng, n, d)
	l.Forward(x)
	l.Backward(dout)
	b.ReportAllocs()
	b.SetBytes(int64(n * d * 4))
	b.ResetTimer()
	for range b.N {
		if backward {
			l.Backward(dout)
		} else {
			l.Forward(x)
		}
	}
}

func BenchmarkBatchNorm(b *testing.B) {
	for _, dir := range []string{"Forward", "Backward"} {
		bw := dir == "Backward"
		b.Run("N=128,D=512/T=float32/"+dir, func(b *testing.B) {
			benchLayer(b, layers.NewBatchNorm[float32]("1.", 512), 128, 512, bw)
		})
		b.Run("N=128,D=512/T=float64/"+dir, func(b *testing.B) {
			benchLayer(b, layers.NewBatchNorm[float64]("1.", 512), 128, 512, bw)
		})
	}
}

func BenchmarkDropout(b *testing.B) {
	for _, dir := range []string{"Forward", "Backward"} {
		bw := dir == "Backward"
		b.Run("N=128,D=512/T=float32/"+dir, func(b *testing.B) {
			benchLayer(b, layers.NewDropout[float32](0.5, 1), 128, 512, bw)
		})
		b.Run("N=128,D=512/T=float64/"+dir, func(b *testing.B) {
			benchLayer(b, layers.NewDropout[float64](0.5, 1), 128, 512, bw)
		})
	}
}

// TestBatchNormInferInPlace: InferInPlace over 150 columns (three strips
// of its stack buffer, the last partial) writes Forward's evaluation-mode
// outputs bit for bit, allocating nothing. Twin: one running variance
// changed after the reference changes column 140's outputs (the third
// strip), so the comparison sees a column computed from stale statistics.
func TestBatchNormInferInPlace(t *testing.T) {
	const n, d = 7, 150
	rng := rand.New(rand.NewPCG(21, 22))
	bn := layers.NewBatchNorm[float32]("bn", d)
	for j := range d {
		bn.RunningMean.Data[j] = float32(rng.NormFloat64())
		bn.RunningVar.Data[j] = float32(0.1 + rng.Float64())
		bn.Gamma.Data[j] = float32(1 + rng.NormFloat64()/4)
		bn.Beta.Data[j] = float32(rng.NormFloat64() / 4)
	}
	x := &layers.Matrix[float32]{Rows: n, Cols: d, Data: make([]float32, n*d)}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64() * 2)
	}
	bn.SetTraining(false)
	want := slices.Clone(bn.Forward(x).Data)
	got := &layers.Matrix[float32]{Rows: n, Cols: d, Data: slices.Clone(x.Data)}
	bn.InferInPlace(got)
	if !slices.Equal(got.Data, want) {
		t.Error("InferInPlace differs from Forward in evaluation mode")
	}
	if a := testing.AllocsPerRun(10, func() { copy(got.Data, x.Data); bn.InferInPlace(got) }); a != 0 {
		t.Errorf("InferInPlace allocated %v times a call", a)
	}
	bn.RunningVar.Data[140] *= 2
	copy(got.Data, x.Data)
	bn.InferInPlace(got)
	if got.Data[140] == want[140] {
		t.Error("twin: a running variance changed after the reference left column 140 as it was")
	}
}
