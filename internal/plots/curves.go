package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/task"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Run is one run's curves.
type Run struct {
	Name    string // shown in the title (one run) or the legend (several)
	Metrics []rundir.Metrics
	// BestEpoch (1-based) is marked on both plots; 0 marks nothing.
	BestEpoch int
	// Curve is the figure drawn beside the loss, the run's task's
	// (task.Task.Curve); the zero Curve is the default task's (accuracy).
	Curve task.Curve
}

// Size of nnfc plot's PNG: two plots side by side and the legend.
const (
	Width  = 12 * vg.Inch
	Height = 4.2 * vg.Inch
)

// Curves builds the loss plot and the accuracy (or, for an autoencoder,
// reconstruction MSE) plot of runs. Their legend is not on them: Draw and
// the PNG writers set it in a column of its own, where no curve and no
// best-epoch line can cross it.
func Curves(runs []Run) (loss, acc *plot.Plot, err error) {
	f, err := curves(runs)
	if err != nil {
		return nil, nil, err
	}
	return f.loss, f.acc, nil
}

// figure is the plots of a curves picture and their one legend (with its
// texts, which gonum/plot does not expose, for the tests).
type figure struct {
	loss, acc *plot.Plot
	more      []*plot.Plot // further panels to the right (the report's learning rate)
	legend    plot.Legend
	names     []string
	curve     task.Curve // the right plot's figure
	// lossData is the range of the losses drawn, for the tests.
	lossData [2]float64
}

func (f *figure) add(name string, th ...plot.Thumbnailer) {
	f.legend.Add(name, th...)
	f.names = append(f.names, name)
}

var trainDash = []vg.Length{vg.Points(4), vg.Points(3)}

