package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image"
	"image/png"
	"sort"

	"github.com/nnfc/nnfc/internal/plots"
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
	img := plots.WeightImage(a.W.Data, a.In, units, side)
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
		img := plots.InkImage(ds.Row(w.i), side)
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
