package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"

	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// The report's pictures are drawn by internal/plots; this file hands them
// the run's numbers and embeds the PNGs.

func pngURI(b []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
}

func isPNG(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }

// uri embeds a PNG plots drew.
func uri(b []byte, err error) (template.URL, error) {
	if err != nil {
		return "", err
	}
	return pngURI(b), nil
}

// perClassPlot draws every class's error rate on the test split.
func perClassPlot(rows []ClassRow) (template.URL, error) {
	errs := make([]float64, len(rows))
	names := make([]string, len(rows))
	for i, r := range rows {
		errs[i] = 100 * (1 - r.Accuracy)
		names[i] = r.Class
	}
	return uri(plots.PerClassError(names, errs))
}

// regionsPlot draws the class the network predicts over the plane the
// 2-D inputs span, with the points of ds (raw, unnormalized) on top.
func regionsPlot(net *model.Net[float32], norm *data.Normalizer, ds *data.Dataset, split string, names []string) (*Figure, error) {
	// predict classifies raw 2-D points: normalized as the model's
	// training data was.
	var perr error
	predict := func(xy []float32) []int32 {
		pts := &data.Dataset{Name: ds.Name, X: append([]float32(nil), xy...), Y: make([]int32, len(xy)/2), N: len(xy) / 2, D: 2, Classes: net.Spec.Classes}
		if norm != nil {
			if err := norm.Apply(pts); err != nil {
				perr = err
			}
		}
		return predictClasses(net, pts)
	}
	pred := predict(ds.X)
	b, err := plots.Regions(ds.X, ds.Y, pred, names, "Decision regions and the "+split+" points", predict)
	if err == nil {
		err = perr
	}
	if err != nil {
		return nil, err
	}
	const res = plots.RegionsRes
	return &Figure{Title: "Decision regions", Img: pngURI(b),
		Caption: fmt.Sprintf("The class the network predicts at every point of the plane (%d×%d grid), with the %d %s points colored by their true class; a cross marks each point the network gets wrong.",
			res, res, ds.N, split)}, nil
}

// predictClasses returns the network's class for every sample of ds.
func predictClasses(net *model.Net[float32], ds *data.Dataset) []int32 {
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
