package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LRFind is a learning-rate range test (nnfc lrfind) to draw: the loss of
// each step against its rate, raw and smoothed, and the suggested rates.
type LRFind struct {
	Title              string
	LR, Loss, Smoothed []float64
	Marks              []LRMark
}

// LRMark is one suggested rate: its rule's name, the rate and the
// smoothed loss there; Chosen is the one the command suggests.
type LRMark struct {
	Name     string
	LR, Loss float64
	Chosen   bool
}

// LRFindPNG draws the range test: the rate on a logarithmic x axis, the
// raw loss of each step in light gray, the smoothed loss in blue, and each
// suggestion as a dotted vertical line with a ring on the curve (the
// chosen one in orange, the others in green, purple and brown). The y axis spans the losses up to the smoothed
// minimum: what diverges after it leaves through the top.
func LRFindPNG(f LRFind) ([]byte, error) {
	n := len(f.LR)
	if n < 2 || len(f.Loss) != n || len(f.Smoothed) != n {
		return nil, errors.New("plots: a range test needs at least two steps of rate, loss and smoothed loss")
	}
	p := newPlot(f.Title, "learning rate (log scale)", "training loss")
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, decadeTicks{}
	p.Y.Tick.Marker = niceTicks{}
	raw, smooth := make(plotter.XYs, n), make(plotter.XYs, n)
	for i := range f.LR {
		raw[i] = plotter.XY{X: f.LR[i], Y: f.Loss[i]}
		smooth[i] = plotter.XY{X: f.LR[i], Y: f.Smoothed[i]}
	}
	finite := func(xy plotter.XYs) plotter.XYs {
		return slices.DeleteFunc(slices.Clone(xy), func(v plotter.XY) bool { return math.IsNaN(v.Y) || math.IsInf(v.Y, 0) })
	}
	raw, smooth = finite(raw), finite(smooth)
	if len(smooth) < 2 {
		return nil, errors.New("plots: the range test has fewer than two finite losses")
	}
	legend := newLegend()
	legend.Top = false
	var names []string
	add := func(name string, th ...plot.Thumbnailer) {
		legend.Add(name, th...)
		names = append(names, name)
	}
	if len(raw) >= 2 {
		l, err := plotter.NewLine(raw)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = color.Gray{185}, vg.Points(0.8)
		p.Add(l)
		add("loss of each step", l)
	}
	l, err := plotter.NewLine(smooth)
	if err != nil {
		return nil, err
	}
	l.Color, l.Width = Blue, vg.Points(1.8)
	p.Add(l)
	add("smoothed loss", l)
	others := []color.RGBA{Green, tab10[4], tab10[5]}
	k := 0
	for _, m := range f.Marks {
		c := Orange
		if !m.Chosen {
			c = others[k%len(others)]
			k++
		}
		style := draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
		p.Add(&VLine{X: m.LR, Style: style})
		s, err := plotter.NewScatter(plotter.XYs{{X: m.LR, Y: m.Loss}})
		if err != nil {
			return nil, err
		}
		s.Shape, s.Radius, s.Color = draw.RingGlyph{}, vg.Points(5), c
		p.Add(s)
		name := fmt.Sprintf("%s: %.3g", m.Name, m.LR)
		if m.Chosen {
			name += " (suggested)"
		}
		ring := ring(c)
		add(name, ring, &VLine{Style: style})
	}
	// y: from the lowest loss to the highest smoothed loss before the
	// smoothed minimum (or the first step's loss): the blow-up past the
	// minimum leaves through the top instead of flattening the curve.
	lo, sMin, at := math.Inf(1), math.Inf(1), 0
	for i, v := range smooth {
		if v.Y < sMin {
			sMin, at = v.Y, i
		}
	}
	hi := raw[0].Y
	for _, v := range smooth[:at+1] {
		hi = max(hi, v.Y)
	}
	for _, v := range raw {
		if v.X <= smooth[at].X {
			hi = max(hi, v.Y)
		}
	}
	for _, v := range raw {
		lo = min(lo, v.Y)
	}
	lo = min(lo, sMin)
	fitLinear(&p.Y, []float64{lo, hi})
	p.Y.Min = max(p.Y.Min, 0)
	p.X.Min, p.X.Max = f.LR[0], f.LR[n-1]
	p.Legend = legend
	img := newCanvas(8*vg.Inch, 4.8*vg.Inch)
	dc := draw.New(img)
	p.Draw(dc)
	return encode(img)
}

// decadeTicks labels each power of ten of a log axis (1e-07 ... 0.01, 0.1,
// 1, 10), with unlabelled ticks at 2..9 times each.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = strconv.FormatFloat(math.Pow(10, e), 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}
