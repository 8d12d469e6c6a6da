package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// RegionsRes is the decision regions' grid: points per side.
const RegionsRes = 400

// Regions draws the class a classifier predicts over the plane that 2-D
// points xy (row-major N×2, raw) span, tinted in the class palette, with
// the points on top in their true class's full colour; a cross marks each
// point whose prediction (pred) is wrong. predict returns the classes of
// raw 2-D points (row-major). The legend stands in a column to the right,
// outside the regions. It returns the PNG.
func Regions(xy []float32, y, pred []int32, names []string, title string, predict func(xy []float32) []int32) ([]byte, error) {
	n := len(y)
	classes := len(names)
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range n {
		x, y := float64(xy[2*i]), float64(xy[2*i+1])
		xmin, xmax, ymin, ymax = math.Min(xmin, x), math.Max(xmax, x), math.Min(ymin, y), math.Max(ymax, y)
	}
	padx, pady := 0.08*(xmax-xmin)+1e-6, 0.08*(ymax-ymin)+1e-6
	xmin, xmax, ymin, ymax = xmin-padx, xmax+padx, ymin-pady, ymax+pady
	const res = RegionsRes
	grid := make([]float32, 2*res*res)
	for j := range res { // image row j, top to bottom
		for i := range res {
			k := j*res + i
			grid[2*k] = float32(xmin + (float64(i)+0.5)*(xmax-xmin)/res)
			grid[2*k+1] = float32(ymax - (float64(j)+0.5)*(ymax-ymin)/res)
		}
	}
	cols := ClassColors(classes)
	img := image.NewRGBA(image.Rect(0, 0, res, res))
	for k, c := range predict(grid) {
		img.SetRGBA(k%res, k/res, Tint(cols[c], 0.72))
	}

	p := newPlot(title, "x₁", "x₂")
	p.Add(plotter.NewImage(img, xmin, ymin, xmax, ymax))
	legend := newLegend()
	legend.TextStyle.Font.Size = vg.Points(12)
	legend.ThumbnailWidth = vg.Points(14)
	legend.Padding = vg.Points(3)
	var wrong plotter.XYs
	for c := range classes {
		var pts plotter.XYs
		for i := range n {
			if int(y[i]) == c {
				pts = append(pts, plotter.XY{X: float64(xy[2*i]), Y: float64(xy[2*i+1])})
				if pred[i] != y[i] {
					wrong = append(wrong, pts[len(pts)-1])
				}
			}
		}
		if len(pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		s.Shape, s.Radius, s.Color = draw.CircleGlyph{}, vg.Points(2.6), cols[c]
		edge, _ := plotter.NewScatter(pts)
		edge.Shape, edge.Radius, edge.Color = draw.RingGlyph{}, vg.Points(2.6), color.RGBA{40, 40, 40, 255}
		p.Add(s, edge)
		legend.Add("class "+names[c], s)
	}
	if len(wrong) > 0 {
		x, err := plotter.NewScatter(wrong)
		if err != nil {
			return nil, err
		}
		x.Shape, x.Radius, x.Color = draw.CrossGlyph{}, vg.Points(4.5), color.Black
		p.Add(x)
		legend.Add(fmt.Sprintf("misclassified (%d)", len(wrong)), x)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
	p.X.Padding, p.Y.Padding = 0, 0
	return withSideLegend(p, &legend, 8.4*vg.Inch, 6.6*vg.Inch, 1.9*vg.Inch)
}

// withSideLegend draws p with legend in a column of width legendW to its
// right into a w×h PNG.
func withSideLegend(p *plot.Plot, legend *plot.Legend, w, h, legendW vg.Length) ([]byte, error) {
	img := newCanvas(w, h)
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, 2*vg.Millimeter, -legendW, 2*vg.Millimeter, -2*vg.Millimeter))
	legend.Top, legend.Left = true, true
	legend.Draw(draw.Crop(dc, w-legendW+4*vg.Millimeter, 0, 0, -12*vg.Millimeter))
	return encode(img)
}
