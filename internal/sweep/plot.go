package sweep

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/pkg/atomicfile"
)

// ErrNoPlot is returned by Plot when fewer than two numeric keys were
// searched or no trial finished an epoch.
var ErrNoPlot = errors.New("nothing to plot")

// PlotAxes picks the two searched keys the plot shows: optimizer.lr and
// model.reg when both were searched, else the first two numeric ones.
func PlotAxes(tab *Table) (x, y string, ok bool) {
	var numeric []string
	for _, k := range tab.Keys {
		if numericKey(tab, k) {
			numeric = append(numeric, k)
		}
	}
	if slices.Contains(numeric, "optimizer.lr") && slices.Contains(numeric, "model.reg") {
		return "optimizer.lr", "model.reg", true
	}
	if len(numeric) < 2 {
		return "", "", false
	}
	return numeric[0], numeric[1], true
}

func numericKey(tab *Table, k string) bool {
	for _, t := range tab.Trials {
		if _, ok := paramFloat(t.Params, k); !ok {
			return false
		}
	}
	return len(tab.Trials) > 0
}

func paramFloat(ps []Param, k string) (float64, bool) {
	for _, p := range ps {
		if p.Key == k {
			switch v := p.Value.(type) {
			case float64:
				return v, true
			case int:
				return float64(v), true
			}
		}
	}
	return 0, false
}

// Plot draws the search (SearchPNG) as a PNG into path.
func Plot(tab *Table, path string) error {
	b, err := SearchPNG(tab)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// SearchPNG draws the search like the course's plot of its learning rate
// × regularization search (internal/plots draws it): with a grid, a heat
// map of the best validation accuracy of each (x, y) cell (the best over
// the other searched keys, printed in the cell); with random values, a
// scatter of the trials on log axes colored by validation accuracy.
func SearchPNG(tab *Table) ([]byte, error) {
	xk, yk, ok := PlotAxes(tab)
	if !ok || tab.Best == nil {
		return nil, ErrNoPlot
	}
	s := plots.Search{XKey: xk, YKey: yk, XS: distinct(tab, xk), YS: distinct(tab, yk), Format: func(v float64) string { return FormatValue(v) }}
	var pts []plots.SearchPoint
	for _, t := range tab.Trials {
		if t.Epochs == 0 || math.IsNaN(t.BestValAcc) {
			continue
		}
		x, _ := paramFloat(t.Params, xk)
		y, _ := paramFloat(t.Params, yk)
		pts = append(pts, plots.SearchPoint{X: x, Y: y, Acc: t.BestValAcc})
	}
	if len(pts) == 0 {
		return nil, ErrNoPlot
	}
	nx, ny := len(s.XS), len(s.YS)
	s.Title = fmt.Sprintf("sweep %s: best validation accuracy", tab.Name)
	if nx*ny <= 400 && nx*ny <= 4*len(tab.Trials) {
		// One cell per (x, y) pair, the best accuracy in it.
		s.Z = make([]float64, nx*ny)
		for i := range s.Z {
			s.Z[i] = math.NaN()
		}
		for _, q := range pts {
			c, r := slices.Index(s.XS, q.X), slices.Index(s.YS, q.Y)
			if i := r*nx + c; math.IsNaN(s.Z[i]) || q.Acc > s.Z[i] {
				s.Z[i] = q.Acc
			}
		}
		if len(tab.Keys) > 2 {
			s.Title += " (best over the other keys)"
		}
	} else {
		s.Points = pts
		s.Title = fmt.Sprintf("sweep %s: best validation accuracy of each trial", tab.Name)
	}
	return plots.SearchPNG(s)
}

func distinct(tab *Table, k string) []float64 {
	var out []float64
	for _, t := range tab.Trials {
		v, _ := paramFloat(t.Params, k)
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}
