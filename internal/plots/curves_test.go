package plots

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/task"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// curve is n epochs of a falling loss with one spike at epoch spike.
func curve(n, spike int, floor float64) []rundir.Metrics {
	ms := make([]rundir.Metrics, n)
	for i := range ms {
		l := floor + 1/float64(i+1)
		ms[i] = rundir.Metrics{Epoch: i + 1, DataLoss: l, ValLoss: 1.1 * l, TrainAcc: 1 - l/2, ValAcc: 1 - l/1.8}
		if i+1 == spike {
			ms[i].ValLoss = 40 * l
		}
	}
	return ms
}

func TestCurvesLogScale(t *testing.T) {
	f, err := curves([]Run{{Name: "spiral-7", Metrics: curve(50, 25, 0.1), BestEpoch: 40}})
	if err != nil {
		t.Fatal(err)
	}
	loss, acc := f.loss, f.acc
	if _, ok := loss.Y.Scale.(plot.LogScale); !ok || !strings.Contains(loss.Y.Label.Text, "log") {
		t.Errorf("positive losses with a spike: scale %T, label %q; want a log axis that says so", loss.Y.Scale, loss.Y.Label.Text)
	}
	if loss.Title.Text != "spiral-7: loss" || acc.Title.Text != "spiral-7: accuracy" || acc.Y.Label.Text == "" {
		t.Errorf("titles %q %q, accuracy label %q", loss.Title.Text, acc.Title.Text, acc.Y.Label.Text)
	}
	// The best epoch is marked (the last legend entry).
	if l := f.names; len(l) == 0 || l[len(l)-1] != "best epoch 40" {
		t.Errorf("legend %q does not end with the best epoch", l)
	}
}

