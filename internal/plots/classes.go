package plots

import (
	"fmt"

	"image/color"
	"math"

	xfont "golang.org/x/image/font"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// confusion is the confusion matrix picture's colouring: the diagonal
// (hits) in one neutral grey, set apart from the mistakes' scale; the
// mistakes on a sequential scale from almost white (one mistake is a pale
// cell) to dark red (the most frequent confusion).
type confusion struct {
	conf   [][]int
	maxOff int
	cmap   palette.ColorMap
}

// diagColor fills the diagonal: outside the mistakes' scale.
var diagColor = color.RGBA{200, 205, 212, 255}

func newConfusion(conf [][]int) *confusion {
	c := &confusion{conf: conf}
	for i, row := range conf {
		for j, v := range row {
			if i != j {
				c.maxOff = max(c.maxOff, v)
			}
		}
	}
	// The scale starts at 0 so that one mistake among none is the
	// second-palest step, not the darkest.
	c.cmap = sequential(orRdControls, 0, float64(max(c.maxOff, 1)))
	return c
}

// cell is the fill of the cell at true class i, predicted j; nil for an
// empty off-diagonal cell (white, the page).
func (c *confusion) cell(i, j int) color.Color {
	v := c.conf[i][j]
	if i == j {
		return diagColor
	}
	if v == 0 {
		return nil
	}
	col, err := c.cmap.At(float64(v))
	if err != nil {
		return color.Black
	}
	return col
}

// Dims, Z, X and Y make the matrix a plotter.GridXYZ: column j is the
// predicted class, row r the true class C-1-r (true class 0 on top); Z is
// the mistakes' count, NaN on the diagonal and at 0.
func (c *confusion) Dims() (int, int) { return len(c.conf), len(c.conf) }
func (c *confusion) Z(j, r int) float64 {
	i := len(c.conf) - 1 - r
	if i == j || c.conf[i][j] == 0 {
		return math.NaN()
	}
	return float64(c.conf[i][j])
}
func (c *confusion) X(j int) float64 { return float64(j) }
func (c *confusion) Y(r int) float64 { return float64(r) }

// Confusion draws the confusion matrix (rows the true class, columns the
// predicted one) with the count in every non-empty cell: the diagonal in
// grey with its count in bold, the mistakes on a sequential scale whose
// colour bar stands to the right, as a PNG.
func Confusion(conf [][]int, names []string) ([]byte, error) {
	n := len(conf)
	cf := newConfusion(conf)
	p := sansPlot()
	p.Title.Text = "Confusion matrix (counts)"
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	// The diagonal: a heat map of one colour.
	diag := diagGrid(n)
	dh := plotter.NewHeatMap(diag, fixedPalette{diagColor})
	dh.Min, dh.Max, dh.NaN = 0, 1, color.Transparent
	hm := plotter.NewHeatMap(cf, steps(cf.cmap, 255))
	hm.Min, hm.Max, hm.NaN = cf.cmap.Min(), cf.cmap.Max(), color.Transparent
	p.Add(dh, hm)

	var xyl plotter.XYLabels
	var styles []text.Style
	base := p.X.Tick.Label
	base.Font.Size = vg.Points(max(6, 11-float64(n)/4))
	base.XAlign, base.YAlign = draw.XCenter, draw.YCenter
	for r := range n {
		i := n - 1 - r
		for j := range n {
			v := conf[i][j]
			if v == 0 {
				continue
			}
			xyl.XYs = append(xyl.XYs, plotter.XY{X: float64(j), Y: float64(r)})
			xyl.Labels = append(xyl.Labels, fmt.Sprint(v))
			s := base
			if i == j {
				s.Font.Weight = xfont.WeightBold
			} else if Lightness(cf.cell(i, j)) < 0.45 {
				s.Color = color.White
			}
			styles = append(styles, s)
		}
	}
	labels, err := plotter.NewLabels(xyl)
	if err != nil {
		return nil, err
	}
	labels.TextStyle = styles
	p.Add(labels)
	var xt, yt []plot.Tick
	for k := range n {
		xt = append(xt, plot.Tick{Value: float64(k), Label: names[k]})
		yt = append(yt, plot.Tick{Value: float64(n - 1 - k), Label: names[k]})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5, -0.5, float64(n)-0.5
	p.X.Padding, p.Y.Padding = 0, 0

	bar := colorBar(cf.cmap, "mistakes", countTicks{})
	const w, h = 6.6 * vg.Inch, 6.2 * vg.Inch
	img := newCanvas(w, h)
	dc := draw.New(img)
	barW := 1.05 * vg.Inch
	p.Draw(draw.Crop(dc, 2*vg.Millimeter, -barW, 2*vg.Millimeter, -2*vg.Millimeter))
	bar.Draw(draw.Crop(dc, w-barW+2*vg.Millimeter, -2*vg.Millimeter, 0.75*vg.Inch, -0.35*vg.Inch))
	return encode(img)
}

// diagGrid is 1 on the diagonal of an n×n matrix drawn as Confusion
// draws it, NaN elsewhere.
type diagGrid int

func (d diagGrid) Dims() (int, int) { return int(d), int(d) }
func (d diagGrid) Z(j, r int) float64 {
	if j == int(d)-1-r {
		return 1
	}
	return math.NaN()
}
func (d diagGrid) X(j int) float64 { return float64(j) }
func (d diagGrid) Y(r int) float64 { return float64(r) }

// colorBar is a vertical colour bar of cmap, titled.
func colorBar(cmap palette.ColorMap, title string, ticks plot.Ticker) *plot.Plot {
	bar := sansPlot()
	bar.Title.Text = title
	bar.Title.TextStyle.Font.Size = vg.Points(11)
	bar.HideX()
	bar.Y.Tick.Marker = ticks
	bar.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	return bar
}

// countTicks labels whole counts only.
type countTicks struct{}

func (countTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (niceTicks{}).Ticks(lo, hi) {
		if t.Value == math.Trunc(t.Value) {
			out = append(out, t)
		}
	}
	return out
}

// PerClassError draws each class's error rate (percent of the class's
// samples) as bars, as a PNG.
func PerClassError(names []string, errPct []float64) ([]byte, error) {
	p := newPlot("Per-class error", "true class", "error (% of the class's samples)")
	w := vg.Points(max(8, 220/float64(len(names))))
	bars, err := plotter.NewBarChart(plotter.Values(errPct), w)
	if err != nil {
		return nil, err
	}
	bars.Color, bars.LineStyle.Width = Orange, 0
	p.Add(bars)
	p.NominalX(names...)
	p.Y.Tick.Marker = niceTicks{}
	p.Y.Min = 0
	if p.Y.Max == 0 {
		p.Y.Max = 1
	}
	p.Y.Max *= 1.08
	return render(6.2*vg.Inch, 4.2*vg.Inch, [][]*plot.Plot{{p}})
}
