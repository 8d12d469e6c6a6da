package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"

	"gonum.org/v1/plot/palette/moreland"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
)

// weightImages draws the first layer's weights, one tile per hidden unit
// (the unit's input weights as a side×side image), in a grid: the
// cs231n notebook's show_net_weights, with a diverging map (blue negative,
// red positive) and each tile scaled to its own largest |w|.
func weightImages(net *model.Net[float32], side, maxUnits int) *Figure {
	a := net.Affine[0]
	units := min(a.Out, maxUnits)
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
	for u := 0; u < units; u++ {
		w := a.W.Data[u*a.In : (u+1)*a.In]
		// Scale: three standard deviations of the tile's weights (about
		// zero), so that a few large weights do not wash out the rest.
		m := 0.0
		for _, v := range w {
			m += float64(v) * float64(v)
		}
		m = 3 * math.Sqrt(m/float64(len(w)))
		if m == 0 {
			m = 1
		}
		x0, y0 := (u%cols)*(side+gap), (u/cols)*(side+gap)
		for k, v := range w {
			c, err := cm.At(max(-1, min(1, float64(v)/m)))
			if err != nil {
				c = color.Black
			}
			img.Set(x0+k%side, y0+k/side, c)
		}
	}
	unit := "hidden unit"
	if len(net.Spec.Hidden) == 0 {
		unit = "class score" // a linear classifier: the tiles are class templates
	}
	caption := fmt.Sprintf("Each tile is one "+unit+"'s %d input weights drawn as a %d×%d image: red positive, blue negative, grey zero; every tile is scaled to ±3 root-mean-square of its weights (beyond that the colour saturates).", a.In, side, side)
	if units < a.Out {
		caption += fmt.Sprintf(" The first %d of the layer's %d units.", units, a.Out)
	} else {
		caption += fmt.Sprintf(" All %d units.", a.Out)
	}
	scale := max(1, 900/img.Bounds().Dx())
	return &Figure{Title: "First-layer weights", Img: imageURI(img), Caption: caption, Width: scale * img.Bounds().Dx()}
}

// mistakes returns the k wrongly classified samples of ds the network was
// most confident about, as side×side images (dark ink on white, each image
// scaled to its own range).
func mistakes(ds *data.Dataset, probs []float32, classes, side int, names []string, k int) []Mistake {
	type wrong struct {
		i, pred int
		p       float32
	}
	var ws []wrong
	for i := 0; i < ds.N; i++ {
		row := probs[i*classes : (i+1)*classes]
		pred := 0
		for j, v := range row {
			if v > row[pred] {
				pred = j
			}
		}
		if pred != int(ds.Y[i]) {
			ws = append(ws, wrong{i, pred, row[pred]})
		}
	}
	sort.SliceStable(ws, func(a, b int) bool { return ws[a].p > ws[b].p })
	var out []Mistake
	for _, w := range ws[:min(k, len(ws))] {
		x := ds.Row(w.i)
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
		out = append(out, Mistake{Img: imageURI(img), Index: w.i, True: names[ds.Y[w.i]], Pred: names[w.pred], Probability: float64(w.p)})
	}
	return out
}

func imageURI(img image.Image) template.URL {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("report: png.Encode of an in-memory image: " + err.Error())
	}
	return pngURI(b.Bytes())
}
