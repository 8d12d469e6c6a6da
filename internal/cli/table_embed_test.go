package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/testfix"
)

// TestTablePenguinsEmbedding trains on the real penguins with the island
// in a learned embedding table (data.embed) and no validation split:
// the run shows the embedding in its schema and network lines; predict
// on raw rows (unseen islands go to <other>'s row of the table) gives
// eval's answers; nnfc gradcheck --config checks the configured network,
// tables included, and its negative twin fails; the report lists the
// embedding and says the run had no validation split instead of showing
// a validation accuracy of 0.
func TestTablePenguinsEmbedding(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "penguins.yaml", fmt.Sprintf(`seed: 1
data: {source: table, train: %s, target: species, embed: {island: 2}, val_fraction: 0}
model: {hidden: [16], reg: 0.001}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 30, batch_size: 16, out_dir: %s}
`, testfix.TableFile(t, "penguins.csv"), filepath.Join(dir, "run")))
	ctx := context.Background()
	code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none", "--report")
	if code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	// island: Biscoe, Dream, Torgersen, <other>: 4 rows of 2.
	for _, want := range []string{"embedding 4×2: Biscoe, Dream, Torgersen, <other>", "embedding input 0: 4×2 (first affine"} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	// No validation split: the epoch lines show no validation figures.
	if !strings.Contains(out, "train_acc 1.0000  (no validation split)") || strings.Contains(out, "val_acc") {
		t.Errorf("epoch lines of a run without validation:\n%s", out)
	}
	if strings.Contains(errOut, "diverging") {
		t.Errorf("train warned of a divergence:\n%s", errOut)
	}
	model := filepath.Join(dir, "run", "model.safetensors")
	predictIsEval(t, ctx, dir, model, writeFile(t, dir, "raw.csv", rawPenguins))
	// Resuming the finished run says what it is, not "best val_acc 0".
	code, out, errOut = nnfc(t, ctx, "train", "--resume", filepath.Join(dir, "run"))
	if code != ExitOK || !strings.Contains(out, "no validation split: model of the last epoch (30)") || strings.Contains(out, "val_acc") {
		t.Errorf("resume of the finished run: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = nnfc(t, ctx, "gradcheck", "--config", cfg)
	if code != ExitOK || !strings.Contains(out, "embed.0.weight") {
		t.Errorf("gradcheck --config: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = nnfc(t, ctx, "gradcheck", "--config", cfg, "--negative")
	if code != ExitOK || !strings.Contains(out, "FAIL") {
		t.Errorf("gradcheck --config --negative: exit %d\n%s\n%s", code, out, errOut)
	}

	page, err := os.ReadFile(filepath.Join(dir, "run", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"no validation split: the model is the last epoch", "<td>embed</td><td class=\"l\">Embedding</td><td class=\"l\">input 0: 4 × 2"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(string(page), "best validation accuracy") {
		t.Error("the report of a run without validation shows a best validation accuracy")
	}
}

// TestTableNoHeader: data.header: no reads a table without a header row,
// its columns named col1, col2, ...; the test file, eval and predict read
// their files the same way (the schema records it): the test split is
// the same rows whether the files have a header or not, and eval of the
// headerless test file agrees with the run's test accuracy.
func TestTableNoHeader(t *testing.T) {
	dir := t.TempDir()
	strip := func(name string) (string, int) {
		b, err := os.ReadFile(testfix.TableFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(b), "\n")
		return writeFile(t, dir, "nohead-"+name, rest), strings.Count(rest, "\n")
	}
	train, _ := strip("penguins-train.csv")
	test, nTest := strip("penguins-test.csv")
	cfg := writeFile(t, dir, "c.yaml", fmt.Sprintf(`seed: 1
data: {source: table, train: %s, test: %s, header: no, target: col1, val_fraction: 0}
model: {hidden: [16], reg: 0.001}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 20, batch_size: 16, out_dir: %s}
`, train, test, filepath.Join(dir, "run")))
	ctx := context.Background()
	code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"target col1: 3 classes: Adelie (", "col2 ", fmt.Sprintf("%d test", nTest)} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	_, acc, ok := strings.Cut(out, "test accuracy ")
	if !ok {
		t.Fatalf("no test accuracy in\n%s", out)
	}
	acc, _, _ = strings.Cut(acc, " ")
	model := filepath.Join(dir, "run", "model.safetensors")
	code, ev, errOut := nnfc(t, ctx, "eval", "--model", model, "--data", test)
	if code != ExitOK || !strings.Contains(ev, "accuracy  "+acc) {
		t.Errorf("eval of the headerless test file: exit %d, expected accuracy %s\n%s%s", code, acc, ev, errOut)
	}
	code, pred, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", test)
	if code != ExitOK || strings.Count(pred, "\n") != nTest+1 {
		t.Errorf("predict of the headerless test file: exit %d, %d lines for %d rows\n%s", code, strings.Count(pred, "\n"), nTest, errOut)
	}
}

// TestTableFloat64Eval: a float64 table model evaluates its test file
// from raw rows (eval --data) exactly as the run's own test split (eval
// --run, read with the run's config): the same loss to the last bit, the
// inputs encoded in float64 both ways (eval --data encoded them in
// float32 before).
func TestTableFloat64Eval(t *testing.T) {
	dir := t.TempDir()
	test := testfix.TableFile(t, "penguins-test.csv")
	cfg := writeFile(t, dir, "c.yaml", fmt.Sprintf(`seed: 1
precision: float64
data: {source: table, train: %s, test: %s, target: species, embed: {island: 2}, val_fraction: 0}
model: {hidden: [8]}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 5, batch_size: 16, out_dir: %s}
`, testfix.TableFile(t, "penguins-train.csv"), test, filepath.Join(dir, "run")))
	ctx := context.Background()
	if code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none"); code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	loss := func(args ...string) string {
		t.Helper()
		code, out, errOut := nnfc(t, ctx, append([]string{"eval", "--json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("eval %v: exit %d\n%s", args, code, errOut)
		}
		_, l, ok := strings.Cut(out, `"loss":`)
		if !ok {
			t.Fatalf("eval --json without a loss:\n%s", out)
		}
		l, _, _ = strings.Cut(l, ",")
		return strings.TrimSpace(l)
	}
	run := loss("--run", filepath.Join(dir, "run"), "--split", "test")
	raw := loss("--model", filepath.Join(dir, "run", "model.safetensors"), "--data", test)
	if run != raw {
		t.Errorf("test loss %s from the run's split, %s from the raw file", run, raw)
	}
}
