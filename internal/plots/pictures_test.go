package plots

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// save writes a test's PNG to $NNFC_PLOTS_DIR/name, for looking at it.
func save(t *testing.T, name string, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: not a PNG: %v", name, err)
	}
	if dir := os.Getenv("NNFC_PLOTS_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// TestConfusionScale: the mistakes are on a sequential scale from pale
// (one mistake) to dark (the most frequent), monotonic in lightness; the
// diagonal is outside that scale (it painted every single mistake strong
// red, so a 98% model looked like a sea of red).
func TestConfusionScale(t *testing.T) {
	conf := [][]int{
		{980, 0, 1, 2},
		{0, 1130, 3, 2},
		{4, 1, 1010, 17},
		{0, 0, 5, 1005},
	}
	cf := newConfusion(conf)
	if l := Lightness(cf.cell(0, 2)); l < 0.85 {
		t.Errorf("one mistake: lightness %.2f, want a pale cell (≥ 0.85)", l)
	}
	if l := Lightness(cf.cell(2, 3)); l > 0.45 {
		t.Errorf("the most frequent mistake (17): lightness %.2f, want a dark cell (≤ 0.45)", l)
	}
	prev := 2.0
	for v := 1; v <= 17; v++ {
		c, err := cf.cmap.At(float64(v))
		if err != nil {
			t.Fatal(err)
		}
		if l := Lightness(c); !(l < prev) {
			t.Errorf("count %d: lightness %.3f not below %.3f: not sequential", v, l, prev)
		} else {
			prev = l
		}
	}
	if cf.cell(0, 1) != nil {
		t.Errorf("an empty cell is filled %v", cf.cell(0, 1))
	}
	for i := range conf {
		if cf.cell(i, i) != diagColor {
			t.Errorf("diagonal cell %d: %v, want the diagonal's own colour", i, cf.cell(i, i))
		}
	}
	for v := 0.0; v <= 17; v += 0.25 {
		if c, _ := cf.cmap.At(v); color.RGBAModel.Convert(c) == color.RGBAModel.Convert(diagColor) {
			t.Errorf("the diagonal's colour is on the mistakes' scale at %g", v)
		}
	}
	for i, c := range steps(cf.cmap, 255) {
		if c == nil {
			t.Errorf("heat map colour %d of 255 is nil: its cells stay unpainted", i)
		}
	}
	b, err := Confusion(conf, []string{"0", "1", "2", "3"})
	if err != nil {
		t.Fatal(err)
	}
	img := save(t, "confusion.png", b)
	// The colour bar: the darkest colour of the scale is painted.
	dark, _ := cf.cmap.At(17)
	if n := countNear(img, dark, 6); n < 200 {
		t.Errorf("%d pixels of the scale's darkest colour: no colour bar or no darkest cell", n)
	}
}

// TestSearchScaleSequential: the sweep heat map's scale gets darker as
// the accuracy rises, never lighter (a blue–white–red map made its white
// midpoint look like a meaningful value).
func TestSearchScaleSequential(t *testing.T) {
	m := searchMap(0.60, 0.98)
	prev := 2.0
	for v := 0.60; v <= 0.98; v += 0.01 {
		c, err := m.At(v)
		if err != nil {
			t.Fatal(err)
		}
		l := Lightness(c)
		if !(l < prev) {
			t.Fatalf("accuracy %.2f: lightness %.3f after %.3f: not sequential", v, l, prev)
		}
		prev = l
	}
	nan := 0.0 / func() float64 { return 0 }()
	b, err := SearchPNG(Search{Title: "sweep t", XKey: "optimizer.lr", YKey: "model.reg", XS: []float64{0.01, 0.1}, YS: []float64{0, 1e-4},
		Z: []float64{0.91, 0.95, 0.62, nan}})
	if err != nil {
		t.Fatal(err)
	}
	save(t, "search.png", b)
}

// TestOneClassPalette: the decision regions and the embedding scatter
// plots paint class c in the same colour, ClassColors(n)[c] (they used
// ColorBrewer's Dark2 and tab10).
func TestOneClassPalette(t *testing.T) {
	const classes = 3
	rng := rand.New(rand.NewPCG(1, 2))
	n := 90
	xy := make([]float32, 2*n)
	y := make([]int32, n)
	for i := range n {
		y[i] = int32(i % classes)
		xy[2*i] = float32(float64(y[i]) + 0.3*rng.NormFloat64())
		xy[2*i+1] = float32(0.3 * rng.NormFloat64())
	}
	nearest := func(pts []float32) []int32 {
		out := make([]int32, len(pts)/2)
		for i := range out {
			out[i] = int32(min(classes-1, max(0, int(pts[2*i]+0.5))))
		}
		return out
	}
	regions, err := Regions(xy, y, nearest(xy), []string{"0", "1", "2"}, "regions", nearest)
	if err != nil {
		t.Fatal(err)
	}
	rimg := save(t, "regions.png", regions)
	var buf bytes.Buffer
	m := mat.NewDense(n, 2, nil)
	for i := range n {
		m.Set(i, 0, float64(xy[2*i]))
		m.Set(i, 1, float64(xy[2*i+1]))
	}
	if err := WriteScatter(&buf, m, y, ScatterOptions{Title: "scatter", XLabel: "a", YLabel: "b"}); err != nil {
		t.Fatal(err)
	}
	simg := save(t, "scatter.png", buf.Bytes())
	for c, col := range ClassColors(classes) {
		// The legends' glyphs are opaque: the class colour itself.
		if k := countNear(rimg, col, 2); k < 30 {
			t.Errorf("regions: %d pixels of class %d's colour %v", k, c, col)
		}
		if k := countNear(simg, col, 2); k < 30 {
			t.Errorf("scatter: %d pixels of class %d's colour %v", k, c, col)
		}
		if k := countNear(rimg, Tint(col, 0.72), 2); k < 1000 {
			t.Errorf("regions: %d pixels of class %d's region tint", k, c)
		}
	}
	if b := simg.Bounds(); b.Dx() < 1400 {
		t.Errorf("scatter %v: too small to read at the report's width", b)
	}
}

// countNear counts the pixels of img within tol of c in every channel.
func countNear(img image.Image, c color.Color, tol int) int {
	r0, g0, b0, _ := c.RGBA()
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if abs(int(r>>8)-int(r0>>8)) <= tol && abs(int(g>>8)-int(g0>>8)) <= tol && abs(int(bb>>8)-int(b0>>8)) <= tol {
				n++
			}
		}
	}
	return n
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestAutoencoderMSELabel: reconstructions.png says which MSE it prints,
// and prints the model's (over the whole split, as nnfc eval computes
// it) beside that of the images shown (it printed only the latter, which
// read as the model's).
func TestAutoencoderMSELabel(t *testing.T) {
	spec := model.Spec{Kind: model.KindAutoencoder, InputDim: ImageSide * ImageSide, CodeDim: 4, Activations: []string{model.Identity}, Init: layers.InitXavier}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 90
	ds := &data.Dataset{Name: "blobs", X: make([]float32, n*spec.InputDim), Y: make([]int32, n), N: n, D: spec.InputDim, Classes: 3}
	for i := range n {
		ds.Y[i] = int32(i % 3)
		for j := range spec.InputDim {
			ds.X[i*spec.InputDim+j] = float32(rng.Float64() * float64(1+ds.Y[i]))
		}
	}
	pics, err := Autoencoder(net, nil, ds, "test")
	if err != nil {
		t.Fatal(err)
	}
	want := (&train.Evaluator[float32]{Net: net, Batch: 1000}).Evaluate(ds, nil, false).MSE
	if pics.All != n || pics.Shown != 6 || pics.MSEAll != want || pics.MSEAll == pics.MSEShown {
		t.Errorf("all %d (MSE %g), shown %d (MSE %g); want %d and the evaluator's %g, and 6", pics.All, pics.MSEAll, pics.Shown, pics.MSEShown, n, want)
	}
	for _, s := range []string{"the model's on all 90 test images", "these 6 images"} {
		if !strings.Contains(pics.RecTitle, s) {
			t.Errorf("title %q lacks %q", pics.RecTitle, s)
		}
	}
	save(t, "reconstructions.png", pics.Reconstructions)
	save(t, "weights.png", pics.Weights)
}
