package train

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// embedTable writes a table whose class is mostly the city's (12
// cities, 3 classes) with a numeric column and blank cells: data.embed
// gives the city a table.
func embedTable(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 3))
	var b strings.Builder
	b.WriteString("city,size,y\n")
	for range 150 {
		c := rng.IntN(12)
		y := c % 3
		if rng.IntN(10) == 0 {
			y = rng.IntN(3)
		}
		city := fmt.Sprintf("city%02d", c)
		if rng.IntN(20) == 0 {
			city = ""
		}
		fmt.Fprintf(&b, "%s,%.3f,%c\n", city, rng.NormFloat64()+float64(y), 'a'+rune(y))
	}
	p := filepath.Join(t.TempDir(), "cities.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTableEmbedTrainResume trains a table network with an embedding
// table (data.embed) under Adam with L2, in float32 and float64: the
// model file holds the table (embed.0.weight, city's 12 categories,
// <missing> and <other> by 3), the network learns the city's class, and
// a run interrupted and resumed ends with the same model, bit for bit.
func TestTableEmbedTrainResume(t *testing.T) {
	p := embedTable(t)
	for _, prec := range []string{"float32", "float64"} {
		t.Run(prec, func(t *testing.T) {
			base := fmt.Sprintf(`seed: 3
precision: %s
data: {source: table, train: %s, target: y, embed: {city: 3}, val_fraction: 0.2, stratify: true}
model: {hidden: [8], reg: 0.001}
optimizer: {rule: adam, lr: 0.02}
train: {epochs: 6, batch_size: 20} # 120 training rows: smallSteps (6) an epoch, as runToEnd expects
`, prec, p)
			ref := loadConfig(t, base)
			want, err := Start(context.Background(), ref, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := model.Open(filepath.Join(ref.Train.OutDir, rundir.Model))
			if err != nil {
				t.Fatal(err)
			}
			net, _, err := model.LoadFile[float64](f)
			if err != nil {
				t.Fatal(err)
			}
			// city: 12 values, <missing>, <other>; size: 1 input.
			if e := net.Spec.Embed; len(e) != 1 || e[0] != (layers.EmbedColumn{Col: 0, Vocab: 14, Dim: 3}) || net.Spec.Dims()[0] != 4 {
				t.Fatalf("spec %s: embed %v", net.Spec, e)
			}
			if f.Meta[model.MetaVersion] != "3" || f.Precision() != prec {
				t.Errorf("model file version %s, precision %s", f.Meta[model.MetaVersion], f.Precision())
			}
			if !(want.BestValAcc > 0.6) {
				t.Errorf("best validation accuracy %.3f: the city's table did not learn the city's class", want.BestValAcc)
			}
			cut := loadConfig(t, base)
			got := runToEnd(t, cut, []int{5, 7})
			if !bytes.Equal(readFile(t, filepath.Join(cut.Train.OutDir, rundir.Model)), readFile(t, filepath.Join(ref.Train.OutDir, rundir.Model))) {
				t.Error("model.safetensors differs from the uninterrupted run's")
			}
			if g, w := timeless(readMetrics(t, cut.Train.OutDir)), timeless(readMetrics(t, ref.Train.OutDir)); !reflect.DeepEqual(g, w) {
				t.Errorf("metrics\n%+v\nwant\n%+v", g, w)
			}
			if got.BestValAcc != want.BestValAcc {
				t.Errorf("best val acc %v, want %v", got.BestValAcc, want.BestValAcc)
			}
		})
	}
}

// TestWatchDivergence: a run whose epoch loss went from the start to
// near zero and moves back up by orders of magnitude, but stays far
// below where it started, has fitted its training set; a loss that
// climbs back up to the start's order is a divergence; one warning.
func TestWatchDivergence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		start  float64
		losses []float64
		warn   int // epoch of the warning, 0: none
	}{
		{"fitted, small wobble", 1.1, []float64{0.3, 1e-3, 1e-5, 1.2e-3, 4e-3}, 0},
		{"diverging", 1.1, []float64{0.3, 0.004, 0.5, 40}, 3},
		{"above the start", 1.1, []float64{0.02, 2.5}, 2},
		{"no start recorded (old checkpoint)", 0, []float64{0.3, 1e-3, 0.2}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errOut bytes.Buffer
			tr := &trainer[float32]{o: Options{Stderr: &errOut}, prog: newProgress("none", &errOut, nil),
				st: &state{LossStart: tc.start, LossFloor: tc.start}}
			if tc.start == 0 {
				tr.st.LossFloor = 1.1
			}
			for i, l := range tc.losses {
				tr.watchDivergence(rundir.Metrics{Epoch: i + 1, Loss: l})
			}
			got := 0
			if len(tr.st.Warnings) > 0 {
				_, after, _ := strings.Cut(tr.st.Warnings[0], " at epoch ")
				fmt.Sscanf(after, "%d", &got)
			}
			if got != tc.warn || len(tr.st.Warnings) > 1 {
				t.Errorf("warnings %q, expected one at epoch %d (0: none)", tr.st.Warnings, tc.warn)
			}
		})
	}
}
