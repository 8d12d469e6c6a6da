package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// dpi of the PNGs: twice a screen's 96 keeps text sharp on high-density
// screens and in print; the page scales them to its width.
const dpi = 192

var (
	blue   = color.RGBA{31, 119, 180, 255}
	orange = color.RGBA{255, 127, 14, 255}
	green  = color.RGBA{44, 160, 44, 255}
	grey   = color.RGBA{110, 110, 110, 255}
)

// render draws plots in a grid of tiles (rows of plots) into a w×h PNG and
// returns its data URI.
func render(w, h vg.Length, rows [][]*plot.Plot) (template.URL, error) {
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	pad := vg.Millimeter * 3
	tiles := draw.Tiles{Rows: len(rows), Cols: len(rows[0]), PadX: 2 * pad, PadY: 2 * pad, PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad}
	canvases := plot.Align(rows, tiles, dc)
	for i, row := range rows {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
	return encodePNG(img)
}

func encodePNG(img *vgimg.Canvas) (template.URL, error) {
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return "", err
	}
	return pngURI(b.Bytes()), nil
}

func pngURI(b []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
}

func isPNG(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }

// sansPlot returns a new plot that writes in Liberation Sans, like the
// page around it (gonum's default is the serif face).
func sansPlot() *plot.Plot { return sans(plot.New()) }

// sans sets p's texts in Liberation Sans at the page's sizes.
func sans(p *plot.Plot) *plot.Plot {
	p.Title.TextStyle.Font.Size = vg.Points(13)
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.X.Tick.Label.Font.Size = vg.Points(11)
	p.Y.Tick.Label.Font.Size = vg.Points(11)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	return p
}

// newPlot returns a titled plot with axis labels and a grid.
func newPlot(title, x, y string) *plot.Plot {
	p := sansPlot()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	return p
}

// curvesPlot draws the loss and accuracy curves of the shared plots
// package (best epoch marked) and, beside them, the learning rate.
func curvesPlot(ms []rundir.Metrics, best int) (template.URL, error) {
	loss, acc, err := plots.Curves([]plots.Run{{Metrics: ms, BestEpoch: best}})
	if err != nil {
		return "", err
	}
	loss.Title.Text, acc.Title.Text = "Loss", "Accuracy"
	lr := newPlot("Learning rate", "epoch", "learning rate")
	lr.X.Tick.Marker = loss.X.Tick.Marker // whole epochs
	xy := make(plotter.XYs, len(ms))
	top := 0.0
	for i, m := range ms {
		xy[i] = plotter.XY{X: float64(m.Epoch), Y: m.LR}
		top = math.Max(top, m.LR)
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return "", fmt.Errorf("%s: %v", rundir.MetricsLog, err)
	}
	l.Color, l.Width = green, vg.Points(1.5)
	lr.Add(l)
	// From 0: a constant rate is a flat line, not noise around a value.
	lr.Y.Min, lr.Y.Max = 0, 1.15*top
	if top == 0 {
		lr.Y.Max = 1
	}
	b, _ := plotter.NewLine(plotter.XYs{{X: float64(best), Y: 0}, {X: float64(best), Y: lr.Y.Max}})
	b.Color, b.Width, b.Dashes = color.Gray{90}, vg.Points(1), []vg.Length{vg.Points(2), vg.Points(2)}
	lr.Add(b)
	lr.Legend.Add(fmt.Sprintf("best epoch %d", best), b)
	lr.Legend.Top, lr.Legend.Left = false, false
	for _, p := range []*plot.Plot{loss, acc} {
		sans(p)
	}
	return render(13*vg.Inch, 4.2*vg.Inch, [][]*plot.Plot{{loss, acc, lr}})
}

// padRange widens [lo, hi] by 5% each way (by 1% of the value when the
// range is a single value), so no curve lies on a frame.
func padRange(lo, hi float64) (float64, float64) {
	d := 0.05 * (hi - lo)
	if d == 0 {
		d = 0.01*math.Abs(lo) + 1e-9
	}
	return lo - d, hi + d
}

// confGrid is the confusion matrix as a plotter.GridXYZ: column c is the
// predicted class, row r the true class C-1-r (true class 0 on top). z
// selects the cells a heat map colors.
type confGrid struct {
	conf [][]int
	z    func(i, j int) float64
}

func (g confGrid) Dims() (int, int)   { return len(g.conf), len(g.conf) }
func (g confGrid) Z(c, r int) float64 { return g.z(len(g.conf)-1-r, c) }
func (g confGrid) X(c int) float64    { return float64(c) }
func (g confGrid) Y(r int) float64    { return float64(r) }
func (g confGrid) trueAt(r int) int   { return len(g.conf) - 1 - r }
func (g confGrid) rowTotal(i int) (n int) {
	for _, v := range g.conf[i] {
		n += v
	}
	return n
}

