package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// threadsPacker is a Packer that packs nothing and reports threads: the
// products stay on the plain path while Evaluate sees that many threads.
type threadsPacker int

func (threadsPacker) Pack([]float32, int, int) layers.Packed { return nil }
func (p threadsPacker) Threads() int                         { return int(p) }

// TestEvaluateThreads: on two threads Evaluate runs each batch's loss
// beside its meter, and the meter shares out its softmax; the loss, the
// accuracy and every metric keep one thread's bits. Twin: batches of 300
// rows instead of 700 (the loss summed in another order) change the
// loss's bits, so the comparison sees a difference of rounding.
func TestEvaluateThreads(t *testing.T) {
	defer layers.SetPacker(layers.CurrentPacker())
	spec := model.Spec{InputDim: 6, Hidden: []int{9}, Activations: []string{"swish"}, Classes: 5, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	ds := &data.Dataset{Name: "rows", N: 1500, D: 6, Classes: 5}
	for i := range ds.N {
		for range ds.D {
			ds.X = append(ds.X, float32(rng.NormFloat64()))
		}
		ds.Y = append(ds.Y, int32(i%5))
	}
	eval := func(threads, batch int) Eval {
		layers.SetPacker(threadsPacker(threads))
		return (&Evaluator[float32]{Net: net, Batch: batch}).Evaluate(ds, nil, true)
	}
	one := eval(1, 700)
	before := concurrentBatches.Load()
	two := eval(2, 700)
	if got := concurrentBatches.Load() - before; got != 2 {
		t.Errorf("%d batches ran loss and meter at once, want 2 (700, 700; not the last 100)", got)
	}
	if math.Float64bits(two.Loss) != math.Float64bits(one.Loss) || two.Accuracy != one.Accuracy {
		t.Errorf("two threads: loss %v accuracy %v; one: %v %v", two.Loss, two.Accuracy, one.Loss, one.Accuracy)
	}
	if len(one.Metrics) == 0 {
		t.Fatal("no metrics")
	}
	for name, v := range one.Metrics {
		if math.Float64bits(two.Metrics[name]) != math.Float64bits(v) {
			t.Errorf("two threads: %s %v, one thread %v", name, two.Metrics[name], v)
		}
	}
	if other := eval(2, 300); math.Float64bits(other.Loss) == math.Float64bits(one.Loss) {
		t.Errorf("twin: batches of 300 gave the loss of batches of 700 bit for bit (%v)", one.Loss)
	}
}
