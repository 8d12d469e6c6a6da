package task

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/metrics"
	"github.com/nnfc/nnfc/pkg/model"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct{ kind, want string }{{"", "classifier"}, {"classifier", "classifier"}, {"autoencoder", "autoencoder"}} {
		tk, err := Lookup(tc.kind)
		if err != nil || tk.Name() != tc.want {
			t.Errorf("Lookup(%q) = %v, %v", tc.kind, tk, err)
		}
	}
	if _, err := Lookup("vae"); err == nil || err.Error() != `model.kind: must be one of classifier, autoencoder, binary, regression, multilabel, got "vae"` {
		t.Errorf("Lookup(vae): %v", err)
	}
	// A task's spec is of its model kind, and Of finds the task back.
	for _, tk := range All {
		s := tk.Spec(Model{Kind: tk.Name(), CodeDim: 2, Activation: "relu", Loss: "softmax", Init: "he"}, 4, 3, 0)
		if Of(s).Name() != tk.Name() {
			t.Errorf("task %s: spec %+v is %s's", tk.Name(), s, Of(s).Name())
		}
	}
}

func TestClassMeter(t *testing.T) {
	m := classifier{}.NewMeter(3, true)
	if !m.Argmax() || !m.Outputs() {
		t.Fatal("a classifier's meter needs the arg-max and the output rows (for the probabilities)")
	}
	// Scores whose arg-max is Pred; the last row's log-softmax is known.
	out := []float64{2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, math.Log(3)}
	m.Add(Batch{Pred: []int32{0, 1, 2, 2}, Class: []int32{0, 1, 1, 2}, Out: out, Cols: 3})
	ev := Eval{N: 4}
	m.Done(&ev, 5)
	if ev.Accuracy != 0.75 || ev.Confusion[1][2] != 1 || ev.PerClass[1] != 0.5 || ev.PerClass[2] != 1 {
		t.Errorf("eval %+v", ev)
	}
	// log loss: the mean of −log softmax(row)[label], by hand.
	var want float64
	for i, y := range []int{0, 1, 1, 2} { // the labels
		row := out[3*i : 3*i+3]
		want -= row[y] - math.Log(math.Exp(row[0])+math.Exp(row[1])+math.Exp(row[2]))
	}
	want /= 4
	if got := ev.Metrics["log_loss"]; math.Abs(got-want) > 1e-12 {
		t.Errorf("log_loss %v, want %v", got, want)
	}
	for _, name := range (classifier{}).Metrics() {
		if _, ok := ev.Metrics[name]; !ok {
			t.Errorf("metrics lack %s: %v", name, ev.Metrics)
		}
	}
	if ev.Curves == nil || len(ev.Curves.Reliability) != metrics.Bins {
		t.Errorf("a full evaluation has no reliability bins: %+v", ev.Curves)
	}
	var w bytes.Buffer
	classifier{}.WriteEval(&w, ev, 5)
	for _, s := range []string{"accuracy  75.00%", "    1    50.00%      0     1     1", "f1_macro", "macro mean", "log_loss"} {
		if !strings.Contains(w.String(), s) {
			t.Errorf("eval output lacks %q:\n%s", s, w.String())
		}
	}
	// Weighted: the accuracy and the metrics weigh each row.
	m = classifier{}.NewMeter(3, false)
	m.Add(Batch{Pred: []int32{0, 1, 2, 2}, Class: []int32{0, 1, 1, 2}, Out: out, Cols: 3, Weight: []float64{1, 1, 2, 0}})
	ev = Eval{N: 4}
	m.Done(&ev, 5)
	if ev.Accuracy != 0.5 || ev.Metrics["accuracy"] != 0.5 || ev.Confusion != nil || ev.Curves != nil {
		t.Errorf("weighted eval: accuracy %v (want 2/4), %+v", ev.Accuracy, ev)
	}
}

func TestMSEMeter(t *testing.T) {
	m := autoencoder{}.NewMeter(0, true)
	if m.Argmax() || m.Outputs() {
		t.Fatal("an autoencoder's meter asks for no arg-max and no outputs")
	}
	ev := Eval{N: 10, Loss: 3}
	m.Done(&ev, 4)
	// The loss is ½‖r − x‖² per sample: the MSE per entry is 2·3/4.
	if ev.MSE != 1.5 || ev.Confusion != nil || ev.Accuracy != 0 {
		t.Errorf("eval %+v", ev)
	}
	if err := (autoencoder{}).CheckData(model.Spec{InputDim: 4, CodeDim: 4}, "d"); err == nil || !strings.Contains(err.Error(), "must be below the input dimension 4 of d") {
		t.Errorf("CheckData: %v", err)
	}
}

func TestDefaultsAndCheck(t *testing.T) {
	m, monitor := Model{Kind: "autoencoder", Activation: "relu", Hidden: []int{100}}, "val_acc"
	Defaults(&m, &monitor, map[string]bool{"model.activation": true})
	if m.Activation != "relu" || m.Hidden != nil || monitor != "val_loss" {
		t.Errorf("autoencoder defaults: %+v, monitor %s", m, monitor)
	}
	var got []string
	bad := func(key, format string, a ...any) { got = append(got, key) }
	Check(Model{Kind: "x", Activation: "relu", Loss: "softmax"}, "val_acc", map[string]bool{"model.code_dim": true}, bad)
	if strings.Join(got, ",") != "model.kind,model.code_dim" {
		t.Errorf("unknown kind: problems %v", got)
	}
}

// TestClassMeterThreads: a classMeter that shares its softmax over
// goroutines (Batch.Threads) keeps the probabilities and metrics of one
// goroutine bit for bit, over batches whose rows split unevenly (and one
// below softmaxRows per part). Twin: one output moved by 1e-12 of itself
// changes the kept probabilities, so the comparison sees a row computed
// wrong.
func TestClassMeterThreads(t *testing.T) {
	const k = 7
	rng := rand.New(rand.NewPCG(5, 6))
	n := 5*softmaxRows + 37 // the middle batch, 450 rows, splits in up to 3
	out := make([]float64, n*k)
	for i := range out {
		out[i] = rng.NormFloat64() * 4
	}
	y, pred := make([]int32, n), make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(k))
		pred[i] = int32(rng.IntN(k))
	}
	run := func(threads int, out []float64) (*classMeter, Eval) {
		m := classifier{}.NewMeter(k, true).(*classMeter)
		for _, cut := range [][2]int{{0, softmaxRows - 1}, {softmaxRows - 1, n - 100}, {n - 100, n}} {
			lo, hi := cut[0], cut[1]
			m.Add(Batch{Pred: pred[lo:hi], Class: y[lo:hi], Out: out[lo*k : hi*k], Cols: k, Threads: threads})
		}
		ev := Eval{N: n}
		m.Done(&ev, 3)
		return m, ev
	}
	m1, ev1 := run(1, out)
	for _, threads := range []int{2, 3, 8} {
		m, ev := run(threads, out)
		if !slices.Equal(m.probs, m1.probs) {
			t.Errorf("%d threads: probabilities differ from one thread's", threads)
		}
		for name, v := range ev1.Metrics {
			if math.Float64bits(ev.Metrics[name]) != math.Float64bits(v) {
				t.Errorf("%d threads: %s %v, one thread %v", threads, name, ev.Metrics[name], v)
			}
		}
	}
	moved := slices.Clone(out)
	moved[(n-50)*k+3] *= 1 + 1e-12
	if m, _ := run(2, moved); slices.Equal(m.probs, m1.probs) {
		t.Error("twin: an output moved by 1e-12 left every probability as it was")
	}
}
