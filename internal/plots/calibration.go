package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nnfc/nnfc/pkg/metrics"
)

// binGap is the share of a bin's width left empty between neighbouring
// bars of a histogram (Reliability).
const binGap = 0.12

// reference is the colour of the "perfect" and "chance" lines.
var reference = color.Gray{150}

// rect is a filled rectangle [x0,x1]×[y0,y1] in data coordinates.
func rect(x0, x1, y0, y1 float64, fill color.Color) (*plotter.Polygon, error) {
	pg, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	if err != nil {
		return nil, err
	}
	pg.Color = fill
	pg.LineStyle.Color = color.White
	pg.LineStyle.Width = vg.Points(0.6)
	return pg, nil
}

// dashed returns the line through pts in the reference grey, dashed.
func dashed(pts plotter.XYs) (*plotter.Line, error) {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color, l.Width, l.Dashes = reference, vg.Points(1.2), []vg.Length{vg.Points(4), vg.Points(3)}
	return l, nil
}

// Reliability draws a reliability diagram of a classifier's bins
// (metrics.Reliability over the top-class confidence): for each bin with
// rows, a bar of its accuracy from its lower to its upper confidence edge
// and a diamond at its mean confidence, on the diagonal of perfect
// calibration; the gap between a bar's top and its diamond is the bin's
// miscalibration. Below, the share of rows in each bin (a logarithmic
// axis: a good model puts most rows in the last bin). split names the
// rows' split in the title, with the ECE.
func Reliability(bins []metrics.Bin, ece float64, split string) ([]byte, error) {
	top := newPlot(fmt.Sprintf("Reliability on the %s split: ECE %.2f%% (%d bins)", split, 100*ece, len(bins)),
		"", "accuracy in the bin")
	diag, err := dashed(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, err
	}
	var total float64
	for _, b := range bins {
		total += b.Weight
	}
	var conf plotter.XYs
	bottom := newPlot("", "top-class confidence (predicted probability)", "rows (%)")
	// The shares on a log axis from the decade under the smallest.
	minShare := 100.0
	for _, b := range bins {
		if b.Weight > 0 {
			minShare = min(minShare, 100*b.Weight/total)
		}
	}
	floor := math.Pow(10, math.Floor(math.Log10(minShare)))
	for _, b := range bins {
		if b.Weight == 0 {
			continue
		}
		// A gap of binGap of the bin's width between neighbours, so
		// that each bin reads as its own bar.
		lo, hi := b.Lo+binGap/2*(b.Hi-b.Lo), b.Hi-binGap/2*(b.Hi-b.Lo)
		bar, err := rect(lo, hi, 0, b.Accuracy, Tint(Blue, 0.15))
		if err != nil {
			return nil, err
		}
		top.Add(bar)
		conf = append(conf, plotter.XY{X: b.Confidence, Y: b.Confidence})
		hb, err := rect(lo, hi, floor, 100*b.Weight/total, Tint(gray, 0.3))
		if err != nil {
			return nil, err
		}
		bottom.Add(hb)
	}
	top.Add(diag) // over the bars: the line the bars are read against
	sc, err := plotter.NewScatter(conf)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: Orange, Radius: vg.Points(4), Shape: draw.PyramidGlyph{}}
	top.Add(sc)
	top.Legend = newLegend()
	top.Legend.Add("accuracy", mustRect(Tint(Blue, 0.15)))
	top.Legend.Add("mean confidence", sc)
	top.Legend.Add("perfect calibration", diag)
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = 0, 1
		p.X.Tick.Marker = niceTicks{}
	}
	top.Y.Min, top.Y.Max = 0, 1
	top.Y.Tick.Marker = niceTicks{}
	bottom.Y.Scale = plot.LogScale{}
	bottom.Y.Tick.Marker = decadeTicks{}
	bottom.Y.Min, bottom.Y.Max = floor, 100
	// One column: the diagram over the histogram, a third of its height.
	const w, h = 6.4 * vg.Inch, 6.6 * vg.Inch
	img := newCanvas(w, h)
	dc := draw.New(img)
	pad := 3 * vg.Millimeter
	split1 := h * 0.34
	ct := draw.Crop(dc, pad, -pad, split1, -pad)
	cb := draw.Crop(dc, pad, -pad, pad, -(h - split1 + pad))
	// The same x range on the same columns: crop the plot whose y axis is
	// narrower by the difference.
	if d := (top.DataCanvas(ct).Min.X - ct.Min.X) - (bottom.DataCanvas(cb).Min.X - cb.Min.X); d > 0 {
		cb = draw.Crop(cb, d, 0, 0, 0)
	} else {
		ct = draw.Crop(ct, -d, 0, 0, 0)
	}
	top.Draw(ct)
	bottom.Draw(cb)
	return encode(img)
}

// mustRect is a legend thumbnail of a filled box.
func mustRect(fill color.Color) plot.Thumbnailer {
	pg, _ := rect(0, 1, 0, 1, fill)
	return pg
}

