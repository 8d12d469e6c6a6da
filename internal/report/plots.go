package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"

	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/metrics"
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

// metricFigures draws the pictures of the metrics whose numbers the
// evaluation on split has (c nil: none): the reliability diagram, ROC and
// precision-recall with the threshold marked, predicted vs actual with
// the residuals per target.
func metricFigures(c *task.Curves, m map[string]float64, split string) ([]Figure, error) {
	if c == nil {
		return nil, nil
	}
	var figs []Figure
	if len(c.Reliability) > 0 {
		ece := metrics.ECE(c.Reliability)
		img, err := uri(plots.Reliability(c.Reliability, ece, split))
		if err != nil {
			return nil, err
		}
		figs = append(figs, Figure{Title: "Calibration", Img: img, Width: 640,
			Caption: fmt.Sprintf("The %s rows in %d equal-width bins of the predicted class's probability (its confidence). A bar is the accuracy of its bin's rows, the triangle their mean confidence, on the diagonal where a calibrated model's bars would end; a bar below its triangle is overconfidence. ECE = Σ (bin's share of rows) · |accuracy − confidence| = %.2f%%. Below: the share of rows per bin, on a log scale.", split, len(c.Reliability), 100*ece)})
	}
	if len(c.ROC) > 1 && len(c.PR) > 1 {
		auc, ap := m["roc_auc"], m["pr_auc"]
		img, err := uri(plots.ROCPR(c.ROC, c.PR, auc, ap, c.PositiveRate, c.Threshold, split))
		if err != nil {
			return nil, err
		}
		figs = append(figs, Figure{Title: "ROC and precision-recall", Img: img,
			Caption: fmt.Sprintf("The positive class's probability on the %s rows, every threshold swept: left the true against the false positive rate (area %.4f), right precision against recall (average precision %.4f, sklearn's average_precision_score). The dot is the model's decision threshold %g (model.threshold).", split, auc, ap, c.Threshold)})
	}
	if c.K > 0 && len(c.Actual) == len(c.Predicted) && len(c.Actual) >= c.K {
		n := len(c.Actual) / c.K
		rs := metrics.Regress(c.Actual, c.Predicted, c.K, nil)
		for j := range c.K {
			a, p := make([]float64, n), make([]float64, n)
			for i := range n {
				a[i], p[i] = c.Actual[i*c.K+j], c.Predicted[i*c.K+j]
			}
			name := fmt.Sprintf("target %d", j)
			if j < len(c.Targets) {
				name = c.Targets[j]
			}
			img, err := uri(plots.Regression(a, p, name, split, rs[j].R2, rs[j].RMSE))
			if err != nil {
				return nil, err
			}
			figs = append(figs, Figure{Title: "Predicted vs actual: " + name, Img: img,
				Caption: fmt.Sprintf("Each %s row's prediction of %s against its value, in the data's units (left; on the dashed line when exact), and the residual, actual − predicted, against the prediction (right): a pattern there is what the model misses. R² %.4f, RMSE %.4g, MAE %.4g (unweighted).", split, name, rs[j].R2, rs[j].RMSE, rs[j].MAE)})
		}
	}
	return figs, nil
}
