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

// weightedTable writes a small imbalanced two-class table (about 1 row in
// 5 positive) with a sample-weight column, and returns its path.
func weightedTable(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(24, 24))
	var b strings.Builder
	b.WriteString("x1,x2,w,y\n")
	for range 120 {
		pos := rng.Float64() < 0.2
		c := 0.0
		if pos {
			c = 1.2
		}
		y := "neg"
		if pos {
			y = "pos"
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%.3f,%s\n", c+rng.NormFloat64(), -c+rng.NormFloat64(), 0.5+rng.Float64(), y)
	}
	p := filepath.Join(t.TempDir(), "imb.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWeightedTrainResume: a classifier with balanced class weights and a
// weight column, and a binary model with pos_weight, class weights and a
// weight column, each train, store their fitted class weights (and
// threshold) in the model, and end identical when interrupted and
// resumed.
func TestWeightedTrainResume(t *testing.T) {
	csv := weightedTable(t)
	data := "data: {source: table, train: " + csv + ", target: y, weight_column: w, val_fraction: 0.25, stratify: true}\n"
	for _, tc := range []struct{ name, model string }{
		{"classification", "model: {hidden: [8], activation: tanh}\n"},
		{"binary", "model: {task: binary, hidden: [8], activation: tanh, pos_weight: 1.5, threshold: 0.4}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := "seed: 3\n" + data + tc.model + "optimizer: {rule: adam, lr: 0.02}\ntrain: {epochs: 3, batch_size: 16, class_weights: balanced}\n"
			ref := loadConfig(t, base)
			want, err := Start(context.Background(), ref, Options{})
			if err != nil {
				t.Fatal(err)
			}
			net, _, err := model.Load[float32](filepath.Join(ref.Train.OutDir, rundir.Model))
			if err != nil {
				t.Fatal(err)
			}
			// Balanced on the 90 training rows: n / (2 · count) per class,
			// the minority's weight above 1, the majority's below.
			cw := net.Spec.ClassWeights
			if len(cw) != 2 || !(cw[0] < 1 && cw[1] > 1) || math.Abs(1/cw[0]+1/cw[1]-2) > 1e-9 {
				t.Errorf("class weights %v: want n/(2·count) of each class (1/w0 + 1/w1 = 2)", cw)
			}
			if tc.name == "binary" && (net.Spec.Threshold != 0.4 || net.Spec.PosWeight != 1.5 || net.Spec.Dims()[2] != 1) {
				t.Errorf("binary spec %+v", net.Spec)
			}
			cut := loadConfig(t, base)
			got := runToEnd(t, cut, []int{4, 5})
			if !bytes.Equal(readFile(t, filepath.Join(cut.Train.OutDir, rundir.Model)), readFile(t, filepath.Join(ref.Train.OutDir, rundir.Model))) {
				t.Error("model.safetensors differs from the uninterrupted run's")
			}
			if g, w := timeless(readMetrics(t, cut.Train.OutDir)), timeless(readMetrics(t, ref.Train.OutDir)); !reflect.DeepEqual(g, w) {
				t.Errorf("metrics\n%+v\nwant\n%+v", g, w)
			}
			if got.BestEpoch != want.BestEpoch || got.BestValAcc != want.BestValAcc {
				t.Errorf("result %+v, want %+v", got, want)
			}
		})
	}
}

// TestNetSpecClassWeights: the spec nnfc gradcheck --config checks holds
// the class weights the run would fit (balanced on the training split),
// and an unknown class in the map is a one-line error naming it.
func TestNetSpecClassWeights(t *testing.T) {
	csv := weightedTable(t)
	base := "data: {source: table, train: " + csv + ", target: y, val_fraction: 0.25, stratify: true}\nmodel: {task: binary, hidden: [4]}\n"
	c := loadConfig(t, base+"train: {class_weights: balanced}\n")
	s, err := RawSplits(c)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := NetSpec(c, s)
	if err != nil || len(spec.ClassWeights) != 2 || !(spec.ClassWeights[1] > 1) {
		t.Fatalf("class weights %v, %v", spec.ClassWeights, err)
	}
	c = loadConfig(t, base+"train: {class_weights: {poss: 3}}\n")
	if _, err = NetSpec(c, s); err == nil || err.Error() != `train.class_weights.poss: no class "poss" (did you mean "pos"?), the classes are neg, pos` {
		t.Errorf("unknown class: %v", err)
	}
}
