package plots

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"gonum.org/v1/plot"
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
	// The best epoch is marked on both plots (the last legend entry).
	for _, p := range []*plot.Plot{loss, acc} {
		if l := f.legend[p]; len(l) == 0 || l[len(l)-1] != "best epoch 40" {
			t.Errorf("%s: legend does not end with the best epoch", p.Title.Text)
		}
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
	// the styles; none inside the plots.
	loss, names := f.loss, f.legend[nil]
	want := "a|b|train (dashed)|validation (solid)|best epoch"
	if got := strings.Join(names, "|"); got != want || loss.Title.Text != "2 runs: loss" || len(f.legend[f.loss])+len(f.legend[f.acc]) > 0 {
		t.Errorf("side legend %q, plot legends %q %q, title %q; want %q and \"2 runs: loss\"", got, f.legend[f.loss], f.legend[f.acc], loss.Title.Text, want)
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
