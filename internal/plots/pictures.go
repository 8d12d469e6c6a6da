package plots

import (
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
)

// A PictureSet draws pictures of a trained model from a split of its
// data, for nnfc plot: the sets a task names (task.Task.Pictures).
type PictureSet struct {
	// Applies reports whether the set can draw a model of spec (for the
	// autoencoder's, inputs that are ImageSide² images).
	Applies func(s model.Spec) bool
	// Draw draws net from raw, an unnormalized split named split (norm is
	// the model's normalization, nil for none): PNG files by their name
	// in the run directory, in order.
	Draw func(net *model.Net[float32], norm *data.Normalizer, raw *data.Dataset, split string) ([]File, error)
}

// File is one picture of a PictureSet.
type File struct {
	Name string // in the run directory, e.g. rundir.Reconstructions
	PNG  []byte
}

// Pictures are the picture sets, by the name a task gives (its Pictures).
var Pictures = map[string]PictureSet{
	"autoencoder": {
		Applies: func(s model.Spec) bool { return s.InputDim == ImageSide*ImageSide },
		Draw: func(net *model.Net[float32], norm *data.Normalizer, raw *data.Dataset, split string) ([]File, error) {
			pics, err := Autoencoder(net, norm, raw, split)
			if err != nil {
				return nil, err
			}
			return []File{{rundir.Reconstructions, pics.Reconstructions}, {rundir.Weights, pics.Weights}}, nil
		},
	},
}
