package plots

import (
	"fmt"
	"math"
	"strings"

	"github.com/nnfc/nnfc/pkg/data"
)

// Augmented draws what data.augment cfg makes of training pictures of
// side×side gray pixels: one row per picture of raw (unnormalized, 0..255),
// the picture itself then its augmentations for epochs 1..cols−1 (each
// drawn as the run draws it: from (seed, epoch, step 0, the row's place)),
// rows labelled by names (nil: none). Its PNG, for nnfc plot.
func Augmented(cfg data.Augment, raw *data.Dataset, rows []int, names []string, side, cols int, seed uint64) ([]byte, error) {
	if raw.D != side*side {
		return nil, fmt.Errorf("%s: %d features per sample, not %d×%d gray pictures", raw.Name, raw.D, side, side)
	}
	D := raw.D
	batch := make([]float32, len(rows)*D)
	tiles := make([][]uint8, len(rows)*cols)
	a := data.NewAugmenter[float32](cfg, side, side, 1, nil, 1)
	defer a.Close()
	for e := range cols {
		for k, i := range rows {
			copy(batch[k*D:(k+1)*D], raw.Row(i))
		}
		if e > 0 {
			a.Apply(batch, len(rows), seed, e-1, 0)
		}
		for k := range rows {
			t := make([]uint8, D)
			for j, v := range batch[k*D : (k+1)*D] {
				t[j] = uint8(math.Round(min(255, max(0, float64(v)))))
			}
			tiles[k*cols+e] = t
		}
	}
	title := fmt.Sprintf("data.augment: %s\n%s pictures (left), then what epochs 1–%d draw for them (seed %d)", describeAugment(cfg), raw.Name, cols-1, seed)
	return GrayTiles(title, tiles, side, cols, names)
}

// describeAugment lists the active parts of cfg, for the title.
func describeAugment(a data.Augment) string {
	var parts []string
	if a.Translate > 0 {
		parts = append(parts, fmt.Sprintf("translate ±%d px", a.Translate))
	}
	if a.Rotate > 0 {
		parts = append(parts, fmt.Sprintf("rotate ±%g°", a.Rotate))
	}
	if a.Scale > 0 {
		parts = append(parts, fmt.Sprintf("scale ×[%g, %g]", 1-a.Scale, 1+a.Scale))
	}
	if a.Flip {
		parts = append(parts, "flip left–right (half)")
	}
	if a.ElasticAlpha > 0 {
		parts = append(parts, fmt.Sprintf("elastic α %g σ %g", a.ElasticAlpha, a.ElasticSigma))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
