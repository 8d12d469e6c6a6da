package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/nnfc/nnfc/internal/rundir"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Run is one run's curves.
type Run struct {
	Name    string // shown in the title (one run) or the legend (several)
	Metrics []rundir.Metrics
	// BestEpoch (1-based) is marked on both plots; 0 marks nothing.
	BestEpoch int
}

// Size is the default size of the PNG: two plots side by side.
const (
	Width  = 11 * vg.Inch
	Height = 4.2 * vg.Inch
)

// palette is matplotlib's tab10, the colors readers of training curves
// know.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// Curves builds the loss plot and the accuracy plot of runs.
func Curves(runs []Run) (loss, acc *plot.Plot, err error) {
	f, err := curves(runs)
	if err != nil {
		return nil, nil, err
	}
	return f.loss, f.acc, nil
}

// figure is the two plots and their legend texts (which gonum/plot does
// not expose), for the tests.
type figure struct {
	loss, acc *plot.Plot
	legend    map[*plot.Plot][]string
	ae        bool // the right plot is an autoencoder's MSE, not accuracy
	// side, with several runs, is one legend for both plots, drawn to
	// their right: a color per run and a key to the line styles (its
	// texts are legend[nil]).
	side *plot.Legend
}

func (f *figure) add(p *plot.Plot, name string, th plot.Thumbnailer) {
	if f.side != nil {
		return // several runs: the side legend says it all
	}
	p.Legend.Add(name, th)
	f.legend[p] = append(f.legend[p], name)
}

func (f *figure) addSide(name string, th plot.Thumbnailer) {
	f.side.Add(name, th)
	f.legend[nil] = append(f.legend[nil], name)
}

func curves(runs []Run) (*figure, error) {
	if len(runs) == 0 {
		return nil, errors.New("plots: no run to plot")
	}
	for _, r := range runs {
		if len(r.Metrics) == 0 {
			return nil, fmt.Errorf("plots: run %s has no finished epoch", r.Name)
		}
	}
	loss, acc := plot.New(), plot.New()
	f := &figure{loss: loss, acc: acc, legend: map[*plot.Plot][]string{}}
	multi := len(runs) > 1
	if multi {
		l := plot.NewLegend()
		l.Top, l.Left = true, true
		f.side = &l
	}
	// An autoencoder (model.kind autoencoder) has no accuracy: its right
	// plot is the reconstruction MSE.
	f.ae = runs[0].Metrics[0].ValMSE > 0 || runs[0].Metrics[0].TrainMSE > 0
	trainAcc, valAcc := func(m rundir.Metrics) float64 { return m.TrainAcc }, func(m rundir.Metrics) float64 { return m.ValAcc }
	if f.ae {
		trainAcc, valAcc = func(m rundir.Metrics) float64 { return m.TrainMSE }, func(m rundir.Metrics) float64 { return m.ValMSE }
	}
	title := runs[0].Name
	if len(runs) > 1 {
		title = fmt.Sprintf("%d runs", len(runs))
	}
	loss.Title.Text = title + ": loss"
	acc.Title.Text = title + ": accuracy"
	for _, p := range []*plot.Plot{loss, acc} {
		p.X.Label.Text = "epoch"
		p.X.Tick.Marker = epochTicks{}
		g := plotter.NewGrid()
		g.Vertical.Color = color.Gray{220}
		g.Horizontal.Color = color.Gray{220}
		p.Add(g)
	}
	acc.Y.Label.Text = "accuracy"
	acc.Y.Max = 1
	acc.Legend.Top, acc.Legend.Left = false, false
	if f.ae {
		acc.Title.Text = title + ": reconstruction MSE"
		acc.Y.Label.Text = "MSE per input entry"
		acc.Y.Max = math.Inf(-1) // as plot.New leaves it: the data set it
		acc.Legend.Top = true
	}
	loss.Legend.Top = true

	var all []float64
	showL2 := false
	for _, r := range runs {
		for _, m := range r.Metrics {
			all = append(all, m.DataLoss, m.ValLoss)
			if len(runs) == 1 && m.L2 > 0 {
				all = append(all, m.L2)
				showL2 = true
			}
		}
	}
	// The loss axis, set once every line is added (adding one widens it).
	lo, hi := slices.Min(all), slices.Max(all)
	loss.Y.Label.Text = "data loss"
	if lo > 0 {
		loss.Y.Scale = plot.LogScale{}
		loss.Y.Tick.Marker = logTicks{}
		loss.Y.Label.Text += " (log scale)"
		if !multi {
			hi *= 5 // head room for the legend, top right, above the curves
		}
	} else if r := robustMax(all); r < hi {
		hi = r
		loss.Y.Label.Text += fmt.Sprintf(" (clipped at %.3g)", hi)
	}
	defer func() { loss.Y.Min, loss.Y.Max = lo, hi }()
	if showL2 {
		l, err := plotter.NewLine(series(runs[0].Metrics, func(m rundir.Metrics) float64 { return m.L2 }))
		if err != nil {
			return nil, fmt.Errorf("plots: run %s: %v", runs[0].Name, err)
		}
		l.Color = color.Gray{120}
		l.Width = vg.Points(1)
		l.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
		loss.Add(l)
		f.add(loss, "L2 term", l)
	}

	for i, r := range runs {
		trainColor, valColor := palette[0], palette[1]
		trainName, valName := "train", "val"
		var trainDash []vg.Length
		if len(runs) > 1 {
			trainColor = palette[i%len(palette)]
			valColor = trainColor
			trainDash = []vg.Length{vg.Points(4), vg.Points(3)}
			trainName, valName = r.Name+" train", r.Name+" val"
		}
		for _, s := range []struct {
			p     *plot.Plot
			name  string
			f     func(rundir.Metrics) float64
			color color.Color
			dash  []vg.Length
		}{
			{loss, trainName, func(m rundir.Metrics) float64 { return m.DataLoss }, trainColor, trainDash},
			{loss, valName, func(m rundir.Metrics) float64 { return m.ValLoss }, valColor, nil},
			{acc, trainName + " (subsample)", trainAcc, trainColor, trainDash},
			{acc, valName, valAcc, valColor, nil},
		} {
			l, err := plotter.NewLine(series(r.Metrics, s.f))
			if err != nil {
				return nil, fmt.Errorf("plots: run %s: %v", r.Name, err)
			}
			l.Color = s.color
			l.Width = vg.Points(1.5)
			l.Dashes = s.dash
			s.p.Add(l)
			f.add(s.p, s.name, l)
			if multi && s.p == loss && s.dash == nil {
				f.addSide(r.Name, l)
			}
		}
		if r.BestEpoch >= 1 && r.BestEpoch <= len(r.Metrics) {
			if err := f.markBest(r, valColor, !multi); err != nil {
				return nil, err
			}
		}
	}
	if multi {
		// The key to the styles, in gray.
		gray := color.Gray{90}
		for _, k := range []struct {
			name string
			dash []vg.Length
		}{{"train (dashed)", []vg.Length{vg.Points(4), vg.Points(3)}}, {"validation (solid)", nil}} {
			l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}})
			if err != nil {
				return nil, err
			}
			l.Color, l.Width, l.Dashes = gray, vg.Points(1.5), k.dash
			f.addSide(k.name, l)
		}
		ring, err := plotter.NewScatter(plotter.XYs{{X: 0, Y: 0}})
		if err != nil {
			return nil, err
		}
		ring.Shape, ring.Radius, ring.Color = draw.RingGlyph{}, vg.Points(5), gray
		f.addSide("best epoch", ring)
	}
	return f, nil
}

