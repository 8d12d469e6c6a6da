package infer

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// spec is a small classifier: 3 inputs, one hidden layer of 5, 4 classes.
var spec = model.Spec{InputDim: 3, Hidden: []int{5}, Activations: []string{"relu"}, Classes: 4, Loss: "softmax", Init: "he", Reg: 0.01}

// saveModel writes a randomly initialized model of spec (float32 or
// float64 weights) with a normalizer that shifts every feature by 1 and
// scales it by 2, and returns its path and network.
func saveModel[T layers.Float](t *testing.T, s model.Spec) (string, *model.Net[T]) {
	t.Helper()
	net, err := model.New[T](s, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	norm := &data.Normalizer{Mode: "standardize"}
	for range s.InputDim {
		norm.Shift = append(norm.Shift, 1)
		norm.Scale = append(norm.Scale, 2)
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := model.Save(path, net, norm); err != nil {
		t.Fatal(err)
	}
	return path, net
}

// points is n raw samples of 3 features with labels in 0..3.
func points(n int) *data.Dataset {
	rng := rand.New(rand.NewPCG(3, 4))
	ds := &data.Dataset{Name: "points", N: n, D: 3, Classes: 4}
	for i := range n {
		for range 3 {
			ds.X = append(ds.X, float32(rng.NormFloat64()))
		}
		ds.Y = append(ds.Y, int32(i%4))
	}
	return ds
}

// TestPredictMatchesNetwork checks Predict against the network run by
// hand on the same normalized rows: the class is the argmax of the scores
// and the probabilities are their softmax, for every row across batch
// boundaries, in both precisions.
func TestPredictMatchesNetwork(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testPredict[float32](t, "") })
	t.Run("float64", func(t *testing.T) { testPredict[float64](t, "") })
	t.Run("float32 file as float64", func(t *testing.T) { testPredict[float32](t, "float64") })
}

func testPredict[T layers.Float](t *testing.T, precision string) {
	path, net := saveModel[T](t, spec)
	m, err := Open(path, precision)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want := precision
	if want == "" {
		want = map[bool]string{true: "float64", false: "float32"}[m.Net64() != nil]
	}
	if m.Precision != want || m.Spec.Classes != 4 || m.Norm == nil {
		t.Fatalf("opened precision %s, %d classes, normalizer %v", m.Precision, m.Spec.Classes, m.Norm)
	}
	raw := points(7)
	ds := raw.Subset([]int{0, 1, 2, 3, 4, 5, 6})
	if err := m.Prepare(ds, false); err != nil {
		t.Fatal(err)
	}
	if got, want := ds.X[0], (raw.X[0]-1)*2; got != want {
		t.Fatalf("normalized x[0] %g, want (%g−1)·2 = %g", got, raw.X[0], want)
	}
	rows := 0
	err = m.Predict(ds, 3, func(row int, p Prediction) error {
		if row != rows {
			t.Fatalf("row %d emitted as %d", rows, row)
		}
		rows++
		x := &layers.Matrix[T]{Rows: 1, Cols: 3}
		for j := range 3 {
			x.Data = append(x.Data, T(ds.X[row*3+j]))
		}
		net.SetTraining(false)
		scores := net.Scores(x).Row(0)
		best, sum, maxS := 0, 0.0, math.Inf(-1)
		for j, s := range scores {
			maxS = math.Max(maxS, float64(s))
			if s > scores[best] {
				best = j
			}
		}
		for _, s := range scores {
			sum += math.Exp(float64(s) - maxS)
		}
		if int(p.Class) != best {
			t.Errorf("row %d: class %d, argmax of the scores %d", row, p.Class, best)
		}
		for j, s := range scores {
			if want := math.Exp(float64(s)-maxS) / sum; math.Abs(p.Probs[j]-want) > 1e-5 {
				t.Errorf("row %d: p%d = %g, softmax %g", row, j, p.Probs[j], want)
			}
		}
		return nil
	})
	if err != nil || rows != 7 {
		t.Fatalf("Predict: %d rows, %v", rows, err)
	}
	// An error from emit stops Predict and is returned.
	stop := errors.New("stop")
	n := 0
	if err := m.Predict(ds, 2, func(int, Prediction) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("emit's error: got %v after %d rows", err, n)
	}
}

