package train

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/model"
)

// priceTable writes 150 rows of y = 3·a − 2·b² + 100 (+ noise) and
// z = 10·a, with a color column that shifts y, and a few blank targets.
func priceTable(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(4, 4))
	var b strings.Builder
	b.WriteString("a,b,color,y,z\n")
	for i := range 150 {
		a, c := rng.NormFloat64(), rng.NormFloat64()
		color := []string{"red", "green", "blue"}[rng.IntN(3)]
		y := 3*a - 2*c*c + 100 + 0.1*rng.NormFloat64()
		if color == "red" {
			y += 5
		}
		ys := fmt.Sprintf("%.4f", y)
		if i%50 == 7 {
			ys = ""
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%s,%s,%.4f\n", a, c, color, ys, 10*a)
	}
	p := filepath.Join(t.TempDir(), "prices.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRegressionTrainResume trains a two-target regression (data.target:
// [y, z]) with the huber loss under Adam with L2, in float32 and float64:
// the model fits (R² > 0.75 on the validation split after 6 epochs, in the data's
// units), its file stores the spec and the targets' scaling, and a run
// interrupted and resumed ends with the same model, bit for bit, and the
// same metrics.
func TestRegressionTrainResume(t *testing.T) {
	p := priceTable(t)
	for _, prec := range []string{"float32", "float64"} {
		t.Run(prec, func(t *testing.T) {
			base := fmt.Sprintf(`seed: 5
precision: %s
data: {source: table, train: %s, target: [y, z], val_fraction: 0.2}
model: {task: regression, hidden: [16], activation: tanh, loss: huber, reg: 0.0001}
optimizer: {rule: adam, lr: 0.02}
train: {epochs: 6, batch_size: 20} # 117 training rows: smallSteps (6) an epoch, as runToEnd expects
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
			net, norm, err := model.LoadFile[float64](f)
			if err != nil {
				t.Fatal(err)
			}
			if s := net.Spec; s.Kind != model.KindRegression || s.Targets != 2 || s.Loss != "huber" || s.HuberDelta != 1 || s.Classes != 0 {
				t.Fatalf("spec %+v", s)
			}
			if norm == nil || !strings.Contains(string(norm.Source), `"kind":"number","classes":null,"counts":null,"names":["y","z"]`) {
				t.Errorf("stored preprocessing: %s", norm.Source)
			}
			hist := readMetrics(t, ref.Train.OutDir)
			last := hist[len(hist)-1]
			if r2 := last.Val["r2"]; !(r2 > 0.75) || math.IsNaN(last.Val["rmse"]) || last.Train["rmse"] == 0 {
				t.Errorf("last epoch: val %v, train %v: want R² > 0.75", last.Val, last.Train)
			}
			if want.Monitor != "val_rmse" || want.BestMetrics["rmse"] != want.Best {
				t.Errorf("monitor %s best %v, best metrics %v", want.Monitor, want.Best, want.BestMetrics)
			}
			cut := loadConfig(t, base)
			got := runToEnd(t, cut, []int{5, 7})
			if !bytes.Equal(readFile(t, filepath.Join(cut.Train.OutDir, rundir.Model)), readFile(t, filepath.Join(ref.Train.OutDir, rundir.Model))) {
				t.Error("model.safetensors differs from the uninterrupted run's")
			}
			if g, w := timeless(readMetrics(t, cut.Train.OutDir)), timeless(readMetrics(t, ref.Train.OutDir)); !reflect.DeepEqual(g, w) {
				t.Errorf("metrics\n%+v\nwant\n%+v", g, w)
			}
			if got.Best != want.Best {
				t.Errorf("best val_rmse %v, want %v", got.Best, want.Best)
			}
		})
	}
}
