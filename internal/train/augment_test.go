package train

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/testfix"
)

// tinyPictures is a data section of 120 training (24 for validation) and
// 32 test pictures of 28×28 in dir, read by the mnist source.
func tinyPictures(t *testing.T) string {
	dir := t.TempDir()
	testfix.Pictures(t, dir, "train", 120, 1)
	testfix.Pictures(t, dir, "t10k", 32, 2)
	return "data: {source: mnist, dir: " + dir + ", val_count: 24, normalize: standardize, augment: {AUG}}\n"
}

// data.augment draws each image's warp from (seed, epoch, step, place in
// the batch): a run interrupted mid-epoch and resumed ends with the
// model, checkpoint and metrics of the run that was not, byte for byte;
// and the augmentation is at work (the model differs from the run
// without it, and from a run with another augmentation).
func TestAugmentResumeEqualsUninterrupted(t *testing.T) {
	pics := tinyPictures(t)
	const aug = "translate: 2, rotate: 10, scale: 0.1, elastic_alpha: 20, elastic_sigma: 3"
	base := "seed: 3\nprecision: float32\n" + pics +
		"model: {hidden: [32], batchnorm: true, dropout: 0.2}\n" +
		"optimizer: {rule: adamw, lr: 0.01}\nschedule: {kind: onecycle}\n" +
		"train: {epochs: 3, batch_size: 16, ema: 0.9}\n" // 96 training pictures: smallSteps (6) an epoch
	withAug := strings.Replace(base, "AUG", aug, 1)
	ref := loadConfig(t, withAug)
	want, err := Start(context.Background(), ref, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cut := loadConfig(t, withAug)
	got := runToEnd(t, cut, []int{3, 4, 5})

	wantModel := readFile(t, filepath.Join(ref.Train.OutDir, rundir.Model))
	if gotModel := readFile(t, filepath.Join(cut.Train.OutDir, rundir.Model)); !bytes.Equal(gotModel, wantModel) {
		t.Errorf("model.safetensors differs from the uninterrupted run's")
	}
	wantTs, wantSt := checkpointOf(t, ref.Train.OutDir)
	gotTs, gotSt := checkpointOf(t, cut.Train.OutDir)
	if err := sameTensors(gotTs, wantTs); err != nil {
		t.Errorf("checkpoint: %v", err)
	}
	if !reflect.DeepEqual(gotSt, wantSt) {
		t.Errorf("checkpoint state\n%+v\nwant\n%+v", gotSt, wantSt)
	}
	wantMs, gotMs := readMetrics(t, ref.Train.OutDir), readMetrics(t, cut.Train.OutDir)
	for _, m := range wantMs {
		if !(m.AugmentSeconds > 0) {
			t.Errorf("epoch %d: augment_seconds %v, want > 0", m.Epoch, m.AugmentSeconds)
		}
	}
	if !reflect.DeepEqual(timeless(gotMs), timeless(wantMs)) {
		t.Errorf("metrics\n%+v\nwant\n%+v", gotMs, wantMs)
	}
	if got.BestEpoch != want.BestEpoch || !reflect.DeepEqual(got.Test, want.Test) {
		t.Errorf("result %+v, want %+v", got, want)
	}

	// The twins: without augmentation, and with another, the model is
	// another.
	for _, other := range []string{"", "translate: 1"} {
		c := loadConfig(t, strings.Replace(base, "AUG", other, 1))
		if _, err := Start(context.Background(), c, Options{}); err != nil {
			t.Fatal(err)
		}
		if m := readFile(t, filepath.Join(c.Train.OutDir, rundir.Model)); bytes.Equal(m, wantModel) {
			t.Errorf("data.augment {%s} trains the model of {%s}: the augmentation is not applied", other, aug)
		}
	}
}