// ROCPR draws a binary model's ROC curve (with the chance diagonal and
// its area) beside its precision-recall curve (with the positive rate as
// chance and the average precision), each with the operating point of
// the decision threshold marked, as a PNG. split names the rows' split.
func ROCPR(roc []metrics.ROCPoint, pr []metrics.PRPoint, auc, ap, positiveRate, threshold float64, split string) ([]byte, error) {
	left := newPlot(fmt.Sprintf("ROC (%s): area %.4f", split, auc), "false positive rate", "true positive rate")
	right := newPlot(fmt.Sprintf("Precision-recall (%s): AP %.4f", split, ap), "recall", "precision")
	var rxy, pxy plotter.XYs
	for _, p := range roc {
		rxy = append(rxy, plotter.XY{X: p.FPR, Y: p.TPR})
	}
	// The PR curve as sklearn's step function: precision holds from each
	// point's recall down to the next lower one.
	for i := len(pr) - 1; i >= 0; i-- {
		p := pr[i]
		if i < len(pr)-1 {
			pxy = append(pxy, plotter.XY{X: pr[i+1].Recall, Y: p.Precision})
		}
		pxy = append(pxy, plotter.XY{X: p.Recall, Y: p.Precision})
	}
	chanceROC, err := dashed(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, err
	}
	chancePR, err := dashed(plotter.XYs{{X: 0, Y: positiveRate}, {X: 1, Y: positiveRate}})
	if err != nil {
		return nil, err
	}
	rl, err := plotter.NewLine(rxy)
	if err != nil {
		return nil, err
	}
	pl, err := plotter.NewLine(pxy)
	if err != nil {
		return nil, err
	}
	rl.Color, rl.Width = Blue, vg.Points(1.8)
	pl.Color, pl.Width = Blue, vg.Points(1.8)
	left.Add(chanceROC, rl)
	right.Add(chancePR, pl)
	// The operating point: the curve's point at the lowest threshold at or
	// above the decision threshold (predict positive for scores ≥ it).
	op := func(thr []float64) int {
		at := -1
		for i, t := range thr {
			if t >= threshold && (at < 0 || t < thr[at]) {
				at = i
			}
		}
		return at // ≥ 0: both curves have a point at +Inf
	}
	var rt, pt []float64
	for _, p := range roc {
		rt = append(rt, p.Threshold)
	}
	for _, p := range pr {
		pt = append(pt, p.Threshold)
	}
	ri, pi := op(rt), op(pt)
	label := fmt.Sprintf("threshold %g", threshold)
	for _, m := range []struct {
		p  *plot.Plot
		xy plotter.XY
	}{{left, plotter.XY{X: roc[ri].FPR, Y: roc[ri].TPR}}, {right, plotter.XY{X: pr[pi].Recall, Y: pr[pi].Precision}}} {
		sc, err := plotter.NewScatter(plotter.XYs{m.xy})
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: Orange, Radius: vg.Points(5), Shape: draw.CircleGlyph{}}
		m.p.Add(sc)
		m.p.Legend = newLegend()
		m.p.Legend.Add(label, sc)
	}
	left.Legend.Top, left.Legend.Left = false, false
	left.Legend.Add("chance", chanceROC)
	right.Legend.Top, right.Legend.Left = false, true
	if positiveRate < 0.3 {
		// Above the chance line, which runs along the bottom (the axis is
		// about 4.3 in high).
		right.Legend.YOffs = vg.Length(positiveRate+0.04) * 4.3 * vg.Inch
	}
	right.Legend.Add(fmt.Sprintf("chance (positive rate %.3f)", positiveRate), chancePR)
	for _, p := range []*plot.Plot{left, right} {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1.02
		p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	}
	return render(11*vg.Inch, 5.2*vg.Inch, [][]*plot.Plot{{left, right}})
}

// Regression draws a regression model's predictions against the actual
// values of one target (left, with the line of perfect prediction) and
// the residuals, actual − predicted, against the predictions (right, with
// zero), both in the target's units, as a PNG. name is the target's, r2
// and rmse its figures on split.
func Regression(actual, pred []float64, name, split string, r2, rmse float64) ([]byte, error) {
	left := newPlot(fmt.Sprintf("%s (%s): R² %.4f", name, split, r2), "actual "+name, "predicted "+name)
	right := newPlot(fmt.Sprintf("Residuals (%s): RMSE %.4g", split, rmse), "predicted "+name, "actual − predicted")
	lo, hi := math.Inf(1), math.Inf(-1)
	var pa, rp plotter.XYs
	for i, a := range actual {
		p := pred[i]
		lo, hi = min(lo, a, p), max(hi, a, p)
		pa = append(pa, plotter.XY{X: a, Y: p})
		rp = append(rp, plotter.XY{X: p, Y: a - p})
	}
	if !(hi > lo) {
		lo, hi = lo-1, hi+1
	}
	pad := 0.03 * (hi - lo)
	lo, hi = lo-pad, hi+pad
	ideal, err := dashed(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return nil, err
	}
	zero, err := dashed(plotter.XYs{{X: lo, Y: 0}, {X: hi, Y: 0}})
	if err != nil {
		return nil, err
	}
	// Translucent points: where they pile up reads darker.
	glyph := draw.GlyphStyle{Color: color.NRGBA{R: Blue.R, G: Blue.G, B: Blue.B, A: 150}, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}
	s1, err := plotter.NewScatter(pa)
	if err != nil {
		return nil, err
	}
	s2, err := plotter.NewScatter(rp)
	if err != nil {
		return nil, err
	}
	s1.GlyphStyle, s2.GlyphStyle = glyph, glyph
	left.Add(ideal, s1)
	right.Add(zero, s2)
	left.Legend = newLegend()
	left.Legend.Add("predicted = actual", ideal)
	left.X.Min, left.X.Max, left.Y.Min, left.Y.Max = lo, hi, lo, hi
	right.X.Min, right.X.Max = lo, hi
	var m float64
	for _, p := range rp {
		m = max(m, math.Abs(p.Y))
	}
	m = 1.05 * max(m, 1e-12)
	right.Y.Min, right.Y.Max = -m, m // zero in the middle
	for _, p := range []*plot.Plot{left, right} {
		p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	}
	return render(11*vg.Inch, 5.2*vg.Inch, [][]*plot.Plot{{left, right}})
}
