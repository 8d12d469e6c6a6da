package report

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/sweep"
	"github.com/nnfc/nnfc/pkg/atomicfile"
)

// SweepPage is the report of a sweep directory (nnfc sweep).
type SweepPage struct {
	Dir, Name, Generated string
	Metric               string // train.monitor: val_acc, val_loss, val_f1_macro, …
	// MetricCol heads the column of the monitored metric when it is
	// neither val_acc nor val_loss (those have theirs).
	MetricCol  string
	Keys       []string
	Counts     string // e.g. "12 done"
	Best       *SweepRow
	Rows       []SweepRow   // every trial, best first
	Search     template.URL // the search plot, "" when there is none
	SearchNote string       // why there is no search plot
	Curves     template.URL // the top trials' curves overlaid
	CurvesOf   string
	// CV is the cross-validation (nnfc cv, cv: in a sweep file): each
	// point's folds and their mean ± std, the best point first; nil
	// without.
	CV *CVView
}

// CVView is the cross-validation section of the sweep page.
type CVView struct {
	Folds    int
	Stratify bool
	Monitor  string
	Points   []CVPointView
}

// CVPointView is one cross-validated point: its values, its folds'
// monitored metric, their mean and standard deviation.
type CVPointView struct {
	Rank      int
	Params    []string
	Mean, Std string
	Folds     []CVFoldView
}

// CVFoldView is one fold of a point.
type CVFoldView struct {
	Fold, Trial, BestEpoch int
	State, Value           string
}

// SweepRow is one trial of the table.
type SweepRow struct {
	Rank         int // 1-based; 0 for trials without a finished epoch
	Index        int
	Values       []string // the searched keys' values, in Keys order
	Params       []string // key=value of each searched key
	State        string
	BestValAcc   string
	BestValLoss  string
	Best         string // the monitored metric at the best epoch
	BestEpoch    int
	Epochs, Max  int
	Seconds      float64
	Report       string // the trial's report.html relative to the sweep page, when it exists
	Dir          string // the trial's directory relative to the sweep directory
	IsBest       bool
	TestAccuracy string // from the trial's results.json, when there is one
}

// maxCurves is how many of the best trials the curves overlay.
const maxCurves = 5

// WriteSweep builds the report of the sweep in dir and writes it to out
// (dir/report.html when out is ""), atomically. It returns the path.
func WriteSweep(dir, out string, o Options) (string, error) {
	p, err := BuildSweep(dir, o)
	if err != nil {
		return "", err
	}
	if out == "" {
		out = filepath.Join(dir, File)
	}
	return out, atomicfile.Write(out, 0o644, func(w io.Writer) error { return RenderSweep(w, p) })
}