// TestEvaluateAgreesWithPredict: Evaluate's accuracy and confusion matrix
// count the classes Predict gives.
func TestEvaluateAgreesWithPredict(t *testing.T) {
	path, _ := saveModel[float32](t, spec)
	m, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	ds := points(50)
	if err := m.Prepare(ds, true); err != nil {
		t.Fatal(err)
	}
	confusion := make([][]int, 4)
	for i := range confusion {
		confusion[i] = make([]int, 4)
	}
	correct := 0
	if err := m.Predict(ds, 16, func(row int, p Prediction) error {
		confusion[ds.Y[row]][p.Class]++
		if p.Class == ds.Y[row] {
			correct++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ev := m.Evaluate(ds, 16)
	if ev.N != 50 || ev.Accuracy != float64(correct)/50 {
		t.Errorf("Evaluate: n %d accuracy %g; Predict: %d of 50 right", ev.N, ev.Accuracy, correct)
	}
	for i := range confusion {
		for j := range confusion[i] {
			if ev.Confusion[i][j] != confusion[i][j] {
				t.Fatalf("confusion %v, from Predict %v", ev.Confusion, confusion)
			}
		}
	}
	if !(ev.Loss > 0) || !(ev.RegLoss > 0) {
		t.Errorf("loss %g, L2 term %g: want both > 0 (spec.Reg is 0.01)", ev.Loss, ev.RegLoss)
	}
}

func TestWriteCSV(t *testing.T) {
	path, _ := saveModel[float32](t, spec)
	m, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	ds := points(5)
	if err := m.Prepare(ds, false); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.WriteCSV(&b, ds, 2); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if lines[0] != "row,class,p0,p1,p2,p3" || len(lines) != 6 {
		t.Fatalf("CSV:\n%s", b.String())
	}
	for i, l := range lines[1:] {
		f := strings.Split(l, ",")
		sum := 0.0
		for _, v := range f[2:] {
			p, _ := strconv.ParseFloat(v, 64)
			sum += p
		}
		if f[0] != strconv.Itoa(i) || len(f) != 6 || math.Abs(sum-1) > 1e-4 {
			t.Errorf("row %d: %q (probabilities sum to %g)", i, l, sum)
		}
	}
}

// TestErrors: each problem is refused with an error naming the file or
// data and what was expected.
func TestErrors(t *testing.T) {
	path, _ := saveModel[float32](t, spec)
	if _, err := Open(filepath.Join(t.TempDir(), "none.safetensors"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
	if _, err := Open(path, "float16"); err == nil || !strings.Contains(err.Error(), `must be float32, float64 or bfloat16, got "float16"`) {
		t.Errorf("bad precision: %v", err)
	}
	m, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	one := &data.Dataset{Name: "one.csv", X: []float32{1}, N: 1, D: 1}
	if err := m.Prepare(one, false); err == nil || err.Error() != "one.csv has 1 feature per sample, but the model "+path+" expects 3" {
		t.Errorf("wrong width: %v", err)
	}
	five := points(5)
	five.Classes = 6
	if err := m.Prepare(five, true); err == nil || !strings.Contains(err.Error(), "labels up to 5, but the model "+path+" has 4 classes") {
		t.Errorf("labels beyond the classes: %v", err)
	}
	ae := model.Spec{Kind: model.KindAutoencoder, InputDim: 4, CodeDim: 2, Activations: []string{"sigmoid"}, Loss: "mse", Init: "xavier"}
	aePath, _ := saveModel[float32](t, ae)
	a, err := Open(aePath, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CanPredict(); err == nil || !strings.Contains(err.Error(), aePath+": an autoencoder predicts no classes") {
		t.Errorf("autoencoder: %v", err)
	}
	if err := a.WriteCSV(&bytes.Buffer{}, points(1), 1); err == nil {
		t.Error("WriteCSV of an autoencoder: no error")
	}
}

// TestImageWarning (issue 28 item 3): a picture whose gray level is far
// from the training images' the other way round draws a warning naming
// --invert; one near them, or one that inverting would not bring nearer,
// does not.
func TestImageWarning(t *testing.T) {
	m := &Model{Norm: &data.Normalizer{Mean: 33, Std: 78}} // MNIST's raw pixels: 33.3 ± 78.6
	img := func(v float32) *data.Dataset {
		x := make([]float32, 16)
		for i := range x {
			x[i] = v
		}
		x[0] = 0
		return &data.Dataset{Name: "digit.png", X: x, N: 1, D: 16}
	}
	if w := m.ImageWarning(img(240), false); !strings.Contains(w, "digit.png: mean gray level 225 (mostly light)") || !strings.Contains(w, "add --invert") {
		t.Errorf("light picture: %q", w)
	}
	if w := m.ImageWarning(img(240), true); !strings.Contains(w, "leave --invert out") {
		t.Errorf("light picture after --invert: %q", w)
	}
	if w := m.ImageWarning(img(40), false); w != "" {
		t.Errorf("dark picture like the training data: %q", w)
	}
	if w := m.ImageWarning(img(120), false); w != "" {
		t.Errorf("mid-gray picture (inverting it would not help): %q", w)
	}
	if w := (&Model{Norm: &data.Normalizer{}}).ImageWarning(img(240), false); w != "" {
		t.Errorf("a model file without the training mean: %q", w)
	}
}

// TestReplica: a replica predicts exactly what its model does (float32
// and float64, batch norm's running statistics included), on a network of
// its own: scaling the replica's weights changes its predictions and not
// the model's (the negative twin: a replica sharing the network would
// change both).
func TestReplica(t *testing.T) {
	s := spec
	s.BatchNorm = true
	for _, prec := range []string{"float32", "float64"} {
		var path string
		if prec == "float32" {
			path, _ = saveModel[float32](t, s)
		} else {
			path, _ = saveModel[float64](t, s)
		}
		m, err := Open(path, "")
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Replica()
		if err != nil {
			t.Fatal(err)
		}
		predictions := func(m *Model) []float64 {
			ds := points(20)
			if err := m.Prepare(ds, false); err != nil {
				t.Fatal(err)
			}
			var out []float64
			if err := m.Predict(ds, 7, func(_ int, p Prediction) error {
				out = append(append(out, float64(p.Class)), p.Probs...)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		want, got := predictions(m), predictions(r)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: replica value %d = %v, model %v", prec, i, got[i], want[i])
			}
		}
		if r.Net64() != nil {
			d, _ := r.Net64().Flat()
			for i := range d {
				d[i] *= -3
			}
		} else {
			d, _ := r.Net32().Flat()
			for i := range d {
				d[i] *= -3
			}
		}
		changed, again := predictions(r), predictions(m)
		same := true
		for i := range want {
			if again[i] != want[i] {
				t.Fatalf("%s: changing the replica's weights changed the model's value %d", prec, i)
			}
			same = same && changed[i] == want[i]
		}
		if same {
			t.Fatalf("%s: the replica's predictions ignore its weights", prec)
		}
	}
}

// TestClassifyMatchesPredict: Classify gives Predict's probabilities and
// classes bit for bit, in one call of all rows and in calls of a few, in
// both precisions and on a Replica; an autoencoder is refused.
func TestClassifyMatchesPredict(t *testing.T) {
	for _, precision := range []string{"float32", "float64"} {
		t.Run(precision, func(t *testing.T) {
			path, _ := saveModel[float32](t, spec)
			m, err := Open(path, precision)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			ds := points(23)
			if err := m.Prepare(ds, false); err != nil {
				t.Fatal(err)
			}
			var want []float64
			var wantPred []int32
			if err := m.Predict(ds, 5, func(_ int, p Prediction) error {
				want = append(want, p.Probs...)
				wantPred = append(wantPred, p.Class)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			r, err := m.Replica()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				m    *Model
				step int
			}{{m, 23}, {m, 4}, {r, 23}} {
				probs, pred := make([]float64, len(want)), make([]int32, len(wantPred))
				for lo := 0; lo < ds.N; lo += c.step {
					hi := min(lo+c.step, ds.N)
					if err := c.m.Classify(ds.X[lo*3:hi*3], hi-lo, probs[lo*4:hi*4], pred[lo:hi]); err != nil {
						t.Fatal(err)
					}
				}
				for i := range want {
					if math.Float64bits(probs[i]) != math.Float64bits(want[i]) {
						t.Fatalf("step %d: probability %d: Classify %v, Predict %v", c.step, i, probs[i], want[i])
					}
				}
				for i := range wantPred {
					if pred[i] != wantPred[i] {
						t.Fatalf("step %d: row %d: class %d, Predict %d", c.step, i, pred[i], wantPred[i])
					}
				}
			}
		})
	}
	ae := model.Spec{Kind: model.KindAutoencoder, InputDim: 3, CodeDim: 2, Activations: []string{"sigmoid"}, Init: "he"}
	path, _ := saveModel[float32](t, ae)
	m, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Classify(make([]float32, 3), 1, make([]float64, 3), make([]int32, 1)); err == nil {
		t.Error("Classify of an autoencoder: no error")
	}
}
