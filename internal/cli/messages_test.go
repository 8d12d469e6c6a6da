package cli

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tests in this file hold the messages of issue 28 (items 15-20):
// each failed before its fix.

// TestRunTypoBlamesRun (item 15): a --run that names no run is blamed as
// --run, not as a --model the user did not give.
func TestRunTypoBlamesRun(t *testing.T) {
	ctx := context.Background()
	typo := filepath.Join(t.TempDir(), "typo")
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "--run", typo}, "--run " + typo + ": no such run directory"},
		{[]string{"embed", "--run", typo}, "--run " + typo + ": no such run directory"},
		{[]string{"eval", "--run", empty}, "--run " + empty + ": no model.safetensors in it"},
	} {
		code, _, errOut := nnfc(t, ctx, tc.args...)
		if code != ExitError || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "--model") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d, %q; want exit 1 and one line naming %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}

// TestSuggestions (item 16): an unknown config key carries its line and
// the key meant, under another trainer's name too; an unknown flag names
// the flag meant.
func TestSuggestions(t *testing.T) {
	ctx := context.Background()
	cfg := writeFile(t, t.TempDir(), "c.yaml", "seed: 1\nlearning_rate: 0.1\ntrain:\n  epoch: 3\n  batchsize: 8\nepochs: 2\n")
	code, _, errOut := nnfc(t, ctx, "train", "--config", cfg)
	for _, want := range []string{
		cfg + ":2: unknown key learning_rate (did you mean optimizer.lr?)",
		cfg + ":4: unknown key train.epoch (did you mean train.epochs?)",
		cfg + ":5: unknown key train.batchsize (did you mean train.batch_size?)",
		cfg + ":6: unknown key epochs (did you mean schedule.epochs or train.epochs?)",
	} {
		if code != ExitError || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, want 1 and %q in:\n%s", code, want, errOut)
		}
	}
	// A bare epochs: is no schedule.epochs: no second complaint about it.
	if strings.Contains(errOut, "does not apply") {
		t.Errorf("an unknown key counted as set:\n%s", errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--config", spiralConfig, "--epoch", "3"}, "unknown flag: --epoch (did you mean --epochs?)"},
		{[]string{"eval", "--runs", "x"}, "unknown flag: --runs (did you mean --run?)"},
		{[]string{"predict", "--inputs", "x"}, "unknown flag: --inputs (did you mean --input?)"},
	} {
		code, _, errOut := nnfc(t, ctx, tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q; want exit 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}

// TestDataDirFromEnvironment (item 18): a bad data.dir set by
// NNFC_DATA_DIR is blamed on the variable.
func TestDataDirFromEnvironment(t *testing.T) {
	nope := filepath.Join(t.TempDir(), "nope")
	t.Setenv("NNFC_DATA_DIR", nope)
	code, _, errOut := nnfc(t, context.Background(), "train", "--config", filepath.Join("..", "..", "configs", "mnist-swish.yaml"),
		"--out", filepath.Join(t.TempDir(), "run"), "--progress", "none")
	want := fmt.Sprintf("data.dir (from NNFC_DATA_DIR=%q):", nope)
	if code != ExitError || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, %q; want exit 1 naming %s", code, errOut, want)
	}
}

// TestGrammar (item 19): counts of one are singular.
func TestGrammar(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := nnfc(t, ctx, "train", "--config", spiralConfig, "--epochs", "1", "--out", dir, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{", 1 epoch, ", "trained 1 epoch in", "; completed 1 epoch\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "1 epochs") {
		t.Errorf("1 epochs:\n%s", out)
	}
	one := writeFile(t, t.TempDir(), "one.csv", "0.5\n0.25\n")
	code, _, errOut = nnfc(t, ctx, "predict", "--model", filepath.Join(dir, "model.safetensors"), "--input", one)
	if want := one + " has 1 feature per sample, but the model"; code != ExitError || !strings.Contains(errOut, want) {
		t.Errorf("predict: exit %d, %q; want %q", code, errOut, want)
	}
}

// TestPredictOutputSaysSo (item 20): predict --output says what it wrote.
func TestPredictOutputSaysSo(t *testing.T) {
	dir := trainSpiral(t)
	in := writeFile(t, t.TempDir(), "p.csv", "0.1,0.2\n0.3,-0.4\n-0.5,0.6\n")
	out := filepath.Join(t.TempDir(), "pred.csv")
	code, stdout, errOut := nnfc(t, context.Background(), "predict", "--model", filepath.Join(dir, "model.safetensors"), "--input", in, "--output", out)
	if code != ExitOK || stdout != "wrote 3 rows to "+out+"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want \"wrote 3 rows to %s\"", code, stdout, errOut, out)
	}
	if b, err := os.ReadFile(out); err != nil || strings.Count(string(b), "\n") != 4 {
		t.Errorf("%s: %v\n%s", out, err, b)
	}
}

// TestPhantomClassWarning (issue 28 item 2): labels 1..3 train a 4-class
// model with a warning about the empty class 0 naming data.classes.
func TestPhantomClassWarning(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "%d,%g,%g\n", 1+i%3, float64(i%3)+0.1*float64(i%5), 0.05*float64(i))
	}
	train := writeFile(t, dir, "l.csv", b.String())
	cfg := writeFile(t, dir, "c.yaml", fmt.Sprintf("seed: 1\ndata: {source: csv, train: %s, val_fraction: 0.2, header: \"no\"}\nmodel: {hidden: [4]}\ntrain: {epochs: 1, out_dir: %s}\n",
		train, filepath.Join(dir, "run")))
	code, out, errOut := nnfc(t, context.Background(), "train", "--config", cfg, "--progress", "none")
	if code != ExitOK || !strings.Contains(errOut, "warning: the labels make 4 classes (the largest label, 3, plus one), but class 0 has no sample") ||
		!strings.Contains(errOut, "data.classes: 4") {
		t.Errorf("exit %d; stderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
}

// TestInvertWarning (issue 28 item 3): a light picture given to a model
// trained on dark images draws one warning line naming --invert; with
// --invert, none.
func TestInvertWarning(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 100 { // 4×4 images, white strokes on black: mostly 0
		c := i % 2
		fmt.Fprint(&b, c)
		for p := range 16 {
			v := 0
			if (p%4 == 1 && c == 0) || (p/4 == 1 && c == 1) {
				v = 250
			}
			fmt.Fprintf(&b, ",%d", v)
		}
		b.WriteString("\n")
	}
	cfg := writeFile(t, dir, "c.yaml", fmt.Sprintf("seed: 1\ndata: {source: csv, train: %s, val_fraction: 0.2, normalize: scale, header: \"no\"}\nmodel: {hidden: [8]}\ntrain: {epochs: 2, out_dir: %s}\n",
		writeFile(t, dir, "d.csv", b.String()), filepath.Join(dir, "run")))
	ctx := context.Background()
	if code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none"); code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	light := halves(4, 0) // 220 on the left half, 0 on the right: then inverted to mostly light
	for i := range light.Pix {
		light.Pix[i] = 255 - light.Pix[i]/8
	}
	f, err := os.Create(filepath.Join(dir, "light.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, light); err != nil {
		t.Fatal(err)
	}
	f.Close()
	model := filepath.Join(dir, "run", "model.safetensors")
	code, _, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", f.Name())
	if code != ExitOK || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "nnfc: warning: "+f.Name()+": mean gray level") ||
		!strings.Contains(errOut, "add --invert") {
		t.Errorf("light picture: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", f.Name(), "--invert"); code != ExitOK || errOut != "" {
		t.Errorf("with --invert: exit %d, stderr %q", code, errOut)
	}
}
