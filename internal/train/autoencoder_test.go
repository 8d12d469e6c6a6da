package train

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/model"
)

// TestAutoencoderTrainResume trains model.kind autoencoder through the
// ordinary trainer (Adam, a schedule, checkpoints): the metrics carry the
// reconstruction MSE, the best model is the one with the lowest val_loss,
// and a run interrupted and resumed ends identical to one that was not.
func TestAutoencoderTrainResume(t *testing.T) {
	base := "seed: 5\n" + smallSpiral + `
model: {kind: autoencoder, code_dim: 1, activation: tanh}
optimizer: {rule: adam, lr: 0.05}
schedule: {kind: exponential, gamma: 0.7}
train: {epochs: 4, batch_size: 16}
`
	ref := loadConfig(t, base)
	if ref.Train.Monitor != "val_loss" || len(ref.Model.Hidden) != 0 {
		t.Fatalf("autoencoder defaults: monitor %s, hidden %v; want val_loss, none", ref.Train.Monitor, ref.Model.Hidden)
	}
	want, err := Start(context.Background(), ref, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, ref.Train.OutDir)
	if len(ms) != 4 || want.Task == nil || want.Task.Name() != "autoencoder" {
		t.Fatalf("%d epochs, task %v", len(ms), want.Task)
	}
	for _, m := range ms {
		// val_loss is the mean of ½‖r − x‖² per sample, the MSE per entry
		// of the 2 inputs: MSE = 2·loss/2.
		if !(m.ValMSE > 0) || math.Abs(m.ValMSE-m.ValLoss) > 1e-12*m.ValLoss || m.ValAcc != 0 {
			t.Errorf("epoch %d: val_mse %g, val_loss %g, val_acc %g", m.Epoch, m.ValMSE, m.ValLoss, m.ValAcc)
		}
	}
	if !(ms[3].TrainMSE < ms[0].TrainMSE) {
		t.Errorf("train MSE did not fall: %g → %g", ms[0].TrainMSE, ms[3].TrainMSE)
	}
	if want.Test == nil || !(want.Test.MSE > 0) || want.BestValMSE != ms[want.BestEpoch-1].ValMSE {
		t.Errorf("result: test %+v, best val_mse %g at epoch %d", want.Test, want.BestValMSE, want.BestEpoch)
	}
	net, _, err := model.Load[float32](filepath.Join(ref.Train.OutDir, rundir.Model))
	if err != nil || !net.Spec.IsAutoencoder() || net.Spec.CodeDim != 1 {
		t.Fatalf("saved model: %v, %v", err, net)
	}

	cut := loadConfig(t, base)
	got := runToEnd(t, cut, []int{5, smallSteps, 7})
	if !bytes.Equal(readFile(t, filepath.Join(cut.Train.OutDir, rundir.Model)), readFile(t, filepath.Join(ref.Train.OutDir, rundir.Model))) {
		t.Error("model.safetensors differs from the uninterrupted run's")
	}
	if g, w := timeless(readMetrics(t, cut.Train.OutDir)), timeless(ms); !reflect.DeepEqual(g, w) {
		t.Errorf("metrics\n%+v\nwant\n%+v", g, w)
	}
	if got.BestValMSE != want.BestValMSE || !reflect.DeepEqual(got.Test, want.Test) {
		t.Errorf("result %+v, want %+v", got, want)
	}
}

// TestAutoencoderBadConfig: code_dim at the input dimension, and keys of
// a classifier, are one-line errors naming the key.
func TestAutoencoderBadConfig(t *testing.T) {
	c := loadConfig(t, "seed: 5\n"+smallSpiral+"model: {kind: autoencoder, code_dim: 2}\ntrain: {epochs: 1}\n")
	_, err := Start(context.Background(), c, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "model.code_dim: must be below the input dimension 2") || strings.Contains(err.Error(), "\n") {
		t.Errorf("code_dim 2 of 2 inputs: %v", err)
	}
}
