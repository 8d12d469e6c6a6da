package cli

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
)

// imageSide is the side of the square images nnfc plot draws an
// autoencoder's inputs, reconstructions and weights as (MNIST's 28×28).
const imageSide = 28

// plotAutoencoder writes, for a run whose model is an autoencoder of
// 28×28 images, RUN_DIR/reconstructions.png (test inputs, one of each
// class twice, above their reconstructions) and RUN_DIR/weights.png (the
// rows of W as images), and returns the files written: none for any other
// model.
func plotAutoencoder(dir string) ([]string, error) {
	path := filepath.Join(dir, rundir.Model)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	net, norm, err := loadModel(path)
	if err != nil {
		return nil, err
	}
	if !net.Spec.IsAutoencoder() || net.Spec.InputDim != imageSide*imageSide {
		return nil, nil
	}
	args := dataArgs{configPath: filepath.Join(dir, rundir.Config), split: "test"}
	ds, err := args.load()
	if err != nil {
		args.split = "val" // a data set without a test split
		if ds, err = args.load(); err != nil {
			return nil, err
		}
	}
	raw := ds.Subset(pickPerClass(ds, 2))
	x := raw.Subset(seq(raw.N))
	if err := prepare(x, net.Spec, norm, path, false); err != nil {
		return nil, err
	}
	in := &layers.Matrix[float32]{Rows: x.N, Cols: x.D, Data: x.X}
	net.SetTraining(false)
	rec := net.Scores(in)
	// Back to the raw pixel scale, then one gray range for every tile.
	unnorm := func(v float32, j int) float64 {
		if norm == nil {
			return float64(v)
		}
		return float64(v/norm.Scale[j] + norm.Shift[j])
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range raw.X {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	gray := func(v float64) uint8 { return uint8(math.Round(255 * math.Max(0, math.Min(1, (v-lo)/(hi-lo))))) }
	cols := (raw.N + 1) / 2
	var tiles [][]uint8
	var rowNames []string
	for half := range 2 {
		for _, r := range []string{"input", "reconstruction"} {
			for c := range cols {
				i := half*cols + c
				t := make([]uint8, imageSide*imageSide)
				if i < raw.N {
					for j := range t {
						if r == "input" {
							t[j] = gray(float64(raw.X[i*raw.D+j]))
						} else {
							t[j] = gray(unnorm(rec.Data[i*rec.Cols+j], j))
						}
					}
				}
				tiles = append(tiles, t)
			}
			rowNames = append(rowNames, r)
		}
	}
	mse := 0.0
	for i, v := range rec.Data {
		d := float64(v - x.X[i])
		mse += d * d
	}
	mse /= float64(len(rec.Data))
	recPath := filepath.Join(dir, "reconstructions.png")
	title := fmt.Sprintf("%s on %s: inputs and reconstructions (MSE %.4g per entry, normalized units)", net.Spec, ds.Name, mse)
	if err := writeTiles(recPath, title, tiles, cols, rowNames); err != nil {
		return nil, err
	}

	// W's rows, each on its own symmetric gray scale: mid-gray is 0.
	m := net.Spec.CodeDim
	shown := min(m, 64)
	wcols := min(shown, 8)
	w := net.Weight()
	var wtiles [][]uint8
	for a := range shown {
		row := w[a*net.Spec.InputDim : (a+1)*net.Spec.InputDim]
		var amax float64
		for _, v := range row {
			amax = math.Max(amax, math.Abs(float64(v)))
		}
		if amax == 0 {
			amax = 1
		}
		t := make([]uint8, len(row))
		for j, v := range row {
			t[j] = uint8(math.Round(127.5 + 127.5*float64(v)/amax))
		}
		wtiles = append(wtiles, t)
	}
	for len(wtiles)%wcols != 0 {
		wtiles = append(wtiles, make([]uint8, imageSide*imageSide))
	}
	wPath := filepath.Join(dir, "weights.png")
	wtitle := fmt.Sprintf("rows of W (%d of %d) as 28×28 images; mid-gray 0, each row scaled to its largest |w|", shown, m)
	if err := writeTiles(wPath, wtitle, wtiles, wcols, nil); err != nil {
		return nil, err
	}
	return []string{recPath, wPath}, nil
}

// pickPerClass returns the indices of the first k samples of each class,
// ordered by round then class (0, 1, ..., 9, 0, 1, ...).
func pickPerClass(ds *data.Dataset, k int) []int {
	seen := make([][]int, ds.Classes)
	for i, y := range ds.Y {
		if len(seen[y]) < k {
			seen[y] = append(seen[y], i)
		}
	}
	var idx []int
	for r := range k {
		for _, s := range seen {
			if r < len(s) {
				idx = append(idx, s[r])
			}
		}
	}
	return idx
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// writeTiles lays 28×28 gray tiles out in rows of cols (a 2-pixel white
// gap between them), scaled 3×, under a title, with rowNames (if any)
// labelling the rows on the left, as a PNG.
func writeTiles(path, title string, tiles [][]uint8, cols int, rowNames []string) error {
	const scale, gap = 3, 2
	rows := (len(tiles) + cols - 1) / cols
	cell := imageSide*scale + gap
	img := image.NewGray(image.Rect(0, 0, cols*cell+gap, rows*cell+gap))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for n, t := range tiles {
		r, c := n/cols, n%cols
		for y := range imageSide * scale {
			for x := range imageSide * scale {
				img.SetGray(gap+c*cell+x, gap+r*cell+y, color.Gray{t[(y/scale)*imageSide+x/scale]})
			}
		}
	}
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	w, h := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
	p.Add(plotter.NewImage(img, 0, 0, w, h))
	p.HideX()
	p.Y.LineStyle.Width = 0
	p.Y.Tick.LineStyle.Width = 0
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	var ticks []plot.Tick
	for i, name := range rowNames {
		ticks = append(ticks, plot.Tick{Value: h - float64(gap) - (float64(i)+0.5)*float64(cell), Label: name})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, w, 0, h
	left := vg.Length(0)
	if len(rowNames) > 0 {
		left = vg.Points(80)
	}
	wt, err := p.WriterTo(vg.Length(w)*0.75+left, vg.Length(h)*0.75+vg.Points(30), "png")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, 0o644, func(out io.Writer) error {
		_, err := wt.WriteTo(out)
		return err
	})
}
