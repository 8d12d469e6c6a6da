package plots

import (
	"fmt"
	"math"

	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// ImageSide is the side of the square images the autoencoder's pictures
// draw (MNIST's 28×28).
const ImageSide = 28

// AutoencoderPictures are nnfc plot's pictures of a tied autoencoder of
// ImageSide² inputs, and the figures their titles print.
type AutoencoderPictures struct {
	Reconstructions []byte // PNG: test inputs (two of each class) above their reconstructions
	Weights         []byte // PNG: the rows of W as images
	// The reconstruction MSE per input entry (normalized units, as
	// nnfc eval and metrics.jsonl report it): over the Shown images drawn,
	// and over the whole split (All images), the model's own figure.
	Shown, All       int
	MSEShown, MSEAll float64
	RecTitle, WTitle string
}

// Autoencoder draws net's reconstructions of raw (an unnormalized split,
// named split; norm is the model's normalization, nil for none) and its
// weights.
func Autoencoder(net *model.Net[float32], norm *data.Normalizer, raw *data.Dataset, split string) (*AutoencoderPictures, error) {
	if raw.D != ImageSide*ImageSide {
		panic(fmt.Sprintf("plots: Autoencoder of %d inputs, want %d", raw.D, ImageSide*ImageSide))
	}
	normalized := func(ds *data.Dataset) (*data.Dataset, error) {
		x := ds.Subset(seq(ds.N))
		if norm != nil {
			if err := norm.Apply(x); err != nil {
				return nil, err
			}
		}
		return x, nil
	}
	shown := raw.Subset(pickPerClass(raw, 2))
	x, err := normalized(shown)
	if err != nil {
		return nil, err
	}
	all, err := normalized(raw)
	if err != nil {
		return nil, err
	}
	pics := &AutoencoderPictures{Shown: shown.N, All: raw.N}
	net.SetTraining(false)
	defer net.SetTraining(true)
	pics.MSEAll = (&train.Evaluator[float32]{Net: net, Batch: 1000}).Evaluate(all, nil, false).MSE
	rec := net.Scores(&layers.Matrix[float32]{Rows: x.N, Cols: x.D, Data: x.X})
	for i, v := range rec.Data {
		d := float64(v - x.X[i])
		pics.MSEShown += d * d
	}
	pics.MSEShown /= float64(len(rec.Data))

	// Back to the raw pixel scale, then one gray range for every tile.
	unnorm := func(v float32, j int) float64 {
		if norm == nil {
			return float64(v)
		}
		return float64(v/norm.Scale[j] + norm.Shift[j])
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range shown.X {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	gray := func(v float64) uint8 { return uint8(math.Round(255 * math.Max(0, math.Min(1, (v-lo)/(hi-lo))))) }
	cols := (shown.N + 1) / 2
	var tiles [][]uint8
	var rowNames []string
	for half := range 2 {
		for _, r := range []string{"input", "reconstruction"} {
			for c := range cols {
				i := half*cols + c
				t := make([]uint8, ImageSide*ImageSide)
				if i < shown.N {
					for j := range t {
						if r == "input" {
							t[j] = gray(float64(shown.X[i*shown.D+j]))
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
	pics.RecTitle = fmt.Sprintf("%s on %s: %s inputs above their reconstructions\nreconstruction MSE per entry (normalized units): the model's on all %d %s images %.4g; these %d images %.4g",
		net.Spec, raw.Name, split, raw.N, split, pics.MSEAll, shown.N, pics.MSEShown)
	if pics.Reconstructions, err = GrayTiles(pics.RecTitle, tiles, ImageSide, cols, rowNames); err != nil {
		return nil, err
	}

	// W's rows, each on its own symmetric gray scale: mid-gray is 0.
	m := net.Spec.CodeDim
	n := min(m, 64)
	wcols := min(n, 8)
	w := net.Weight()
	var wtiles [][]uint8
	for a := range n {
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
		wtiles = append(wtiles, make([]uint8, ImageSide*ImageSide))
	}
	pics.WTitle = fmt.Sprintf("rows of W (%d of %d) as 28×28 images; mid-gray 0, each row scaled to its largest |w|", n, m)
	if pics.Weights, err = GrayTiles(pics.WTitle, wtiles, ImageSide, wcols, nil); err != nil {
		return nil, err
	}
	return pics, nil
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