// confusionPlot draws the confusion matrix as a heat map with the count in
// every non-empty cell: the diagonal in blues by the share of the class it
// got right, the mistakes in reds by the logarithm of their count, so a
// handful of errors still shows next to thousands of hits.
func confusionPlot(conf [][]int, names []string) (template.URL, error) {
	c := len(conf)
	maxOff := 0
	for i, row := range conf {
		for j, v := range row {
			if i != j {
				maxOff = max(maxOff, v)
			}
		}
	}
	g := confGrid{conf: conf}
	blues, _ := brewer.GetPalette(brewer.TypeSequential, "Blues", 9)
	reds, _ := brewer.GetPalette(brewer.TypeSequential, "Reds", 9)
	diag := g
	diag.z = func(i, j int) float64 {
		if i != j || g.rowTotal(i) == 0 {
			return math.NaN()
		}
		return float64(conf[i][j]) / float64(g.rowTotal(i))
	}
	off := g
	off.z = func(i, j int) float64 {
		if i == j || conf[i][j] == 0 {
			return math.NaN()
		}
		return math.Log1p(float64(conf[i][j])) / math.Log1p(float64(maxOff))
	}
	p := sansPlot()
	p.Title.Text = "Confusion matrix (counts)"
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	for _, h := range []struct {
		g       confGrid
		pal     palette.Palette
		min     float64
		dropLow int // skip the palette's palest colors: they vanish on white
	}{{diag, blues, 0, 2}, {off, reds, 0, 2}} {
		cols := h.pal.Colors()[h.dropLow:]
		hm := plotter.NewHeatMap(h.g, fixedPalette(cols))
		hm.Min, hm.Max = h.min, 1
		hm.NaN = color.Transparent
		hm.Underflow = cols[0]
		p.Add(hm)
	}
	// The counts, white on dark cells.
	var xyl plotter.XYLabels
	var styles []text.Style
	base := p.X.Tick.Label
	base.Font.Size = vg.Points(max(6, 11-float64(c)/4))
	base.XAlign, base.YAlign = draw.XCenter, draw.YCenter
	for r := 0; r < c; r++ {
		i := g.trueAt(r)
		for j := 0; j < c; j++ {
			v := conf[i][j]
			if v == 0 {
				continue
			}
			xyl.XYs = append(xyl.XYs, plotter.XY{X: float64(j), Y: float64(r)})
			xyl.Labels = append(xyl.Labels, fmt.Sprint(v))
			s := base
			z := diag.Z(j, r)
			if i != j {
				z = off.Z(j, r)
			}
			if z > 0.55 {
				s.Color = color.White
			}
			styles = append(styles, s)
		}
	}
	labels, err := plotter.NewLabels(xyl)
	if err != nil {
		return "", err
	}
	labels.TextStyle = styles
	p.Add(labels)
	var xt, yt []plot.Tick
	for k := 0; k < c; k++ {
		xt = append(xt, plot.Tick{Value: float64(k), Label: names[k]})
		yt = append(yt, plot.Tick{Value: float64(c - 1 - k), Label: names[k]})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, float64(c)-0.5, -0.5, float64(c)-0.5
	p.X.Padding, p.Y.Padding = 0, 0
	side := 6.2 * vg.Inch
	return render(side, side, [][]*plot.Plot{{p}})
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
	for i := math.Ceil(lo / step); i*step <= hi*(1+1e-12); i++ {
		v := i * step
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ts
}

// fixedPalette is a palette.Palette of given colors.
type fixedPalette []color.Color

func (f fixedPalette) Colors() []color.Color { return f }

// perClassPlot draws every class's error rate on the test split.
func perClassPlot(rows []ClassRow) (template.URL, error) {
	vals := make(plotter.Values, len(rows))
	names := make([]string, len(rows))
	for i, r := range rows {
		vals[i] = 100 * (1 - r.Accuracy)
		names[i] = r.Class
	}
	p := newPlot("Per-class error", "true class", "error (% of the class's samples)")
	w := vg.Points(max(8, 220/float64(len(rows))))
	bars, err := plotter.NewBarChart(vals, w)
	if err != nil {
		return "", err
	}
	bars.Color, bars.LineStyle.Width = orange, 0
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

// classColors returns n distinguishable colors: ColorBrewer's Dark2 for up
// to 8 classes, else hues around the wheel.
func classColors(n int) []color.Color {
	if n <= 8 {
		p, _ := brewer.GetPalette(brewer.TypeQualitative, "Dark2", 8)
		return p.Colors()[:n]
	}
	return palette.Rainbow(n, palette.Red, palette.Magenta, 0.8, 0.8, 1).Colors()
}

// tint mixes c with white: t = 0 keeps c, 1 is white.
func tint(c color.Color, t float64) color.RGBA {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8)*(1-t) + 255*t) }
	return color.RGBA{mix(r), mix(g), mix(b), 255}
}

