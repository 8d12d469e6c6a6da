package plots

import (
	"image"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// GrayTiles lays side×side gray tiles out in rows of cols (a 2-pixel
// white gap between them), scaled 3×, under a title, with rowNames (if
// any) labelling the rows on the left, and returns the PNG: the
// autoencoder's inputs and reconstructions, and its weights.
func GrayTiles(title string, tiles [][]uint8, side, cols int, rowNames []string) ([]byte, error) {
	const scale, gap = 3, 2
	rows := (len(tiles) + cols - 1) / cols
	cell := side*scale + gap
	img := image.NewGray(image.Rect(0, 0, cols*cell+gap, rows*cell+gap))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for n, t := range tiles {
		r, c := n/cols, n%cols
		for y := range side * scale {
			for x := range side * scale {
				img.SetGray(gap+c*cell+x, gap+r*cell+y, color.Gray{t[(y/scale)*side+x/scale]})
			}
		}
	}
	p := sansPlot()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	w, h := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
	p.Add(plotter.NewImage(img, 0, 0, w, h))
	p.HideX()
	p.HideY()
	// The row names are drawn beside the tiles, right-aligned a few points
	// to their left, and the names and tiles are centred together under a
	// title that may be wider: with the names as the y axis's labels they
	// stood at the picture's left edge, far from narrow tiles (3 columns).
	const pad = 6 // points between a row name and its row's tiles
	font := p.Title.TextStyle
	font.Font.Size = vg.Points(10)
	font.XAlign, font.YAlign = draw.XRight, draw.YCenter
	names := vg.Length(0)
	for _, name := range rowNames {
		names = max(names, font.Width(name)+vg.Points(pad))
	}
	if len(rowNames) > 0 {
		var xys plotter.XYLabels
		for i, name := range rowNames {
			xys.XYs = append(xys.XYs, plotter.XY{X: -pad / 0.75, Y: h - float64(gap) - (float64(i)+0.5)*float64(cell)})
			xys.Labels = append(xys.Labels, name)
		}
		labels, err := plotter.NewLabels(xys)
		if err != nil {
			return nil, err
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i] = font
		}
		p.Add(labels)
	}
	// As wide as the title's longest line: one data unit is 0.75 pt (a
	// pixel of the tiles at 96 dpi).
	lines := strings.Split(title, "\n")
	block := names + vg.Length(w)*0.75
	width := block
	for _, l := range lines {
		width = max(width, p.Title.TextStyle.Width(l)+vg.Points(16))
	}
	margin := float64((width-block)/0.75) / 2
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -float64(names/0.75)-margin, w+margin, 0, h
	height := vg.Length(h)*0.75 + vg.Points(20+16*float64(len(lines)))
	return render(width, height, [][]*plot.Plot{{p}})
}

// WeightImage draws a layer's weights w (units rows of in = side·side
// inputs, row-major) as a grid of side×side tiles, one per unit: the
// cs231n notebook's show_net_weights, on a diverging map (blue negative,
// red positive, grey zero; the sign is what the midpoint means here),
// each tile scaled to ±3 root-mean-square of its weights.
func WeightImage(w []float32, in, units, side int) *image.RGBA {
	cols := int(math.Ceil(math.Sqrt(float64(units))))
	rows := (units + cols - 1) / cols
	const gap = 2
	img := image.NewRGBA(image.Rect(0, 0, cols*(side+gap)-gap, rows*(side+gap)-gap))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	cm := moreland.SmoothBlueRed()
	cm.SetMin(-1)
	cm.SetMax(1)
	for u := range units {
		row := w[u*in : (u+1)*in]
		m := 0.0
		for _, v := range row {
			m += float64(v) * float64(v)
		}
		m = 3 * math.Sqrt(m/float64(len(row)))
		if m == 0 {
			m = 1
		}
		x0, y0 := (u%cols)*(side+gap), (u/cols)*(side+gap)
		for k, v := range row {
			c, err := cm.At(max(-1, min(1, float64(v)/m)))
			if err != nil {
				c = color.Black
			}
			img.Set(x0+k%side, y0+k/side, c)
		}
	}
	return img
}

// InkImage draws one side×side input as dark ink on white, scaled to its
// own range.
func InkImage(x []float32, side int) *image.Gray {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	img := image.NewGray(image.Rect(0, 0, side, side))
	for j, v := range x {
		t := float32(0)
		if hi > lo {
			t = (v - lo) / (hi - lo)
		}
		img.Pix[j] = uint8(255 - math.Round(float64(255*t)))
	}
	return img
}