// markBest rings the best epoch's validation points; with one run it also
// draws a dotted vertical line through both plots.
func (f *figure) markBest(r Run, c color.Color, line bool) error {
	m := r.Metrics[r.BestEpoch-1]
	name := fmt.Sprintf("best epoch %d", m.Epoch)
	if !line {
		name = r.Name + " " + name
	}
	for _, pt := range []struct {
		p *plot.Plot
		y float64
	}{{f.loss, m.ValLoss}, {f.acc, map[bool]float64{false: m.ValAcc, true: m.ValMSE}[f.ae]}} {
		s, err := plotter.NewScatter(plotter.XYs{{X: float64(m.Epoch), Y: pt.y}})
		if err != nil {
			return err
		}
		s.Shape = draw.RingGlyph{}
		s.Radius = vg.Points(5)
		s.Color = c
		pt.p.Add(s)
		if line {
			vl := &vline{x: float64(m.Epoch), style: draw.LineStyle{Color: color.Gray{90}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}}
			pt.p.Add(vl)
		}
		f.add(pt.p, name, s)
	}
	return nil
}

// vline is a vertical line across a plot's data area.
type vline struct {
	x     float64
	style draw.LineStyle
}

func (v *vline) Plot(c draw.Canvas, p *plot.Plot) {
	x := p.X.Norm(v.x)
	pt := c.Min.X + vg.Length(x)*(c.Max.X-c.Min.X)
	c.StrokeLine2(v.style, pt, c.Min.Y, pt, c.Max.Y)
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

// Draw lays the loss and accuracy plots of runs side by side on c.
func Draw(c draw.Canvas, runs []Run) error {
	f, err := curves(runs)
	if err != nil {
		return err
	}
	loss, acc := f.loss, f.acc
	if f.side != nil {
		// The legend's column at the right, as wide as its longest entry.
		w := vg.Length(0)
		for _, n := range f.legend[nil] {
			w = max(w, f.side.TextStyle.Width(n))
		}
		w += f.side.ThumbnailWidth + 8*vg.Millimeter
		f.side.Draw(draw.Crop(c, c.Size().X-w, 0, 0, -12*vg.Millimeter))
		c = draw.Crop(c, 0, -w, 0, 0)
	}
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2,
		PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	cs := plot.Align([][]*plot.Plot{{loss, acc}}, tiles, c)
	loss.Draw(cs[0][0])
	acc.Draw(cs[0][1])
	return nil
}

// WritePNG draws runs (Draw) into a Width × Height PNG.
func WritePNG(w io.Writer, runs []Run) error {
	img := vgimg.New(Width, Height)
	if err := Draw(draw.New(img), runs); err != nil {
		return err
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
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
// less than two decades still carries readable labels.
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
			t := plot.Tick{Value: v}
			if i == 1 || i == 2 || i == 5 {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	labels := 0
	for _, t := range ts {
		if t.Label != "" {
			labels++
		}
	}
	if labels < 2 {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	return ts
}
