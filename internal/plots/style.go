package plots

import (
	"bytes"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// DPI of every PNG: twice a screen's 96 keeps text sharp on high-density
// screens, in print, and when the report scales a picture down to its
// column.
const DPI = 192

// tab10 is matplotlib's tab10: the colours readers of training curves and
// scatter plots know, and kinder to colour-blind readers than pure hues.
var tab10 = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// Colours nnfc's pictures share beyond the class palette.
var (
	Blue   = tab10[0] // training curves
	Orange = tab10[1] // validation curves, the per-class error bars
	Green  = tab10[2] // the learning rate
	gray   = color.Gray{90}
)

// ClassColors returns the colours of n classes: the one class palette of
// every picture that colours by class (decision regions, embedding
// scatter plots). Class c is tab10's colour c for up to ten classes, else
// n hues around the wheel.
func ClassColors(n int) []color.RGBA {
	if n <= len(tab10) {
		return tab10[:n:n]
	}
	out := make([]color.RGBA, n)
	for i, c := range palette.Rainbow(n, palette.Red, palette.Magenta, 0.8, 0.8, 1).Colors() {
		out[i] = color.RGBAModel.Convert(c).(color.RGBA)
	}
	return out
}

// SeriesColor is the colour of the i-th line of a plot of several runs or
// trials: tab10 in order, as the classes.
func SeriesColor(i int) color.RGBA { return tab10[i%len(tab10)] }

// Tint mixes c with white: t = 0 keeps c, 1 is white (the decision
// regions' fill under the points' full colour).
func Tint(c color.Color, t float64) color.RGBA {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8)*(1-t) + 255*t) }
	return color.RGBA{mix(r), mix(g), mix(b), 255}
}

// sequential returns a colour map whose lightness changes monotonically
// with the value (Moreland's luminance interpolation between controls
// given from light to dark): a heat map's reader then orders cells by
// shade alone. Neither end means "zero" or "average", unlike a diverging
// map's white midpoint.
func sequential(lightToDark []color.Color, lo, hi float64) palette.ColorMap {
	rev := make([]color.Color, len(lightToDark))
	for i, c := range lightToDark {
		rev[len(rev)-1-i] = c
	}
	m, err := moreland.NewLuminance(rev)
	if err != nil {
		panic("plots: sequential controls not monotonic in lightness: " + err.Error())
	}
	m.SetMin(lo)
	m.SetMax(hi)
	return palette.Reverse(m)
}

// steps returns n colours of cmap evenly spaced from its Min to its Max,
// for a heat map. (gonum's palette.Reverse(m).Palette(n) leaves the
// middle colour nil for odd n: that cell then stays unpainted.)
func steps(cmap palette.ColorMap, n int) fixedPalette {
	out := make(fixedPalette, n)
	for i := range out {
		v := cmap.Min() + (cmap.Max()-cmap.Min())*float64(i)/float64(n-1)
		c, err := cmap.At(min(v, cmap.Max()))
		if err != nil {
			panic("plots: colour map: " + err.Error())
		}
		out[i] = c
	}
	return out
}

// viridisControls is matplotlib's viridis from yellow (light) to deep
// blue-violet (dark), ten of its 256 colours.
var viridisControls = []color.Color{
	color.RGBA{253, 231, 37, 255}, color.RGBA{181, 222, 43, 255}, color.RGBA{110, 206, 88, 255},
	color.RGBA{53, 183, 121, 255}, color.RGBA{31, 158, 137, 255}, color.RGBA{38, 130, 142, 255},
	color.RGBA{49, 104, 142, 255}, color.RGBA{62, 73, 137, 255}, color.RGBA{72, 40, 120, 255},
	color.RGBA{68, 1, 84, 255},
}

// orRdControls is ColorBrewer's OrRd from almost white to dark red: the
// confusion matrix's mistakes.
var orRdControls = []color.Color{
	color.RGBA{255, 247, 236, 255}, color.RGBA{254, 232, 200, 255}, color.RGBA{253, 212, 158, 255},
	color.RGBA{253, 187, 132, 255}, color.RGBA{252, 141, 89, 255}, color.RGBA{239, 101, 72, 255},
	color.RGBA{215, 48, 31, 255}, color.RGBA{179, 0, 0, 255}, color.RGBA{127, 0, 0, 255},
}

// Lightness is the relative luminance of c in [0, 1] (Rec. 709 weights
// of the sRGB values), for choosing white or black text on a cell.
func Lightness(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

// sansPlot returns a new plot that writes in Liberation Sans, like the
// report around it (gonum's default is the serif face).
func sansPlot() *plot.Plot { return sans(plot.New()) }

// sans sets p's texts in Liberation Sans at the sizes every nnfc picture
// uses.
func sans(p *plot.Plot) *plot.Plot {
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.X.Tick.Label.Font.Size = vg.Points(11)
	p.Y.Tick.Label.Font.Size = vg.Points(11)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	return p
}

// newLegend returns a legend in the pictures' face and size.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font.Variant = "Sans"
	l.TextStyle.Font.Size = vg.Points(11)
	l.Top, l.Left = true, true
	l.Padding = vg.Points(4)
	return l
}

// newPlot returns a titled sans plot with axis labels and a light grid.
func newPlot(title, x, y string) *plot.Plot {
	p := sansPlot()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{220}
	g.Horizontal.Color = color.Gray{220}
	p.Add(g)
	return p
}

// newCanvas returns a w×h image canvas at DPI.
func newCanvas(w, h vg.Length) *vgimg.Canvas {
	return vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
}

// encode returns the PNG bytes of img.
func encode(img *vgimg.Canvas) ([]byte, error) {
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// tiles draws plots in a grid (rows of plots) on dc.
func tiles(dc draw.Canvas, rows [][]*plot.Plot) [][]draw.Canvas {
	pad := vg.Millimeter * 3
	t := draw.Tiles{Rows: len(rows), Cols: len(rows[0]), PadX: 2 * pad, PadY: 2 * pad, PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad}
	cs := plot.Align(rows, t, dc)
	for i, row := range rows {
		for j, p := range row {
			p.Draw(cs[i][j])
		}
	}
	return cs
}

// render draws plots in a grid into a w×h PNG.
func render(w, h vg.Length, rows [][]*plot.Plot) ([]byte, error) {
	img := newCanvas(w, h)
	tiles(draw.New(img), rows)
	return encode(img)
}

// legendWidth is the width l needs for its longest entry.
func legendWidth(l *plot.Legend, names []string) vg.Length {
	w := vg.Length(0)
	for _, n := range names {
		w = max(w, l.TextStyle.Width(" "+n))
	}
	return w + l.ThumbnailWidth
}

// niceTicks labels every multiple of the step 1, 2 or 5 times a power of
// ten that gives 4 to 10 labels (gonum's default labels as few as two).
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	p := math.Pow(10, math.Floor(math.Log10(hi-lo)))
	step := p
	for _, m := range []float64{0.1, 0.2, 0.5, 1, 2, 5} {
		if (hi-lo)/(m*p) <= 10 {
			step = m * p
			break
		}
	}
	var ts []plot.Tick
	// Labels rounded to the step's decimals: 3·0.1 is 0.30000000000000004.
	scale := math.Pow(10, max(0, -math.Floor(math.Log10(step)+1e-9)))
	for i := math.Ceil(lo / step); i*step <= hi*(1+1e-12); i++ {
		v := i * step
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(math.Round(v*scale)/scale+0, 'f', -1, 64)})
	}
	return ts
}

// fixedPalette is a palette.Palette of given colours.
type fixedPalette []color.Color

func (f fixedPalette) Colors() []color.Color { return f }
