package train

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestTestEachEpoch: train.test_each_epoch records the test split's
// accuracy and loss after every epoch, the last one equal to the final
// test of the same model (no validation split: the last epoch's model is
// the run's), and changes nothing else: the metrics without the test
// fields, the model file and the checkpoint equal a run without it.
func TestTestEachEpoch(t *testing.T) {
	text := "seed: 3\n" + strings.Replace(smallSpiral, "val_fraction: 0.25", "val_fraction: 0", 1) + `
model: {hidden: [16]}
optimizer: {rule: nesterov, lr: 0.1}
schedule: {kind: onecycle}
train: {epochs: 3, batch_size: 16%s}
`
	with := loadConfig(t, strings.Replace(text, "%s", ", test_each_epoch: true", 1))
	without := loadConfig(t, strings.Replace(text, "%s", "", 1))
	var out strings.Builder
	res, err := Start(context.Background(), with, Options{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Start(context.Background(), without, Options{}); err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, with.Train.OutDir)
	if len(ms) != 3 {
		t.Fatalf("%d metrics records, want 3", len(ms))
	}
	for _, m := range ms {
		if m.TestAcc == nil || m.TestLoss == nil || *m.TestAcc < 0 || *m.TestAcc > 1 || !(*m.TestLoss > 0) {
			t.Fatalf("epoch %d: test_acc %v, test_loss %v: want an accuracy in [0,1] and a positive loss", m.Epoch, m.TestAcc, m.TestLoss)
		}
		if m.CPUSeconds < 0 {
			t.Errorf("epoch %d: cpu_s %v < 0", m.Epoch, m.CPUSeconds)
		}
	}
	last := ms[len(ms)-1]
	if res.Test == nil || *last.TestAcc != res.Test.Accuracy || *last.TestLoss != res.Test.Loss {
		t.Errorf("last epoch's test_acc %v, test_loss %v; the run's test: %+v", *last.TestAcc, *last.TestLoss, res.Test)
	}
	if !strings.Contains(out.String(), "test_acc ") {
		t.Errorf("the epoch lines do not show test_acc:\n%s", out.String())
	}
	plain := readMetrics(t, without.Train.OutDir)
	for i := range ms {
		ms[i].TestAcc, ms[i].TestLoss, ms[i].CPUSeconds = nil, nil, 0
		if plain[i].TestAcc != nil {
			t.Errorf("epoch %d: test_acc recorded without train.test_each_epoch", i+1)
		}
	}
	if got, want := timeless(ms), timeless(plain); !reflect.DeepEqual(got, want) {
		t.Errorf("metrics differ beside the test fields:\n%+v\n%+v", got, want)
	}
	for _, f := range []string{"model.safetensors"} {
		if a, b := readFile(t, filepath.Join(with.Train.OutDir, f)), readFile(t, filepath.Join(without.Train.OutDir, f)); string(a) != string(b) {
			t.Errorf("%s differs with train.test_each_epoch", f)
		}
	}
}

// TestTestEachEpochNeedsTestSplit: a source without a test split is a
// one-line error naming the key.
func TestTestEachEpochNeedsTestSplit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(p, []byte("0,0.1,0.2\n1,0.3,0.7\n0,0.5,0.1\n1,0.9,0.3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := loadConfig(t, "data: {source: csv, train: "+p+", val_count: 0, normalize: none}\ntrain: {test_each_epoch: true, epochs: 1}\n")
	_, err := Start(context.Background(), c, Options{})
	if err == nil || !strings.Contains(err.Error(), "train.test_each_epoch") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v, want a one-line error naming train.test_each_epoch", err)
	}
}
