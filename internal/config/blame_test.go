package config

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestBlame: a problem names what set the bad value: the flag when a flag
// did (the file holds another value), else the file and its line.
func TestBlame(t *testing.T) {
	p := write(t, "seed: 1\ndata: {source: spiral}\noptimizer:\n  lr: 1.0\ntrain:\n  epochs: \"ten\"\n")
	_, err := Load(p, nil)
	if err == nil || !strings.Contains(err.Error(), p+":6: train.epochs") {
		t.Errorf(`epochs: "ten" on line 6: %v`, err)
	}

	p = write(t, "seed: 1\ndata: {source: spiral}\noptimizer:\n  lr: 1.0\n")
	fs := pflag.NewFlagSet("train", pflag.ContinueOnError)
	fs.Float64("lr", 0, "")
	if err := fs.Parse([]string{"--lr", "-1"}); err != nil {
		t.Fatal(err)
	}
	_, err = Load(p, []Flag{{Key: "optimizer.lr", Flag: fs.Lookup("lr")}})
	if err == nil || !strings.HasPrefix(err.Error(), "--lr -1: optimizer.lr: must be > 0, got -1") || strings.Contains(err.Error(), p) {
		t.Errorf("--lr -1 over a file with lr 1.0: %v; want the flag blamed, not the file", err)
	}
}

func TestUnknownEnv(t *testing.T) {
	got := UnknownEnv([]string{"NNFC_TRAIN_EPOCH=5", "NNFC_TRAIN_EPOCHS=5", "NNFC_FOO=1", "NNFC_MNIST_DIR=/x", "NNFC_TEST_X=1", "HOME=/root", "XNNFC_A=1"})
	want := []string{
		"NNFC_FOO is not a configuration variable and is ignored (variables are NNFC_ and the key in capitals, dots as underscores: NNFC_TRAIN_EPOCHS for train.epochs)",
		"NNFC_TRAIN_EPOCH is not a configuration variable and is ignored (did you mean NNFC_TRAIN_EPOCHS?)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("UnknownEnv:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
