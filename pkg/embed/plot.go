package embed

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
	"gonum.org/v1/plot/vg/vgimg"
)

// palette is matplotlib's tab10 (colour-blind-friendlier than pure
// hues); classes beyond ten reuse it with another glyph shape.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PlusGlyph{}}

// ScatterOptions label the picture.
type ScatterOptions struct {
	Title, XLabel, YLabel string
	// ClassNames name the legend's entries; nil: "class 0", "class 1", ...
	ClassNames []string
}

// WriteScatter draws the 2-D points (the first two columns of x, one row
// per point) coloured by label, with a legend of the classes to the right
// of the plot, as a PNG. Points are drawn in a shuffled order (fixed
// seed) with translucent glyphs, so that no class is hidden under the
// classes drawn after it.
func WriteScatter(w io.Writer, x mat.Matrix, y []int32, o ScatterOptions) error {
	n, _ := x.Dims()
	classes := 0
	for _, l := range y {
		classes = max(classes, int(l)+1)
	}
	style := func(c int) draw.GlyphStyle {
		col := palette[c%len(palette)]
		translucent := color.NRGBA{R: col.R, G: col.G, B: col.B, A: 170} // not premultiplied
		return draw.GlyphStyle{Color: translucent, Radius: vg.Points(2.2), Shape: shapes[(c/len(palette))%len(shapes)]}
	}
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	xy := make(plotter.XYs, n)
	for k, i := range order {
		xy[k] = plotter.XY{X: x.At(i, 0), Y: x.At(i, 1)}
	}
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return fmt.Errorf("embed: scatter: %v", err)
	}
	sc.GlyphStyleFunc = func(k int) draw.GlyphStyle { return style(int(y[order[k]])) }
	p := plot.New()
	p.Title.Text = o.Title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.Padding = vg.Points(6)
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text = o.XLabel
	p.Y.Label.Text = o.YLabel
	p.Add(plotter.NewGrid(), sc)
	// 3% margins: glyphs at the extremes stay whole inside the axes.
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		pad := 0.03 * (ax.Max - ax.Min)
		ax.Min, ax.Max = ax.Min-pad, ax.Max+pad
	}

	leg := plot.NewLegend()
	leg.Top = true
	leg.Left = true
	leg.TextStyle.Font.Size = vg.Points(12)
	for c := range classes {
		name := fmt.Sprintf("class %d", c)
		if c < len(o.ClassNames) {
			name = o.ClassNames[c]
		}
		thumb, _ := plotter.NewScatter(plotter.XYs{})
		st := style(c)
		st.Radius = vg.Points(3.5)
		st.Color = palette[c%len(palette)] // opaque in the legend
		thumb.GlyphStyle = st
		leg.Add(name, thumb)
	}
	const width, height, legendW = 8 * vg.Inch, 6.5 * vg.Inch, 1.1 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(110))
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, 0, -legendW, 0, 0))
	legArea := draw.Crop(dc, width-legendW+vg.Millimeter*2, 0, 0, -vg.Millimeter*14)
	leg.Draw(legArea)
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}