func curves(runs []Run) (*figure, error) {
	if len(runs) == 0 {
		return nil, errors.New("plots: no run to plot")
	}
	for _, r := range runs {
		if len(r.Metrics) == 0 {
			return nil, fmt.Errorf("plots: run %s has no finished epoch", r.Name)
		}
	}
	multi := len(runs) > 1
	title := runs[0].Name + ": "
	if multi {
		title = fmt.Sprintf("%d runs: ", len(runs))
	}
	f := &figure{legend: newLegend(), curve: runs[0].Curve}
	if f.curve.Val == "" {
		f.curve = task.All[0].Curve()
	}
	f.loss = newPlot(title+"loss", "epoch", "data loss")
	f.acc = newPlot(title+f.curve.Title, "epoch", f.curve.Axis)
	trainAcc := func(m rundir.Metrics) float64 { return m.Figure(f.curve.Train) }
	valAcc := func(m rundir.Metrics) float64 { return m.Figure(f.curve.Val) }
	for _, p := range []*plot.Plot{f.loss, f.acc} {
		p.X.Tick.Marker = epochTicks{}
	}

	var losses, accs []float64
	showL2 := !multi && slices.ContainsFunc(runs[0].Metrics, func(m rundir.Metrics) bool { return m.L2 > 0 })
	for _, r := range runs {
		noVal := noValidation(r.Metrics)
		for _, m := range r.Metrics {
			losses = append(losses, m.DataLoss)
			accs = append(accs, trainAcc(m))
			if !noVal {
				losses = append(losses, m.ValLoss)
				accs = append(accs, valAcc(m))
			}
			if showL2 {
				losses = append(losses, m.L2)
			}
		}
	}
	if showL2 {
		l, err := plotter.NewLine(series(runs[0].Metrics, func(m rundir.Metrics) float64 { return m.L2 }))
		if err != nil {
			return nil, fmt.Errorf("plots: run %s: %v", runs[0].Name, err)
		}
		l.Color, l.Width, l.Dashes = color.Gray{120}, vg.Points(1), []vg.Length{vg.Points(1), vg.Points(2)}
		f.loss.Add(l)
		f.add("L2 term", l)
	}
	for i, r := range runs {
		trainColor, valColor := Blue, Orange
		var dash []vg.Length
		if multi {
			trainColor, valColor, dash = SeriesColor(i), SeriesColor(i), trainDash
		}
		var trainLine, valLine *plotter.Line
		noVal := noValidation(r.Metrics)
		for _, s := range []struct {
			p     *plot.Plot
			f     func(rundir.Metrics) float64
			color color.Color
			dash  []vg.Length
			line  **plotter.Line
			val   bool
		}{
			{f.loss, func(m rundir.Metrics) float64 { return m.DataLoss }, trainColor, dash, &trainLine, false},
			{f.loss, func(m rundir.Metrics) float64 { return m.ValLoss }, valColor, nil, &valLine, true},
			{f.acc, trainAcc, trainColor, dash, nil, false},
			{f.acc, valAcc, valColor, nil, nil, true},
		} {
			if noVal && s.val {
				continue // no validation split: no validation line at 0
			}
			l, err := plotter.NewLine(series(r.Metrics, s.f))
			if err != nil {
				return nil, fmt.Errorf("plots: run %s: %v", r.Name, err)
			}
			l.Color, l.Width, l.Dashes = s.color, vg.Points(1.5), s.dash
			s.p.Add(l)
			if s.line != nil {
				*s.line = l
			}
		}
		switch {
		case multi && noVal:
			f.add(r.Name+" (no validation)", trainLine)
		case multi:
			f.add(r.Name, valLine)
		case noVal:
			f.add(f.curve.TrainName+"; no validation split", trainLine)
		default:
			f.add(f.curve.TrainName, trainLine)
			f.add("validation", valLine)
		}
		if r.BestEpoch >= 1 && r.BestEpoch <= len(r.Metrics) && !noVal {
			if err := f.markBest(r, valColor, !multi); err != nil {
				return nil, err
			}
		}
	}
	if multi {
		// The key to the styles, in gray.
		for _, k := range []struct {
			name string
			dash []vg.Length
		}{{"train (dashed)", trainDash}, {"validation (solid)", nil}} {
			l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}})
			if err != nil {
				return nil, err
			}
			l.Color, l.Width, l.Dashes = gray, vg.Points(1.5), k.dash
			f.add(k.name, l)
		}
		f.add("best epoch", ring(gray))
	}
	f.lossData = [2]float64{slices.Min(losses), slices.Max(losses)}
	lossAxis(f.loss, losses)
	if f.curve.Fraction {
		f.acc.Y.Max = 1
	} else {
		fitLinear(&f.acc.Y, accs)
	}
	return f, nil
}

// noValidation reports whether a run had no validation split: no epoch
// measured one (Metrics.NoVal).
func noValidation(ms []rundir.Metrics) bool {
	return !slices.ContainsFunc(ms, func(m rundir.Metrics) bool { return !m.NoVal() })
}

// ring is the best epoch's marker.
func ring(c color.Color) *plotter.Scatter {
	s, _ := plotter.NewScatter(plotter.XYs{{}})
	s.Shape, s.Radius, s.Color = draw.RingGlyph{}, vg.Points(5), c
	return s
}

// bestStyle is the dotted vertical line through the best epoch.
var bestStyle = draw.LineStyle{Color: gray, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}

// lossAxis fits p's y axis to the losses: logarithmic when every loss is
// positive (so that one spike does not flatten the rest), padded by 4% of
// the decades shown; else linear, clipped at a robust maximum (the label
// says so). The axis is set from the data alone: the legend is not in
// the plot, so it needs no head room.
func lossAxis(p *plot.Plot, losses []float64) {
	lo, hi := slices.Min(losses), slices.Max(losses)
	if lo > 0 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Y.Label.Text += " (log scale)"
		f := max(math.Pow(hi/lo, 0.04), 1.02)
		p.Y.Min, p.Y.Max = lo/f, hi*f
		return
	}
	if r := robustMax(losses); r < hi {
		hi = r
		p.Y.Label.Text += fmt.Sprintf(" (clipped at %.3g)", hi)
	}
	fitLinear(&p.Y, []float64{lo, hi})
	p.Y.Min = max(p.Y.Min, 0)
}

