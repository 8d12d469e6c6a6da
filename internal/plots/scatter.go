package plots

import (
	"fmt"
	"image/color"
	"io"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// shapes tell classes beyond ten apart when their hues come close.
var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PlusGlyph{}}

// ScatterOptions label an embedding's scatter plot.
type ScatterOptions struct {
	Title, XLabel, YLabel string
	// ClassNames name the legend's entries; nil: "class 0", "class 1", ...
	ClassNames []string
}

// Size of the scatter plot: shown one to a row in the report.
const (
	scatterW, scatterH, scatterLegendW = 9 * vg.Inch, 7 * vg.Inch, 1.7 * vg.Inch
)

// WriteScatter draws 2-D points (the first two columns of x, one row per
// point) coloured by label in the class palette, with a legend of the
// classes to the right of the plot, as a PNG. Points are drawn in a
// shuffled order (fixed seed) with translucent glyphs, so that no class
// is hidden under the classes drawn after it.
func WriteScatter(w io.Writer, x mat.Matrix, y []int32, o ScatterOptions) error {
	n, _ := x.Dims()
	classes := 0
	for _, l := range y {
		classes = max(classes, int(l)+1)
	}
	classes = max(classes, len(o.ClassNames))
	cols := ClassColors(classes)
	style := func(c int) draw.GlyphStyle {
		col := cols[c]
		translucent := color.NRGBA{R: col.R, G: col.G, B: col.B, A: 170} // not premultiplied
		return draw.GlyphStyle{Color: translucent, Radius: vg.Points(2.4), Shape: shapes[(c/len(tab10))%len(shapes)]}
	}
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	xy := make(plotter.XYs, n)
	for k, i := range order {
		xy[k] = plotter.XY{X: x.At(i, 0), Y: x.At(i, 1)}
	}
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return fmt.Errorf("plots: scatter: %v", err)
	}
	sc.GlyphStyleFunc = func(k int) draw.GlyphStyle { return style(int(y[order[k]])) }
	p := newPlot(o.Title, o.XLabel, o.YLabel)
	p.Title.Padding = vg.Points(6)
	p.Add(sc)
	// 3% margins: glyphs at the extremes stay whole inside the axes.
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		pad := 0.03 * (ax.Max - ax.Min)
		ax.Min, ax.Max = ax.Min-pad, ax.Max+pad
	}
	leg := newLegend()
	leg.TextStyle.Font.Size = vg.Points(12)
	for c := range classes {
		name := fmt.Sprintf("class %d", c)
		if c < len(o.ClassNames) {
			name = o.ClassNames[c]
		}
		thumb, _ := plotter.NewScatter(plotter.XYs{})
		st := style(c)
		st.Radius = vg.Points(4)
		st.Color = cols[c] // opaque in the legend
		thumb.GlyphStyle = st
		leg.Add(name, thumb)
	}
	b, err := withSideLegend(p, &leg, scatterW, scatterH, scatterLegendW)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
