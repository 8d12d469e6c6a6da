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

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/sweep"
)

// SweepPage is the report of a sweep directory (nnfc sweep).
type SweepPage struct {
	Dir, Name, Generated string
	Metric               string // val_acc or val_loss
	Keys                 []string
	Counts               string // e.g. "12 done"
	Best                 *SweepRow
	Rows                 []SweepRow   // every trial, best first
	Search               template.URL // the search plot, "" when there is none
	SearchNote           string       // why there is no search plot
	Curves               template.URL // the top trials' curves overlaid
	CurvesOf             string
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
// monitored metric (sweep.Results), the search plot (sweep.Plot) and the
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
	var counts []string
	for _, s := range []string{sweep.Done, sweep.Running, sweep.Pending, sweep.Failed, sweep.NaNStopped} {
		if n := tab.Counts[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, s))
		}
	}
	p.Counts = strings.Join(counts, ", ")
	rank := 0
	var runs []curveRun
	for _, t := range tab.Trials {
		r := SweepRow{Index: t.Index, State: t.State, BestEpoch: t.BestEpoch, Epochs: t.Epochs, Max: t.MaxEpochs, Seconds: t.Seconds,
			BestValAcc: "–", BestValLoss: "–", TestAccuracy: "–"}
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
				runs = append(runs, curveRun{name: fmt.Sprintf("#%d trial %03d: %s", r.Rank, t.Index, strings.Join(vals, " ")), ms: ms, best: t.BestEpoch})
			}
		}
	}
	if len(runs) > 0 {
		if p.Curves, err = sweepCurves(runs); err != nil {
			return nil, err
		}
		p.CurvesOf = fmt.Sprintf("The validation curves of the %d best trials by %s (rank, trial and values in the legend); a ring marks each trial's best epoch.", len(runs), tab.Metric)
	}
	// The search plot of nnfc sweep, drawn afresh into memory.
	tmp, err := os.MkdirTemp("", "nnfc-report-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	switch err := sweep.Plot(tab, filepath.Join(tmp, "search.png")); {
	case err == nil:
		b, err := os.ReadFile(filepath.Join(tmp, "search.png"))
		if err != nil {
			return nil, err
		}
		p.Search = pngURI(b)
	case errors.Is(err, sweep.ErrNoPlot):
		p.SearchNote = "No search plot: it needs two numeric searched keys and a trial with a finished epoch."
	default:
		return nil, err
	}
	return p, nil
}

// curveRun is one trial's curves.
type curveRun struct {
	name string
	ms   []rundir.Metrics
	best int
}

// sweepCurves overlays the validation loss and accuracy of runs, one color
// per run, a ring on each run's best epoch.
func sweepCurves(runs []curveRun) (template.URL, error) {
	loss := newPlot("Validation loss of the best trials", "epoch", "validation data loss")
	acc := newPlot("Validation accuracy of the best trials", "epoch", "validation accuracy (%)")
	loss.X.Tick.Marker, acc.X.Tick.Marker = niceTicks{}, niceTicks{}
	cols := classColors(len(runs))
	for i, r := range runs {
		for _, s := range []struct {
			p *plot.Plot
			f func(rundir.Metrics) float64
		}{{loss, func(m rundir.Metrics) float64 { return m.ValLoss }}, {acc, func(m rundir.Metrics) float64 { return 100 * m.ValAcc }}} {
			xy := make(plotter.XYs, len(r.ms))
			for j, m := range r.ms {
				xy[j] = plotter.XY{X: float64(m.Epoch), Y: s.f(m)}
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return "", err
			}
			l.Color, l.Width = cols[i], vg.Points(1.5)
			s.p.Add(l)
			if r.best >= 1 && r.best <= len(xy) {
				ring, _ := plotter.NewScatter(plotter.XYs{xy[r.best-1]})
				ring.Shape, ring.Radius, ring.Color = draw.RingGlyph{}, vg.Points(4), cols[i]
				s.p.Add(ring)
			}
			if s.p == acc {
				s.p.Legend.Add(r.name, l)
			}
		}
	}
	acc.Legend.Top, acc.Legend.Left = false, false
	acc.Legend.TextStyle.Font.Size = vg.Points(9)
	return render(13*vg.Inch, 4.6*vg.Inch, [][]*plot.Plot{{loss, acc}})
}