// fitLinear sets a linear axis to the range of vs, 4% added each way.
func fitLinear(ax *plot.Axis, vs []float64) {
	lo, hi := slices.Min(vs), slices.Max(vs)
	d := 0.04 * (hi - lo)
	if d == 0 {
		d = 0.01*math.Abs(lo) + 1e-9
	}
	ax.Min, ax.Max = lo-d, hi+d
}

// markBest rings the best epoch's validation points; with one run it also
// draws a dotted vertical line through both plots.
func (f *figure) markBest(r Run, c color.Color, line bool) error {
	m := r.Metrics[r.BestEpoch-1]
	y := m.Figure(f.curve.Val)
	for _, pt := range []struct {
		p *plot.Plot
		y float64
	}{{f.loss, m.ValLoss}, {f.acc, y}} {
		s, err := plotter.NewScatter(plotter.XYs{{X: float64(m.Epoch), Y: pt.y}})
		if err != nil {
			return err
		}
		s.Shape, s.Radius, s.Color = draw.RingGlyph{}, vg.Points(5), c
		pt.p.Add(s)
		if line {
			pt.p.Add(&VLine{X: float64(m.Epoch), Style: bestStyle})
		}
	}
	if line {
		f.add(fmt.Sprintf("best epoch %d", m.Epoch), ring(c), &VLine{Style: bestStyle})
	}
	return nil
}

// VLine is a vertical line across a plot's data area at X; as a legend
// thumbnail, a vertical line through the middle of the icon.
type VLine struct {
	X     float64
	Style draw.LineStyle
}

// Plot implements plot.Plotter.
func (v *VLine) Plot(c draw.Canvas, p *plot.Plot) {
	pt := c.Min.X + vg.Length(p.X.Norm(v.X))*(c.Max.X-c.Min.X)
	c.StrokeLine2(v.Style, pt, c.Min.Y, pt, c.Max.Y)
}

// Thumbnail implements plot.Thumbnailer.
func (v *VLine) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(v.Style, x, c.Min.Y, x, c.Max.Y)
}

func series(ms []rundir.Metrics, f func(rundir.Metrics) float64) plotter.XYs {
	xy := make(plotter.XYs, len(ms))
	for i, m := range ms {
		xy[i] = plotter.XY{X: float64(m.Epoch), Y: f(m)}
	}
	return xy
}

// robustMax is 1.5 times the 95th percentile of xs, or the maximum when
// that is lower: one spike then no longer sets the axis.
func robustMax(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	p95 := s[int(0.95*float64(len(s)-1))]
	return min(1.5*p95, s[len(s)-1])
}

// layout is where draw put a figure's parts, for the tests.
type layout struct {
	data   []vg.Rectangle // each plot's data area
	legend vg.Rectangle
}

// draw lays the figure's plots out in a row on c with the legend in a
// column to their right, as wide as its longest entry.
func (f *figure) draw(c draw.Canvas) layout {
	w := legendWidth(&f.legend, f.names) + 6*vg.Millimeter
	lc := draw.Crop(c, c.Size().X-w, 0, 0, -14*vg.Millimeter)
	f.legend.Draw(lc)
	c = draw.Crop(c, 0, -w, 0, 0)
	row := append([]*plot.Plot{f.loss, f.acc}, f.more...)
	t := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2,
		PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	cs := plot.Align([][]*plot.Plot{row}, t, c)
	lay := layout{legend: f.legend.Rectangle(lc)}
	for i, p := range row {
		p.Draw(cs[0][i])
		lay.data = append(lay.data, p.DataCanvas(cs[0][i]).Rectangle)
	}
	return lay
}

// Draw lays the loss and accuracy plots of runs side by side on c, their
// legend in a column to the right.
func Draw(c draw.Canvas, runs []Run) error {
	f, err := curves(runs)
	if err != nil {
		return err
	}
	f.draw(c)
	return nil
}

