package plots

import (
	"fmt"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/task"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Size of the sweep report's curves: as wide as the page's column at 96
// px per inch, so the legend's 12 points read as 16 px there.
const (
	trialsWidth = 12 * vg.Inch
	trialsPlotH = 4.4 * vg.Inch
)

// TrialCurves overlays the validation loss and accuracy of the runs (the
// best trials of a sweep), one colour per run and a ring on each run's
// best epoch, with the legend (one line per run) under the plots, as a
// PNG.
func TrialCurves(runs []Run) ([]byte, error) {
	f, err := trialCurves(runs)
	if err != nil {
		return nil, err
	}
	img := newCanvas(trialsWidth, f.height)
	f.draw(draw.New(img))
	return encode(img)
}

type trialFigure struct {
	loss, acc *plot.Plot
	legend    plot.Legend
	names     []string
	height    vg.Length
}

func trialCurves(runs []Run) (*trialFigure, error) {
	f := &trialFigure{legend: newLegend()}
	f.legend.TextStyle.Font.Size = vg.Points(12)
	f.loss = newPlot("Validation loss of the best trials", "epoch", "validation data loss")
	if len(runs) == 0 {
		return nil, fmt.Errorf("plots: no trial to plot")
	}
	// The task's figure beside the loss (accuracy in %, by default).
	curve, scale := runs[0].Curve, 1.0
	if curve.Val == "" {
		curve = task.All[0].Curve()
	}
	axis := "validation " + curve.Axis
	if curve.Fraction {
		scale, axis = 100, axis+" (%)"
	}
	f.acc = newPlot("Validation "+curve.Title+" of the best trials", "epoch", axis)
	f.loss.X.Tick.Marker, f.acc.X.Tick.Marker = epochTicks{}, epochTicks{}
	f.acc.Y.Tick.Marker = niceTicks{}
	var losses []float64
	for i, r := range runs {
		if len(r.Metrics) == 0 {
			return nil, fmt.Errorf("plots: run %s has no finished epoch", r.Name)
		}
		c := SeriesColor(i)
		var line *plotter.Line
		for _, s := range []struct {
			p *plot.Plot
			f func(rundir.Metrics) float64
		}{{f.loss, func(m rundir.Metrics) float64 { return m.ValLoss }}, {f.acc, func(m rundir.Metrics) float64 { return scale * m.Figure(curve.Val) }}} {
			xy := series(r.Metrics, s.f)
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = c, vg.Points(1.5)
			s.p.Add(l)
			line = l
			if r.BestEpoch >= 1 && r.BestEpoch <= len(xy) {
				rg := ring(c)
				rg.XYs[0] = xy[r.BestEpoch-1]
				s.p.Add(rg)
			}
		}
		for _, m := range r.Metrics {
			losses = append(losses, m.ValLoss)
		}
		f.legend.Add(r.Name, line)
		f.names = append(f.names, r.Name)
	}
	lossAxis(f.loss, losses)
	f.legend.Add("best epoch", ring(gray))
	f.names = append(f.names, "best epoch")
	f.height = trialsPlotH + f.legendHeight() + 6*vg.Millimeter
	return f, nil
}

func (f *trialFigure) legendHeight() vg.Length {
	h := f.legend.TextStyle.Height("Xg")
	return vg.Length(len(f.names)) * (h + f.legend.Padding)
}

// draw puts the two plots in a row and the legend under them, from the
// left edge: its lines may be as long as the picture is wide.
func (f *trialFigure) draw(c draw.Canvas) layout {
	lh := f.legendHeight() + 4*vg.Millimeter
	lc := draw.Crop(c, 8*vg.Millimeter, 0, 2*vg.Millimeter, -(c.Size().Y - lh))
	f.legend.Draw(lc)
	pc := draw.Crop(c, 0, 0, lh, 0)
	cs := tiles(pc, [][]*plot.Plot{{f.loss, f.acc}})
	return layout{legend: f.legend.Rectangle(lc), data: []vg.Rectangle{f.loss.DataCanvas(cs[0][0]).Rectangle, f.acc.DataCanvas(cs[0][1]).Rectangle}}
}
