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