// BuildSweep gathers a sweep directory: its trials table ranked by the
// monitored metric (sweep.Results), the search plot (sweep.SearchPNG) and the
// learning curves of the best trials.
func BuildSweep(dir string, o Options) (*SweepPage, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	tab, err := sweep.Results(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--sweep %s: not a sweep directory (no %s)", dir, sweep.ManifestFile)
		}
		return nil, err
	}
	p := &SweepPage{Dir: dir, Name: tab.Name, Generated: o.Now().UTC().Format("2006-01-02 15:04 MST"), Metric: tab.Metric, Keys: tab.Keys}
	if m := tab.Metric; m != "" && m != "val_acc" && m != "val_loss" {
		p.MetricCol = "best " + strings.ReplaceAll(m, "_", " ")
	}
	var counts []string
	for _, s := range []string{sweep.Done, sweep.Running, sweep.Pending, sweep.Failed, sweep.NaNStopped} {
		if n := tab.Counts[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, s))
		}
	}
	p.Counts = strings.Join(counts, ", ")
	rank := 0
	var runs []plots.Run
	for _, t := range tab.Trials {
		r := SweepRow{Index: t.Index, State: t.State, BestEpoch: t.BestEpoch, Epochs: t.Epochs, Max: t.MaxEpochs, Seconds: t.Seconds,
			BestValAcc: "–", BestValLoss: "–", Best: "–", TestAccuracy: "–"}
		rel, err := filepath.Rel(tab.Dir, t.Dir)
		if err != nil {
			rel = t.Dir
		}
		r.Dir = rel
		if t.Epochs > 0 {
			rank++
			r.Rank = rank
			r.BestValAcc = fmt.Sprintf("%.2f%%", 100*t.BestValAcc)
			if !math.IsNaN(t.BestValLoss) {
				r.BestValLoss = fmt.Sprintf("%.4f", t.BestValLoss)
			}
			if !math.IsNaN(t.Best) {
				r.Best = fmt.Sprintf("%.4f", t.Best)
			}
		}
		for _, k := range tab.Keys {
			v := ""
			for _, pr := range t.Params {
				if pr.Key == k {
					v = sweep.FormatValue(pr.Value)
					r.Params = append(r.Params, pr.Text())
				}
			}
			r.Values = append(r.Values, v)
		}
		if _, err := os.Stat(filepath.Join(t.Dir, File)); err == nil {
			r.Report = filepath.ToSlash(filepath.Join(rel, File))
		}
		if res, err := rundir.ReadResults(t.Dir); err == nil && res.Test != nil {
			r.TestAccuracy = fmt.Sprintf("%.2f%%", 100*res.Test.Accuracy)
		}
		r.IsBest = tab.Best != nil && t.Index == tab.Best.Index
		if r.IsBest {
			best := r
			p.Best = &best
		}
		p.Rows = append(p.Rows, r)
		if t.Epochs > 0 && len(runs) < maxCurves {
			ms, err := rundir.ReadMetrics(t.Dir)
			if err != nil {
				return nil, err
			}
			if len(ms) > 0 {
				var vals []string
				for _, pr := range t.Params {
					vals = append(vals, pr.Text())
				}
				runs = append(runs, plots.Run{Name: fmt.Sprintf("#%d trial %03d: %s", r.Rank, t.Index, strings.Join(vals, " ")), Metrics: ms, BestEpoch: t.BestEpoch, Curve: rundir.Task(t.Dir).Curve()})
			}
		}
	}
	if len(runs) > 0 {
		if p.Curves, err = uri(plots.TrialCurves(runs)); err != nil {
			return nil, err
		}
		p.CurvesOf = fmt.Sprintf("The validation curves of the %d best trials by %s (rank, trial and values in the legend); a ring marks each trial's best epoch.", len(runs), tab.Metric)
	}
	p.CV = cvView(tab.CV)
	// The search plot of nnfc sweep, drawn afresh.
	switch b, err := sweep.SearchPNG(tab); {
	case err == nil:
		p.Search = pngURI(b)
	case errors.Is(err, sweep.ErrNoPlot) && !(p.CV != nil && len(tab.Keys) == 1):
		p.SearchNote = "No search plot: it needs two numeric searched keys and a trial with a finished epoch."
	case errors.Is(err, sweep.ErrNoPlot): // nnfc cv: nothing searched
	default:
		return nil, err
	}
	return p, nil
}

// cvView formats the cross-validation summary for the page; nil without.
func cvView(cv *sweep.CVSummary) *CVView {
	if cv == nil {
		return nil
	}
	num := func(x sweep.Num) string { return x.Text("–") }
	v := &CVView{Folds: cv.Folds, Stratify: cv.Stratify, Monitor: cv.Monitor}
	for i, pt := range cv.Points {
		pv := CVPointView{Rank: i + 1, Mean: num(pt.Mean), Std: num(pt.Std)}
		for _, pr := range pt.Params {
			pv.Params = append(pv.Params, pr.Text())
		}
		for _, f := range pt.Folds {
			pv.Folds = append(pv.Folds, CVFoldView{Fold: f.Fold, Trial: f.Trial, BestEpoch: f.BestEpoch, State: f.State, Value: num(f.Value)})
		}
		v.Points = append(v.Points, pv)
	}
	return v
}