// regionsPlot draws the class the network predicts over the plane the
// 2-D inputs span, with the points of ds (raw, unnormalized) on top; the
// points it misclassifies are crossed.
func regionsPlot(net *model.Net[float32], norm *data.Normalizer, ds *data.Dataset, split string, names []string) (*Figure, error) {
	const res = 400 // grid points per side
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := 0; i < ds.N; i++ {
		x, y := float64(ds.X[2*i]), float64(ds.X[2*i+1])
		xmin, xmax, ymin, ymax = math.Min(xmin, x), math.Max(xmax, x), math.Min(ymin, y), math.Max(ymax, y)
	}
	padx, pady := 0.08*(xmax-xmin)+1e-6, 0.08*(ymax-ymin)+1e-6
	xmin, xmax, ymin, ymax = xmin-padx, xmax+padx, ymin-pady, ymax+pady
	grid := &data.Dataset{Name: "grid", X: make([]float32, 2*res*res), Y: make([]int32, res*res), N: res * res, D: 2, Classes: net.Spec.Classes}
	for j := 0; j < res; j++ { // image row j, top to bottom
		for i := 0; i < res; i++ {
			k := j*res + i
			grid.X[2*k] = float32(xmin + (float64(i)+0.5)*(xmax-xmin)/res)
			grid.X[2*k+1] = float32(ymax - (float64(j)+0.5)*(ymax-ymin)/res)
		}
	}
	pts := &data.Dataset{Name: ds.Name, X: append([]float32(nil), ds.X...), Y: ds.Y, N: ds.N, D: 2, Classes: ds.Classes}
	if norm != nil {
		if err := norm.Apply(grid); err != nil {
			return nil, err
		}
		if err := norm.Apply(pts); err != nil {
			return nil, err
		}
	}
	cols := classColors(net.Spec.Classes)
	img := image.NewRGBA(image.Rect(0, 0, res, res))
	gridPred := predict(net, grid)
	for k, c := range gridPred {
		img.SetRGBA(k%res, k/res, tint(cols[c], 0.72))
	}
	pred := predict(net, pts)

	p := newPlot("Decision regions and the "+split+" points", "x₁", "x₂")
	p.Add(plotter.NewImage(img, xmin, ymin, xmax, ymax))
	var wrong plotter.XYs
	for c := 0; c < net.Spec.Classes; c++ {
		var xy plotter.XYs
		for i := 0; i < ds.N; i++ {
			if int(ds.Y[i]) == c {
				xy = append(xy, plotter.XY{X: float64(ds.X[2*i]), Y: float64(ds.X[2*i+1])})
				if pred[i] != ds.Y[i] {
					wrong = append(wrong, xy[len(xy)-1])
				}
			}
		}
		if len(xy) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		s.Shape, s.Radius, s.Color = draw.CircleGlyph{}, vg.Points(2.6), cols[c]
		ring, _ := plotter.NewScatter(xy)
		ring.Shape, ring.Radius, ring.Color = draw.RingGlyph{}, vg.Points(2.6), color.RGBA{40, 40, 40, 255}
		p.Add(s, ring)
		p.Legend.Add("class "+names[c], s)
	}
	if len(wrong) > 0 {
		x, err := plotter.NewScatter(wrong)
		if err != nil {
			return nil, err
		}
		x.Shape, x.Radius, x.Color = draw.CrossGlyph{}, vg.Points(4.5), color.Black
		p.Add(x)
		p.Legend.Add(fmt.Sprintf("misclassified (%d)", len(wrong)), x)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
	p.X.Padding, p.Y.Padding = 0, 0

	// The plot on the left, its legend in a column to the right, outside
	// the regions it would hide.
	const w, h = 8.4 * vg.Inch, 6.6 * vg.Inch
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	legendW := 1.9 * vg.Inch
	pc := draw.Crop(dc, vg.Millimeter*2, -legendW, vg.Millimeter*2, -vg.Millimeter*2)
	legend := p.Legend
	p.Legend = plot.NewLegend()
	p.Draw(pc)
	lc := draw.Crop(dc, w-legendW+vg.Millimeter*4, 0, 0, -vg.Millimeter*12)
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(12)
	legend.ThumbnailWidth = vg.Points(14)
	legend.Padding = vg.Points(3)
	legend.Draw(lc)
	uri, err := encodePNG(c)
	if err != nil {
		return nil, err
	}
	return &Figure{Title: "Decision regions", Img: uri,
		Caption: fmt.Sprintf("The class the network predicts at every point of the plane (%d×%d grid), with the %d %s points colored by their true class; a cross marks each point the network gets wrong.",
			res, res, ds.N, split)}, nil
}

// predict returns the network's class for every sample of ds.
func predict(net *model.Net[float32], ds *data.Dataset) []int32 {
	out := make([]int32, ds.N)
	net.SetTraining(false)
	defer net.SetTraining(true)
	const batch = 4096
	for lo := 0; lo < ds.N; lo += batch {
		hi := min(lo+batch, ds.N)
		x := &layers.Matrix[float32]{Rows: hi - lo, Cols: ds.D, Data: ds.X[lo*ds.D : hi*ds.D]}
		model.Predict(net.Scores(x), out[lo:hi])
	}
	return out
}
