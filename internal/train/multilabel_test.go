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
	"github.com/nnfc/nnfc/pkg/model"
)

// labelTable writes 150 rows of two inputs a, b and three labels that
// depend on them: pos_a (a > 0), pos_b (b > 0) and big (a + b > 1), as
// 0/1 columns and as one column tags of the labels set, joined by ";"
// (blank where none is), with a weight column w.
func labelTable(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(24, 24))
	var b strings.Builder
	b.WriteString("a,b,pos_a,pos_b,big,tags,w\n")
	bit := func(c bool) int {
		if c {
			return 1
		}
		return 0
	}
	for range 150 {
		a, c := rng.NormFloat64(), rng.NormFloat64()
		var tags []string
		for _, l := range []struct {
			name string
			on   bool
		}{{"pos_a", a > 0}, {"pos_b", c > 0}, {"big", a+c > 1}} {
			if l.on {
				tags = append(tags, l.name)
			}
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%d,%d,%d,%s,%.2f\n", a, c, bit(a > 0), bit(c > 0), bit(a+c > 1), strings.Join(tags, ";"), 0.5+rng.Float64())
	}
	p := filepath.Join(t.TempDir(), "labels.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMultilabelTrainResume trains model.task multilabel on label columns
// (with sample weights and pos_weight) and on one ";" column: the model
// learns the labels (val micro F1 > 0.85 after 6 epochs), the file
// stores the task, labels and threshold, both target shapes give the
// same labels in the same order, and a run interrupted twice and
// resumed ends with the same model, bit for bit, and the same metrics.
func TestMultilabelTrainResume(t *testing.T) {
	p := labelTable(t)
	for _, tc := range []struct{ name, data, model, labels string }{
		{"columns", "target: [pos_a, pos_b, big], exclude: [tags], weight_column: w", "pos_weight: 1.5, threshold: 0.4", `"kind":"labels","classes":["pos_a","pos_b","big"]`},
		{"tags", "target: tags, exclude: [pos_a, pos_b, big]", "threshold: 0.5", `"kind":"labels","classes":["big","pos_a","pos_b"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := fmt.Sprintf(`seed: 5
data: {source: table, train: %s, %s, val_fraction: 0.2}
model: {task: multilabel, hidden: [16], activation: tanh, %s}
optimizer: {rule: adam, lr: 0.05}
train: {epochs: 6, batch_size: 20} # 120 training rows: smallSteps (6) an epoch, as runToEnd expects
`, p, tc.data, tc.model)
			ref := loadConfig(t, base)
			want, err := Start(context.Background(), ref, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := model.Open(filepath.Join(ref.Train.OutDir, rundir.Model))
			if err != nil {
				t.Fatal(err)
			}
			net, norm, err := model.LoadFile[float32](f)
			if err != nil {
				t.Fatal(err)
			}
			if s := net.Spec; s.Kind != model.KindMultilabel || s.Classes != 3 || s.Loss != model.LossBCE || s.Threshold != ref.Model.Threshold || s.PosWeight != ref.Model.PosWeight {
				t.Fatalf("spec %+v", s)
			}
			if norm == nil || !strings.Contains(string(norm.Source), tc.labels) {
				t.Errorf("stored preprocessing %s, want %s", norm.Source, tc.labels)
			}
			hist := readMetrics(t, ref.Train.OutDir)
			last := hist[len(hist)-1]
			if f1 := last.Val["f1_micro"]; !(f1 > 0.85) || last.Val["hamming_loss"] > 0.15 || last.Train["f1_micro"] == 0 {
				t.Errorf("last epoch: val %v, train %v: want micro F1 > 0.85", last.Val, last.Train)
			}
			if want.Monitor != "val_f1_micro" || want.BestMetrics["f1_micro"] != want.Best {
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
				t.Errorf("best val_f1_micro %v, want %v", got.Best, want.Best)
			}
		})
	}
}
