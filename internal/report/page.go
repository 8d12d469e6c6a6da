package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"

	"github.com/nnfc/nnfc/internal/english"
)

//go:embed page.html.tmpl
var pageSource string

//go:embed sweep.html.tmpl
var sweepSource string

// style is the style sheet of both pages, inlined into each.
//
//go:embed style.css
var style string

var funcs = template.FuncMap{
	"pct":  func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) },
	"f4":   func(v float64) string { return fmt.Sprintf("%.4f", v) },
	"g3":   func(v float64) string { return fmt.Sprintf("%.3g", v) },
	"secs": english.Duration,
	"rate": rate,
	"int":  func(v int) string { return groupThousands(v) },
	"px":   func(v int) template.CSS { return template.CSS(fmt.Sprintf("width:%dpx", v)) },
	// src writes an image's src attribute as is: html/template would
	// escape every "+" of the base64 data as "&#43;" (a third more bytes).
	"src": func(u template.URL) template.HTMLAttr { return template.HTMLAttr(`src="` + string(u) + `"`) },
	"css": func() template.CSS { return template.CSS(style) },
	// prob keeps a digit more near certainty: 0.9996, not 1.000.
	"prob": func(p float64) string {
		if p >= 0.9995 {
			return fmt.Sprintf("%.4f", p)
		}
		return fmt.Sprintf("%.3f", p)
	},
}

var (
	page      = template.Must(template.New("report").Funcs(funcs).Parse(pageSource))
	sweepPage = template.Must(template.New("sweep").Funcs(funcs).Parse(sweepSource))
)

// Render writes the page as HTML.
func Render(w io.Writer, p *Page) error { return page.Execute(w, p) }

// RenderSweep writes the sweep page as HTML.
func RenderSweep(w io.Writer, p *SweepPage) error { return sweepPage.Execute(w, p) }

// minRateSeconds is the shortest time a samples/s figure is shown for:
// an epoch of a tiny table takes tens of microseconds, and samples over
// such a time ("4,152,568 samples/s") says nothing about the speed of
// training.
const minRateSeconds = 0.01

// rate formats samples/s measured over seconds: "–" when that is under
// minRateSeconds.
func rate(v, seconds float64) string {
	if seconds < minRateSeconds {
		return "–"
	}
	return groupThousands(int(v + 0.5))
}

// groupThousands formats 407050 as "407,050".
func groupThousands(v int) string {
	s := fmt.Sprint(v)
	if v < 0 {
		return "-" + groupThousands(-v)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
