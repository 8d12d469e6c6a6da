package plots

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nnfc/nnfc/pkg/metrics"
)

// countColor counts the pixels of img within 12 levels of c in each channel.
func countColor(img image.Image, c interface{ RGBA() (r, g, b, a uint32) }) int {
	cr, cg, cb, _ := c.RGBA()
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := func(a, b uint32) bool { return math.Abs(float64(a>>8)-float64(b>>8)) <= 12 }
			if d(r, cr) && d(g, cg) && d(bl, cb) {
				n++
			}
		}
	}
	return n
}

// overconfident returns n rows of a 10-class model whose top-class
// confidence runs ahead of its accuracy (accuracy ≈ confidence²), the
// shape of a net trained to a low loss, seeded.
func overconfident(n int) (conf []float64, correct []bool) {
	rng := rand.New(rand.NewPCG(24, 5))
	for range n {
		c := 1 - 0.9*math.Pow(rng.Float64(), 4) // most rows near 1
		conf = append(conf, c)
		correct = append(correct, rng.Float64() < c*c)
	}
	return conf, correct
}

func TestReliabilityPicture(t *testing.T) {
	conf, correct := overconfident(6000)
	bins := metrics.Reliability(conf, correct, nil, metrics.Bins)
	b, err := Reliability(bins, metrics.ECE(bins), "validation")
	if err != nil {
		t.Fatal(err)
	}
	img := save(t, "reliability.png", b)
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); math.Abs(float64(w)-6.4*DPI) > 1 || math.Abs(float64(h)-6.6*DPI) > 1 {
		t.Errorf("size %d×%d px, want 6.4×6.6 in at %d dpi", w, h, DPI)
	}
	if n := countColor(img, Orange); n < 100 {
		t.Errorf("%d orange pixels: the mean-confidence markers are missing", n)
	}
	if n := countColor(img, Tint(Blue, 0.15)); n < 10000 {
		t.Errorf("%d pixels of the accuracy bars' blue: the bars are missing", n)
	}
}

func TestROCPRPicture(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 6))
	var pos []bool
	var score []float64
	for i := range 2000 {
		p := i%20 == 0 // 5% positives
		s := 1 / (1 + math.Exp(-(rng.NormFloat64()*1.2 + map[bool]float64{true: 2.2, false: -1.5}[p])))
		pos, score = append(pos, p), append(score, s)
	}
	roc, pr := metrics.ROC(pos, score, nil), metrics.PR(pos, score, nil)
	b, err := ROCPR(roc, pr, metrics.ROCAUC(pos, score, nil), metrics.AveragePrecision(pos, score, nil), 0.05, 0.5, "test")
	if err != nil {
		t.Fatal(err)
	}
	img := save(t, "roc-pr.png", b)
	if n := countColor(img, Orange); n < 200 {
		t.Errorf("%d orange pixels: the threshold's operating points are missing", n)
	}
	if n := countColor(img, Blue); n < 2000 {
		t.Errorf("%d pixels of the curves' blue: a curve is missing", n)
	}
}

func TestRegressionPicture(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 7))
	var actual, pred []float64
	for range 442 { // the diabetes data's size and spread
		a := 25 + 320*rng.Float64()
		actual, pred = append(actual, a), append(pred, 152+0.55*(a-152)+45*rng.NormFloat64())
	}
	rs := metrics.Regress(actual, pred, 1, nil)
	b, err := Regression(actual, pred, "progression", "test", rs[0].R2, rs[0].RMSE)
	if err != nil {
		t.Fatal(err)
	}
	img := save(t, "regression.png", b)
	if n := countColor(img, Tint(Blue, 1-150.0/255)); n < 3000 { // a translucent point over white
		t.Errorf("%d pixels of the points' blue: the points are missing", n)
	}
}

// TestReliabilityBarsApart: neighbouring bins' bars stand apart, a gap of
// at least 8% of the bars' pitch between them (they touched, with a thin
// white outline, and 30 test rows read as one blue block), and the
// diagonal of perfect calibration is drawn over the bars, not hidden.
func TestReliabilityBarsApart(t *testing.T) {
	// Ten bins of equal width from 0.5, every one at accuracy 0.9.
	var bins []metrics.Bin
	for i := range 10 {
		lo := 0.5 + 0.05*float64(i)
		bins = append(bins, metrics.Bin{Lo: lo, Hi: lo + 0.05, Weight: 10, Confidence: lo + 0.025, Accuracy: 0.9})
	}
	b, err := Reliability(bins, 0.05, "test")
	if err != nil {
		t.Fatal(err)
	}
	img := save(t, "reliability-apart.png", b)
	blue := Tint(Blue, 0.15)
	cr, cg, cb, _ := blue.RGBA()
	isBlue := func(x, y int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		d := func(a, b uint32) bool { return math.Abs(float64(a>>8)-float64(b>>8)) <= 12 }
		return d(r, cr) && d(g, cg) && d(bl, cb)
	}
	// The row of pixels with the most blue crosses every bar below its top.
	bounds := img.Bounds()
	bestY, most := 0, 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		n := 0
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			if isBlue(x, y) {
				n++
			}
		}
		if n > most {
			bestY, most = y, n
		}
	}
	// Runs of blue along it, and the gaps between them.
	var starts, ends []int
	in := false
	for x := bounds.Min.X; x < bounds.Max.X; x++ {
		switch b := isBlue(x, bestY); {
		case b && !in:
			starts, in = append(starts, x), true
		case !b && in:
			ends, in = append(ends, x), false
		}
	}
	if in {
		ends = append(ends, bounds.Max.X)
	}
	if len(starts) != 10 {
		t.Fatalf("%d separate bars on row %d, want 10 (%v – %v)", len(starts), bestY, starts, ends)
	}
	pitch := float64(starts[9]-starts[0]) / 9
	for i := 1; i < 10; i++ {
		if gap := float64(starts[i] - ends[i-1]); gap < 0.08*pitch {
			t.Errorf("gap %d between bars %d and %d: %.0f px of a %.1f px pitch, want ≥ 8%%", i, i-1, i, gap, pitch)
		}
	}
	// The diagonal crosses the bars (accuracy 0.9 is above it from 0.5 to
	// 0.9): some of its grey lies inside the bars' span on the blue rows.
	gray := 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := starts[0]; x < ends[9]; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if d := func(a uint32) float64 { return math.Abs(float64(a>>8) - 150) }; d(r) <= 20 && d(g) <= 20 && d(bl) <= 20 && isBlue(x, y-3) && isBlue(x, y+3) {
				gray++
			}
		}
	}
	if gray < 30 {
		t.Errorf("%d pixels of the diagonal's grey inside the bars: it is hidden behind them", gray)
	}
}
