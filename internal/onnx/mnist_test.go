package onnx

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
)

// TestMNISTInONNXRuntime trains a 784-64(swish)-10 classifier on real
// MNIST for 400 SGD steps (batch 64, the "scale" normalizer of
// configs/mnist-swish.yaml), exports it, and checks ONNX Runtime's
// probabilities and labels on the 10,000 test images against nnfc's.
func TestMNISTInONNXRuntime(t *testing.T) {
	dir := os.Getenv("NNFC_MNIST_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "data", "mnist")
	}
	train, err := data.LoadMNIST(dir, "train")
	if err != nil {
		t.Fatalf("real MNIST (make data fetches it; NNFC_MNIST_DIR points at it): %v", err)
	}
	test, err := data.LoadMNIST(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	rawTest := append([]float32(nil), test.X...)
	norm, err := data.FitNormalizer(data.NormScale, train)
	if err != nil {
		t.Fatal(err)
	}
	if err := norm.Apply(train); err != nil {
		t.Fatal(err)
	}
	spec := model.Spec{InputDim: 784, Hidden: []int{64}, Activations: []string{"swish"}, Classes: 10, Loss: "softmax", Init: "he"}
	rng := rand.New(rand.NewPCG(1, 0))
	net, err := model.New[float32](spec, rng)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := optim.New(optim.Config{Rule: "sgd"}, net.Params())
	if err != nil {
		t.Fatal(err)
	}
	const steps, batch = 400, 64
	x := layers.NewMatrix[float32](batch, 784)
	y := make([]int32, batch)
	idx := make([]int, batch)
	for range steps {
		for i := range idx {
			idx[i] = rng.IntN(train.N)
		}
		data.Gather(train, idx, x.Data, y)
		net.TrainStep(x, layers.Classes[float32](y), opt, 0.1)
	}
	path := filepath.Join(t.TempDir(), "mnist.safetensors")
	if err := model.Save(path, net, norm); err != nil {
		t.Fatal(err)
	}
	probs, labels := nnfcClassify(t, path, rawTest, test.N)
	out, _ := exportTo(t, path, Options{})
	in := filepath.Join(t.TempDir(), "test.bin")
	writeMatrix(t, in, rawTest, "float32")
	r := runORT(t, []ortJob{{Model: out, Input: in, Rows: test.N, Cols: 784, Dtype: "float32"}})[0]
	if msg := compareClassifier(t, r, probs, labels, nil, tol32); msg != "" {
		t.Fatalf("MNIST test set: %s", msg)
	}
	right := 0
	for i, l := range labels {
		if l == test.Y[i] {
			right++
		}
	}
	acc := float64(right) / float64(test.N)
	got := r.floats(t, OutProbabilities)
	t.Logf("MNIST test set, %d images: ONNX Runtime's probabilities within %.2g relative of nnfc's (%.2g where p ≥ 0.01, %.2g absolute), every label equal; accuracy %.2f%% after %d steps",
		test.N, relErr(got, probs), relErrAbove(got, probs, 0.01), absErr(got, probs), 100*acc, steps)
	if acc < 0.85 {
		t.Errorf("accuracy %.4f after %d steps: the model did not train, the comparison proves little", acc, steps)
	}
	checkONNX(t, out)
}
