package sweep

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/nnfc/nnfc/internal/atomicfile"
)

// ErrNoPlot is returned by Plot when fewer than two numeric keys were
// searched or no trial finished an epoch.
var ErrNoPlot = errors.New("nothing to plot")

// PlotAxes picks the two searched keys the plot shows: optimizer.lr and
// model.reg when both were searched, else the first two numeric ones.
func PlotAxes(tab *Table) (x, y string, ok bool) {
	var numeric []string
	for _, k := range tab.Keys {
		if numericKey(tab, k) {
			numeric = append(numeric, k)
		}
	}
	if slices.Contains(numeric, "optimizer.lr") && slices.Contains(numeric, "model.reg") {
		return "optimizer.lr", "model.reg", true
	}
	if len(numeric) < 2 {
		return "", "", false
	}
	return numeric[0], numeric[1], true
}

func numericKey(tab *Table, k string) bool {
	for _, t := range tab.Trials {
		if _, ok := paramFloat(t.Params, k); !ok {
			return false
		}
	}
	return len(tab.Trials) > 0
}

func paramFloat(ps []Param, k string) (float64, bool) {
	for _, p := range ps {
		if p.Key == k {
			switch v := p.Value.(type) {
			case float64:
				return v, true
			case int:
				return float64(v), true
			}
		}
	}
	return 0, false
}

