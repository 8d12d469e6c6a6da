package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Search is a sweep's search over two keys, drawn by SearchPNG: with a
// grid (Z set), a heat map of one value per (x, y) cell; with random
// values (Points set), a scatter of the trials. Values are validation
// accuracies in [0, 1], on a sequential scale (light low, dark high).
type Search struct {
	Title, XKey, YKey string
	XS, YS            []float64 // sorted distinct values of the keys
	// Z is the grid's cells, row r (YS[r]) after row: the best accuracy
	// of the cell, NaN where no trial finished an epoch.
	Z      []float64
	Points []SearchPoint // without a grid
	// Format labels a key's value (a grid's ticks).
	Format func(float64) string
}

// SearchPoint is one trial of a random search.
type SearchPoint struct{ X, Y, Acc float64 }

// searchMap is the accuracy scale of SearchPNG.
func searchMap(lo, hi float64) palette.ColorMap {
	if hi-lo < 1e-6 {
		lo, hi = lo-0.005, hi+0.005
	}
	return sequential(viridisControls, lo, hi)
}

// SearchPNG draws s, its colour bar to the right, as an 8×5-inch PNG.
func SearchPNG(s Search) ([]byte, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, z := range s.Z {
		if !math.IsNaN(z) {
			lo, hi = min(lo, z), max(hi, z)
		}
	}
	for _, p := range s.Points {
		lo, hi = min(lo, p.Acc), max(hi, p.Acc)
	}
	if math.IsInf(lo, 1) {
		return nil, fmt.Errorf("plots: search %q: no value to draw", s.Title)
	}
	cmap := searchMap(lo, hi)
	p := sansPlot()
	p.Title.Text = s.Title
	p.X.Label.Text, p.Y.Label.Text = s.XKey, s.YKey
	if s.Z != nil {
		nx := len(s.XS)
		g := searchGrid{z: s.Z, nx: nx}
		hm := plotter.NewHeatMap(g, steps(cmap, 255))
		hm.Min, hm.Max = cmap.Min(), cmap.Max()
		hm.NaN = color.Gray{Y: 235}
		p.Add(hm)
		var lab plotter.XYLabels
		var light []bool
		for r := range s.YS {
			for c := range s.XS {
				z := s.Z[r*nx+c]
				if math.IsNaN(z) {
					continue
				}
				lab.XYs = append(lab.XYs, plotter.XY{X: float64(c), Y: float64(r)})
				lab.Labels = append(lab.Labels, fmt.Sprintf("%.2f%%", 100*z))
				col, err := cmap.At(z)
				light = append(light, err == nil && Lightness(col) > 0.45)
			}
		}
		if len(lab.XYs) > 0 {
			l, err := plotter.NewLabels(lab)
			if err != nil {
				return nil, err
			}
			for i := range l.TextStyle {
				l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
				l.TextStyle[i].Font.Size = vg.Points(10)
				l.TextStyle[i].Font.Variant = "Sans"
				if !light[i] {
					l.TextStyle[i].Color = color.White
				}
			}
			p.Add(l)
		}
		p.X.Tick.Marker = categoryTicks{s.XS, s.Format}
		p.Y.Tick.Marker = categoryTicks{s.YS, s.Format}
		p.X.Min, p.X.Max = -0.5, float64(len(s.XS))-0.5
		p.Y.Min, p.Y.Max = -0.5, float64(len(s.YS))-0.5
	} else {
		xy := make(plotter.XYs, len(s.Points))
		for i, q := range s.Points {
			xy[i] = plotter.XY{X: q.X, Y: q.Y}
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
			c, err := cmap.At(s.Points[i].Acc)
			if err != nil {
				c = color.Black
			}
			return draw.GlyphStyle{Color: c, Radius: vg.Points(5), Shape: draw.CircleGlyph{}}
		}
		p.Add(sc)
		// Axes with a margin, so that no marker is cut at the edge.
		pad := func(ax *plot.Axis, vs []float64) {
			lo, hi := vs[0], vs[len(vs)-1]
			if len(vs) > 1 && lo > 0 && hi/lo >= 20 {
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
		pad(&p.X, s.XS)
		pad(&p.Y, s.YS)
	}
	bar := colorBar(cmap, "val acc", percentTicks{})
	const w, h = 8 * vg.Inch, 5 * vg.Inch
	img := newCanvas(w, h)
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, 0.05*vg.Inch, -1.3*vg.Inch, 0.05*vg.Inch, -0.1*vg.Inch))
	bar.Draw(draw.Crop(dc, w-1.2*vg.Inch, -0.1*vg.Inch, 0.45*vg.Inch, -0.4*vg.Inch))
	return encode(img)
}

type searchGrid struct {
	z  []float64
	nx int
}

func (g searchGrid) Dims() (int, int)   { return g.nx, len(g.z) / g.nx }
func (g searchGrid) Z(c, r int) float64 { return g.z[r*g.nx+c] }
func (g searchGrid) X(c int) float64    { return float64(c) }
func (g searchGrid) Y(r int) float64    { return float64(r) }

// categoryTicks labels a grid's columns (or rows) with their values.
type categoryTicks struct {
	vs     []float64
	format func(float64) string
}

func (t categoryTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for i, v := range t.vs {
		l := fmt.Sprint(v)
		if t.format != nil {
			l = t.format(v)
		}
		out = append(out, plot.Tick{Value: float64(i), Label: l})
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