// WritePNG draws runs (Draw) into a Width × Height PNG.
func WritePNG(w io.Writer, runs []Run) error {
	img := newCanvas(Width, Height)
	if err := Draw(draw.New(img), runs); err != nil {
		return err
	}
	b, err := encode(img)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// RunCurves is the report's curves of one run: loss, accuracy and, beside
// them, the learning rate per epoch, the best epoch marked on all three,
// as a PNG.
func RunCurves(ms []rundir.Metrics, best int, curve task.Curve) ([]byte, error) {
	f, err := runCurves(ms, best, curve)
	if err != nil {
		return nil, err
	}
	img := newCanvas(13*vg.Inch, 4.2*vg.Inch)
	f.draw(draw.New(img))
	return encode(img)
}

func runCurves(ms []rundir.Metrics, best int, curve task.Curve) (*figure, error) {
	f, err := curves([]Run{{Metrics: ms, BestEpoch: best, Curve: curve}})
	if err != nil {
		return nil, err
	}
	f.loss.Title.Text, f.acc.Title.Text = "Loss", strings.ToUpper(f.curve.Title[:1])+f.curve.Title[1:]
	lr := newPlot("Learning rate", "epoch", "learning rate")
	lr.X.Tick.Marker = epochTicks{}
	l, err := plotter.NewLine(series(ms, func(m rundir.Metrics) float64 { return m.LR }))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", rundir.MetricsLog, err)
	}
	l.Color, l.Width = Green, vg.Points(1.5)
	lr.Add(l)
	// From 0: a constant rate is a flat line, not noise around a value.
	top := slices.MaxFunc(ms, func(a, b rundir.Metrics) int { return cmpFloat(a.LR, b.LR) }).LR
	lr.Y.Min, lr.Y.Max = 0, 1.1*top
	if top == 0 {
		lr.Y.Max = 1
	}
	if best >= 1 && best <= len(ms) {
		lr.Add(&VLine{X: float64(ms[best-1].Epoch), Style: bestStyle})
	}
	f.more = append(f.more, lr)
	return f, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// epochTicks labels whole epochs only (no "2.5").
type epochTicks struct{}

func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	// The smallest step of 1, 2 or 5 times a power of ten that labels at
	// most 8 epochs.
	step := 1.0
	for p := 1.0; ; p *= 10 {
		if m := slices.IndexFunc([]float64{1, 2, 5}, func(m float64) bool { return (hi-lo)/(m*p) <= 8 }); m >= 0 {
			step = []float64{1, 2, 5}[m] * p
			break
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ts
}

// logTicks labels 1, 2 and 5 times each power of ten in range, with
// unlabelled minor ticks at the other integers, so that a log axis over
// less than two decades still carries readable labels; over less than a
// factor of five, every minor tick is labelled.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		p := math.Pow(10, e)
		for i := 1; i <= 9; i++ {
			v := float64(i) * p
			if v < lo || v > hi {
				continue
			}
			ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 3, 64)})
		}
	}
	major := 0
	for i, t := range ts {
		if d := firstDigit(t.Value); d == 1 || d == 2 || d == 5 {
			major++
		} else if hi/lo > 5 {
			ts[i].Label = ""
		}
	}
	// The highest tick is labelled too when the highest label stands well
	// below it (0.02 and 0.05 labelled on an axis up to 0.095: nothing
	// said what the top of the axis was).
	if top, lab := len(ts)-1, lastLabelled(ts); top >= 0 && lab >= 0 && ts[top].Value > 1.4*ts[lab].Value {
		ts[top].Label = strconv.FormatFloat(ts[top].Value, 'g', 3, 64)
	}
	if len(ts) < 3 || (major < 2 && hi/lo > 5) {
		// A narrow range: finer labels, on the log axis still.
		ts = nil
		for _, t := range plot.DefaultTicks.Ticks(plot.DefaultTicks{}, lo, hi) {
			if t.Value > 0 {
				ts = append(ts, t)
			}
		}
	}
	return ts
}

// lastLabelled is the index of the last tick of ts with a label, -1 for
// none.
func lastLabelled(ts []plot.Tick) int {
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Label != "" {
			return i
		}
	}
	return -1
}

func firstDigit(v float64) int {
	return int(math.Round(v / math.Pow(10, math.Floor(math.Log10(v)+1e-9))))
}