// Plot draws the search as a PNG into path, like the course's plot of its
// learning rate × regularization search: with a grid, a heat map of the
// best validation accuracy of each (x, y) cell (the best over the other
// searched keys, printed in the cell); with random values, a scatter of
// the trials on log axes colored by validation accuracy.
func Plot(tab *Table, path string) error {
	xk, yk, ok := PlotAxes(tab)
	if !ok || tab.Best == nil {
		return ErrNoPlot
	}
	type pt struct{ x, y, acc float64 }
	var pts []pt
	for _, t := range tab.Trials {
		if t.Epochs == 0 || math.IsNaN(t.BestValAcc) {
			continue
		}
		x, _ := paramFloat(t.Params, xk)
		y, _ := paramFloat(t.Params, yk)
		pts = append(pts, pt{x, y, t.BestValAcc})
	}
	xs, ys := distinct(tab, xk), distinct(tab, yk)
	grid := len(xs)*len(ys) <= 400 && len(xs)*len(ys) <= 4*len(tab.Trials)
	var g *accGrid
	lo, hi := math.Inf(1), math.Inf(-1)
	if grid {
		// One cell per (x, y) pair, the best accuracy in it.
		g = &accGrid{z: make([]float64, len(xs)*len(ys)), nx: len(xs)}
		for i := range g.z {
			g.z[i] = math.NaN()
		}
		for _, q := range pts {
			c, r := slices.Index(xs, q.x), slices.Index(ys, q.y)
			if i := r*len(xs) + c; math.IsNaN(g.z[i]) || q.acc > g.z[i] {
				g.z[i] = q.acc
			}
		}
		for _, z := range g.z {
			if !math.IsNaN(z) {
				lo, hi = min(lo, z), max(hi, z)
			}
		}
	} else {
		for _, p := range pts {
			lo, hi = min(lo, p.acc), max(hi, p.acc)
		}
	}
	if hi-lo < 1e-6 {
		lo, hi = lo-0.005, hi+0.005
	}
	cmap := moreland.SmoothBlueRed()
	cmap.SetMin(lo)
	cmap.SetMax(hi)

	others := len(tab.Keys) > 2
	p := plot.New()
	p.Title.Text = fmt.Sprintf("sweep %s: best validation accuracy", tab.Name)
	switch {
	case !grid:
		p.Title.Text = fmt.Sprintf("sweep %s: best validation accuracy of each trial", tab.Name)
	case others:
		p.Title.Text += " (best over the other keys)"
	}
	p.X.Label.Text = xk
	p.Y.Label.Text = yk

	if grid {
		hm := plotter.NewHeatMap(g, cmap.Palette(255))
		hm.Min, hm.Max = lo, hi
		hm.NaN = color.Gray{Y: 230}
		p.Add(hm)
		var lab plotter.XYLabels
		for r := range ys {
			for c := range xs {
				z := g.z[r*len(xs)+c]
				if math.IsNaN(z) {
					continue
				}
				lab.XYs = append(lab.XYs, plotter.XY{X: float64(c), Y: float64(r)})
				lab.Labels = append(lab.Labels, fmt.Sprintf("%.2f%%", 100*z))
			}
		}
		if len(lab.XYs) > 0 {
			l, err := plotter.NewLabels(lab)
			if err != nil {
				return err
			}
			for i := range l.TextStyle {
				l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
				l.TextStyle[i].Font.Size = vg.Points(9)
				z := g.z[int(lab.XYs[i].Y)*len(xs)+int(lab.XYs[i].X)]
				// White text on dark cells, black on light ones.
				if c, err := cmap.At(z); err == nil {
					r, g, b, _ := c.RGBA()
					if 0.299*float64(r)+0.587*float64(g)+0.114*float64(b) < 0.55*0xffff {
						l.TextStyle[i].Color = color.White
					}
				}
			}
			p.Add(l)
		}
		p.X.Tick.Marker = categoryTicks(xs)
		p.Y.Tick.Marker = categoryTicks(ys)
		p.X.Min, p.X.Max = -0.5, float64(len(xs))-0.5
		p.Y.Min, p.Y.Max = -0.5, float64(len(ys))-0.5
	} else {
		var xy plotter.XYs
		for _, q := range pts {
			xy = append(xy, plotter.XY{X: q.x, Y: q.y})
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
			c, err := cmap.At(pts[i].acc)
			if err != nil {
				c = color.Black
			}
			return draw.GlyphStyle{Color: c, Radius: vg.Points(5), Shape: draw.CircleGlyph{}}
		}
		p.Add(sc)
		// Axes with a margin, so that no marker is cut at the edge.
		pad := func(ax *plot.Axis, vs []float64) {
			lo, hi := vs[0], vs[len(vs)-1]
			if logAxis(vs) {
				ax.Scale, ax.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
				f := math.Pow(hi/lo, 0.05)
				ax.Min, ax.Max = lo/f, hi*f
				return
			}
			m := 0.05 * (hi - lo)
			if m == 0 {
				m = 0.5 * math.Max(math.Abs(lo), 1)
			}
			ax.Min, ax.Max = lo-m, hi+m
		}
		pad(&p.X, xs)
		pad(&p.Y, ys)
	}

	bar := plot.New()
	bar.Title.Text = "val acc"
	bar.HideX()
	bar.Y.Tick.Marker = percentTicks{}
	bar.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	const w, h = 8 * vg.Inch, 5 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	main := draw.Crop(dc, 0.05*vg.Inch, -1.3*vg.Inch, 0.05*vg.Inch, -0.1*vg.Inch)
	side := draw.Crop(dc, w-1.2*vg.Inch, -0.1*vg.Inch, 0.45*vg.Inch, -0.4*vg.Inch)
	p.Draw(main)
	bar.Draw(side)
	return atomicfile.Write(path, 0o644, func(wr io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(wr)
		return err
	})
}

func distinct(tab *Table, k string) []float64 {
	var out []float64
	for _, t := range tab.Trials {
		v, _ := paramFloat(t.Params, k)
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

func logAxis(vs []float64) bool {
	return len(vs) > 1 && vs[0] > 0 && vs[len(vs)-1]/vs[0] >= 20
}

type accGrid struct {
	z  []float64
	nx int
}

func (g *accGrid) Dims() (int, int)   { return g.nx, len(g.z) / g.nx }
func (g *accGrid) Z(c, r int) float64 { return g.z[r*g.nx+c] }
func (g *accGrid) X(c int) float64    { return float64(c) }
func (g *accGrid) Y(r int) float64    { return float64(r) }

// categoryTicks labels the grid's columns (or rows) with the values.
type categoryTicks []float64

func (t categoryTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for i, v := range t {
		out = append(out, plot.Tick{Value: float64(i), Label: FormatValue(v)})
	}
	return out
}

type percentTicks struct{}

func (percentTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = fmt.Sprintf("%.1f%%", 100*ts[i].Value)
		}
	}
	return ts
}