func TestCurvesClipsWithoutLog(t *testing.T) {
	ms := curve(50, 25, 0)
	ms[49].DataLoss = 0 // the SVM loss reaches 0: no log axis
	loss, _, err := Curves([]Run{{Name: "svm", Metrics: ms}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := loss.Y.Scale.(plot.LogScale); ok {
		t.Fatal("a zero loss on a log axis")
	}
	spike := 40 * (1 / 25.0)
	if !(loss.Y.Max < spike) || !strings.Contains(loss.Y.Label.Text, "clipped") {
		t.Errorf("axis max %g with a spike of %g, label %q: want it clipped below the spike and labelled so", loss.Y.Max, spike, loss.Y.Label.Text)
	}
}

func TestOverlay(t *testing.T) {
	runs := []Run{{Name: "a", Metrics: curve(10, 0, 0.1), BestEpoch: 9}, {Name: "b", Metrics: curve(20, 0, 0.2), BestEpoch: 3}}
	f, err := curves(runs)
	if err != nil {
		t.Fatal(err)
	}
	// One legend beside both plots: a color per run, then the key to
	// the styles.
	loss, names := f.loss, f.names
	want := "a|b|train (dashed)|validation (solid)|best epoch"
	if got := strings.Join(names, "|"); got != want || loss.Title.Text != "2 runs: loss" {
		t.Errorf("legend %q, title %q; want %q and \"2 runs: loss\"", got, loss.Title.Text, want)
	}
	var buf bytes.Buffer
	if err := WritePNG(&buf, runs); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 300 {
		t.Errorf("image %v too small", b)
	}
	if _, _, err := Curves([]Run{{Name: "empty"}}); err == nil {
		t.Error("a run without epochs plotted")
	}
}

// TestLossAxisFitsData: the log loss axis spans the data and little more
// (it was padded 5× above the data for a legend inside the plot, which
// squashed the curves into the lower part), for a classifier and for an
// autoencoder (whose loss curve looked flat for the same reason).
func TestLossAxisFitsData(t *testing.T) {
	ae := curve(30, 0, 0.02)
	for i := range ae {
		ae[i].TrainMSE, ae[i].ValMSE = ae[i].DataLoss/100, ae[i].ValLoss/100
	}
	for name, ms := range map[string][]rundir.Metrics{"classifier": curve(30, 0, 0.05), "autoencoder": ae} {
		tk, err := task.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := curves([]Run{{Name: name, Metrics: ms, BestEpoch: 25, Curve: tk.Curve()}})
		if err != nil {
			t.Fatal(err)
		}
		// The right plot is the task's figure (the autoencoder's MSE, not
		// an accuracy of 0 on a [0, 1] axis).
		if want := name + ": " + tk.Curve().Title; f.acc.Title.Text != want || (name == "autoencoder") == (f.acc.Y.Max == 1) {
			t.Errorf("%s: right plot %q up to %g, want %q", name, f.acc.Title.Text, f.acc.Y.Max, want)
		}
		lo, hi := f.lossData[0], f.lossData[1]
		if _, ok := f.loss.Y.Scale.(plot.LogScale); !ok {
			t.Fatalf("%s: not a log axis", name)
		}
		// At most a quarter of a decade's worth of slack on either side.
		if top, bot := f.loss.Y.Max/hi, lo/f.loss.Y.Min; top > 1.25 || bot > 1.25 || top < 1 || bot < 1 {
			t.Errorf("%s: axis [%.4g, %.4g] for losses in [%.4g, %.4g]: %.2f× above, %.2f× below; want the data's range within 1.25×",
				name, f.loss.Y.Min, f.loss.Y.Max, lo, hi, top, bot)
		}
	}
}

// TestLegendClearOfLines: no legend lies on a plot's data area, where the
// best epoch's dotted line and the curves run (the line crossed the
// legend in every curves plot), in nnfc plot's picture of one run and of
// several, and in the report's three panels.
func TestLegendClearOfLines(t *testing.T) {
	one, err := curves([]Run{{Name: "a", Metrics: curve(20, 0, 0.1), BestEpoch: 19}})
	if err != nil {
		t.Fatal(err)
	}
	several, err := curves([]Run{{Name: "a", Metrics: curve(20, 0, 0.1), BestEpoch: 19}, {Name: "b", Metrics: curve(12, 0, 0.2), BestEpoch: 12}})
	if err != nil {
		t.Fatal(err)
	}
	report, err := runCurves(curve(20, 0, 0.1), 19, task.All[0].Curve())
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*figure{"one run": one, "two runs": several, "report": report} {
		img := newCanvas(Width, Height)
		lay := f.draw(draw.New(img))
		if len(lay.data) != 2+len(f.more) {
			t.Fatalf("%s: %d plots drawn", name, len(lay.data))
		}
		for i, d := range lay.data {
			if overlap(lay.legend, d) {
				t.Errorf("%s: the legend %v lies on plot %d's data area %v", name, lay.legend, i, d)
			}
		}
		if lay.legend.Max.X > Width || lay.legend.Min.Y < 0 {
			t.Errorf("%s: the legend %v leaves the %v×%v picture", name, lay.legend, Width, Height)
		}
	}
}

func overlap(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

// TestTrialLegend: the sweep report's legend (long trial names) is whole
// inside the picture, off the plots, and its text is at least 12 px tall
// when the page shows the picture at its column width (it was about 7 px
// and clipped at the right).
func TestTrialLegend(t *testing.T) {
	var runs []Run
	for i := range 5 {
		runs = append(runs, Run{Name: fmt.Sprintf("#%d trial %03d: optimizer.lr=0.1 model.hidden=[200 100] model.reg=1e-05 train.batch_size=256", i+1, i), Metrics: curve(10+i, 0, 0.1), BestEpoch: 5})
	}
	f, err := trialCurves(runs)
	if err != nil {
		t.Fatal(err)
	}
	img := newCanvas(trialsWidth, f.height)
	lay := f.draw(draw.New(img))
	for i, d := range lay.data {
		if overlap(lay.legend, d) {
			t.Errorf("the legend %v lies on plot %d's data area %v", lay.legend, i, d)
		}
	}
	longest := legendWidth(&f.legend, f.names)
	if lay.legend.Min.X < 0 || lay.legend.Min.X+longest > trialsWidth || lay.legend.Min.Y < 0 {
		t.Errorf("the legend %v (longest entry %v) leaves the %v-wide picture", lay.legend, longest, trialsWidth)
	}
	// The report's column is 1184 CSS px wide (style.css: main max-width
	// 1240 px less 2×28 px of padding).
	const column = 1184.0
	px := f.legend.TextStyle.Font.Size.Points() / 72 * column / float64(trialsWidth/vg.Inch)
	if px < 12 {
		t.Errorf("legend text %.1f px tall on the page, want ≥ 12", px)
	}
}

// TestLogTicksLabelTop (issue 28, a flaw left by item 9): on a log loss
// axis the top of the data is labelled: a range ending at 0.095 had its
// last label at 0.05, half the axis's height below its top.
func TestLogTicksLabelTop(t *testing.T) {
	for _, r := range [][2]float64{{0.012, 0.095}, {0.11, 0.95}, {1.2, 9.5}, {0.02, 3}, {0.3, 40}} {
		var top, last plot.Tick
		for _, tk := range (logTicks{}).Ticks(r[0], r[1]) {
			if tk.Value > top.Value {
				top = tk
			}
			if tk.Label != "" && tk.Value > last.Value {
				last = tk
			}
		}
		if top.Value > 1.4*last.Value {
			t.Errorf("log axis [%g, %g]: the last label is %q at %g, below the top tick %g", r[0], r[1], last.Label, last.Value, top.Value)
		}
	}
}
