package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
)

// spiralConfig is the example config the tests train, shortened by flags.
var spiralConfig = filepath.Join("..", "..", "configs", "spiral-7.yaml")

// nnfc runs Main with injected streams and returns the exit code, stdout
// and stderr. A panic fails the test instead of crashing it.
func nnfc(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("nnfc %s panicked: %v", strings.Join(args, " "), r)
			}
		}()
		code = Main(ctx, args, IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	}()
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// trainSpiral trains spiral-7 for a few epochs into a fresh directory and
// returns it.
func trainSpiral(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "spiral")
	code, out, errOut := nnfc(t, context.Background(), "train", "--config", spiralConfig, "--epochs", "15", "--out", dir, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("train exited %d:\n%s\n%s", code, out, errOut)
	}
	return dir
}

// TestTrainEvalPredict runs the user's path: train with flag overrides,
// evaluate the run, predict on new points.
func TestTrainEvalPredict(t *testing.T) {
	dir := trainSpiral(t)
	ctx := context.Background()

	// The flags took effect: 15 epochs, in dir, recorded in config.yaml.
	ms, err := rundir.ReadMetrics(dir)
	if err != nil || len(ms) != 15 {
		t.Fatalf("metrics: %d epochs, %v; want 15 (--epochs)", len(ms), err)
	}
	stored, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil || !strings.Contains(string(stored), "epochs: 15") || !strings.Contains(string(stored), "out_dir: "+dir) {
		t.Errorf("config.yaml does not record the overrides (%v):\n%s", err, stored)
	}
	// Resuming the finished run does nothing and says so.
	code, out, errOut := nnfc(t, ctx, "train", "--resume", dir)
	if code != ExitOK || !strings.Contains(out, "already finished") {
		t.Errorf("resume of a finished run: exit %d\n%s\n%s", code, out, errOut)
	}

	t.Run("eval", func(t *testing.T) {
		code, out, errOut := nnfc(t, ctx, "eval", "--run", dir)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "\naccuracy  ") || !strings.Contains(out, "%") {
			t.Errorf("no accuracy line:\n%s", out)
		}
	})
	// The test split of spiral-7 is 150 points of each of 7 classes; the
	// validation split is 20% of 2100.
	for _, tt := range []struct {
		split string
		n     int
	}{{"test", 1050}, {"val", 420}} {
		t.Run("eval-json-"+tt.split, func(t *testing.T) {
			code, out, errOut := nnfc(t, ctx, "eval", "--run", dir, "--split", tt.split, "--json")
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var r struct {
				N           int       `json:"n"`
				Accuracy    float64   `json:"accuracy"`
				Loss        float64   `json:"loss"`
				LossWithReg float64   `json:"loss_with_reg"`
				PerClass    []float64 `json:"per_class_accuracy"`
				Confusion   [][]int   `json:"confusion"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("--json output does not parse: %v\n%s", err, out)
			}
			sum, diag := 0, 0
			for i, row := range r.Confusion {
				for j, v := range row {
					sum += v
					if i == j {
						diag += v
					}
				}
			}
			if r.N != tt.n || sum != r.N || len(r.Confusion) != 7 || len(r.PerClass) != 7 {
				t.Errorf("n %d (want %d), confusion sums to %d over %d classes, %d per-class accuracies", r.N, tt.n, sum, len(r.Confusion), len(r.PerClass))
			}
			if r.Accuracy != float64(diag)/float64(r.N) || !(r.Accuracy > 0.5) {
				t.Errorf("accuracy %g, confusion diagonal %d/%d", r.Accuracy, diag, r.N)
			}
			if !(r.LossWithReg > r.Loss) {
				t.Errorf("loss with the L2 term %g is not above the data loss %g (spiral-7 has reg > 0)", r.LossWithReg, r.Loss)
			}
		})
	}

	t.Run("predict", func(t *testing.T) {
		const n = 25
		rng := rand.New(rand.NewPCG(25, 25))
		var in strings.Builder
		in.WriteString("x0,x1\n")
		for range n {
			fmt.Fprintf(&in, "%.4f,%.4f\n", 2*rng.Float64()-1, 2*rng.Float64()-1)
		}
		input := writeFile(t, t.TempDir(), "points.csv", in.String())
		model := filepath.Join(dir, "model.safetensors")
		code, out, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", input)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("output is not CSV: %v\n%s", err, out)
		}
		if len(rows) != n+1 || strings.Join(rows[0], ",") != "row,class,p0,p1,p2,p3,p4,p5,p6" {
			t.Fatalf("%d rows, header %v; want %d rows and row,class,p0..p6", len(rows)-1, rows[0], n)
		}
		// Probabilities are printed with 6 significant digits.
		const tol = 1e-5
		for i, row := range rows[1:] {
			if row[0] != strconv.Itoa(i) {
				t.Errorf("row %d is numbered %s", i, row[0])
			}
			class, _ := strconv.Atoi(row[1])
			sum, maxP := 0.0, 0.0
			for _, s := range row[2:] {
				p, err := strconv.ParseFloat(s, 64)
				if err != nil || p < 0 || p > 1 {
					t.Fatalf("row %d: probability %q", i, s)
				}
				sum += p
				maxP = math.Max(maxP, p)
			}
			if math.Abs(sum-1) > tol {
				t.Errorf("row %d: probabilities sum to %g", i, sum)
			}
			if p, _ := strconv.ParseFloat(row[2+class], 64); p != maxP {
				t.Errorf("row %d: class %d has p %g, the largest is %g", i, class, p, maxP)
			}
		}
		// --output writes the same CSV to a file.
		outFile := filepath.Join(t.TempDir(), "pred.csv")
		if code, _, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", input, "--output", outFile); code != ExitOK {
			t.Fatalf("--output: exit %d: %s", code, errOut)
		}
		if b, err := os.ReadFile(outFile); err != nil || string(b) != out {
			t.Errorf("--output file differs from stdout (%v)", err)
		}
	})
}

// TestInterruptAndResume: a cancelled context (Ctrl-C) exits 130 with a
// line saying how to resume; --resume then finishes the run.
func TestInterruptAndResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, _, errOut := nnfc(t, ctx, "train", "--config", spiralConfig, "--epochs", "3", "--out", dir, "--progress", "none")
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitInterrupted, errOut)
	}
	if last := lastLine(errOut); !strings.HasPrefix(last, "nnfc: interrupted") || !strings.Contains(last, "nnfc train --resume "+dir) {
		t.Errorf("last stderr line %q does not say how to resume", last)
	}
	code, out, errOut := nnfc(t, context.Background(), "train", "--resume", dir, "--progress", "none")
	if code != ExitOK || !strings.Contains(out, "best val_acc") {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errOut)
	}
	if ms, err := rundir.ReadMetrics(dir); err != nil || len(ms) != 3 {
		t.Errorf("resumed run has %d epochs (%v), want 3", len(ms), err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestBadInput: every bad input ends in one error line on stderr that
// names the file or flag at fault, and the documented exit code.
func TestBadInput(t *testing.T) {
	run := trainSpiral(t)
	model := filepath.Join(run, "model.safetensors")
	tmp := t.TempDir()
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	truncated := writeFile(t, tmp, "truncated.safetensors", string(b[:len(b)*2/3]))
	headerOnly := writeFile(t, tmp, "header.safetensors", string(b[:10]))
	unknownKey := writeFile(t, tmp, "typo.yaml", "seed: 1\ndata: {source: spiral}\ntrain: {epohcs: 3}\n")
	threeFeatures := writeFile(t, tmp, "three.csv", "0,1,2,3\n1,4,5,6\n")
	threeInputs := writeFile(t, tmp, "three-inputs.csv", "1,2,3\n4,5,6\n")
	ragged := writeFile(t, tmp, "ragged.csv", "0.1,0.2\n0.3,0.4\n0.5\n")
	nonFinite := writeFile(t, tmp, "nan.csv", "0.1,0.2\nNaN,0.4\n")
	noCheckpoint := t.TempDir()
	noMNIST := writeFile(t, tmp, "no-mnist.yaml", "data: {source: mnist, dir: "+filepath.Join(tmp, "no-mnist")+"}\ntrain: {out_dir: "+filepath.Join(tmp, "no-mnist-run")+"}\n")
	tenEpochs := writeFile(t, tmp, "ten.yaml", "seed: 1\ntrain: {epochs: \"ten\"}\n")
	diverges := writeFile(t, tmp, "diverges.yaml", fmt.Sprintf(`seed: 1
data: {source: spiral, spiral: {per_class: 40, classes: 3}, val_fraction: 0.25, normalize: none}
model: {hidden: [], loss: mse}
optimizer: {lr: 1e6}
train: {epochs: 20, batch_size: 16, out_dir: %s}
`, filepath.Join(tmp, "diverged")))

	tests := []struct {
		name string
		args []string
		code int
		want []string // in the error line
	}{
		{"missing config", []string{"train", "--config", filepath.Join(tmp, "nope.yaml")}, ExitError, []string{"nope.yaml", "not found"}},
		{"unknown config key", []string{"train", "--config", unknownKey}, ExitError, []string{unknownKey, "train.epohcs", "did you mean train.epochs"}},
		{"existing run", []string{"train", "--config", spiralConfig, "--out", run}, ExitError, []string{"train.out_dir", run, "holds a finished run", "--force"}},
		{"resume without checkpoint", []string{"train", "--resume", noCheckpoint}, ExitError, []string{"--resume " + noCheckpoint, "no run there"}},
		{"resume a missing dir", []string{"train", "--resume", filepath.Join(tmp, "gone")}, ExitError, []string{"--resume " + filepath.Join(tmp, "gone")}},
		{"diverging run", []string{"train", "--config", diverges, "--progress", "none"}, ExitDiverged, []string{"loss became", "epoch 2, step 2", "lower optimizer.lr"}},
		{"eval data with wrong feature count", []string{"eval", "--model", model, "--data", threeFeatures}, ExitError, []string{threeFeatures, "3 features", model, "expects 2"}},
		{"eval truncated model", []string{"eval", "--model", truncated, "--data", threeFeatures}, ExitError, []string{truncated}},
		{"eval header-only model", []string{"eval", "--model", headerOnly, "--data", threeFeatures}, ExitError, []string{headerOnly}},
		{"eval missing data", []string{"eval", "--model", model, "--data", filepath.Join(tmp, "none.csv")}, ExitError, []string{"--data", "none.csv"}},
		{"predict input with wrong feature count", []string{"predict", "--model", model, "--input", threeInputs}, ExitError, []string{threeInputs, "3 features", "expects 2"}},
		{"predict truncated model", []string{"predict", "--model", truncated, "--input", ragged}, ExitError, []string{truncated}},
		{"predict ragged rows", []string{"predict", "--model", model, "--input", ragged}, ExitError, []string{ragged + ":3"}},
		{"predict non-finite input", []string{"predict", "--model", model, "--input", nonFinite}, ExitError, []string{nonFinite}},
		{"predict missing input", []string{"predict", "--model", model, "--input", filepath.Join(tmp, "none.csv")}, ExitError, []string{"none.csv"}},
		{"config is a directory", []string{"train", "--config", tmp}, ExitError, []string{tmp, "is a directory"}},
		{"text file as a model", []string{"eval", "--model", threeFeatures, "--data", threeFeatures}, ExitError, []string{threeFeatures, "not a safetensors file"}},
		{"missing MNIST", []string{"train", "--config", noMNIST}, ExitError, []string{"data.dir", filepath.Join(tmp, "no-mnist"), "make data"}},
		{"bad flag value", []string{"train", "--config", spiralConfig, "--lr", "-1"}, ExitUsage, []string{"--lr -1: optimizer.lr: must be > 0"}},
		{"word for a number", []string{"train", "--config", tenEpochs}, ExitError, []string{tenEpochs + ":2: train.epochs", `got "ten"`}},
		// Usage errors.
		{"train without config", []string{"train"}, ExitUsage, []string{"--config", "--resume"}},
		{"train with config and resume", []string{"train", "--config", spiralConfig, "--resume", run}, ExitUsage, []string{"--config", "--resume"}},
		{"override on resume", []string{"train", "--resume", run, "--epochs", "30"}, ExitUsage, []string{"--epochs", "resumed"}},
		{"flag of the wrong type", []string{"train", "--config", spiralConfig, "--epochs", "many"}, ExitUsage, []string{"--epochs", "many"}},
		{"unknown flag", []string{"train", "--epoch", "3"}, ExitUsage, []string{"--epoch"}},
		{"unknown command", []string{"trian"}, ExitUsage, []string{"trian"}}, // and "Did you mean this? train" on the next line
		{"bad progress", []string{"train", "--config", spiralConfig, "--progress", "fancy"}, ExitUsage, []string{"--progress", "fancy"}},
		{"eval without model", []string{"eval", "--data", threeFeatures}, ExitUsage, []string{"--model"}},
		{"eval bad split", []string{"eval", "--run", run, "--split", "dev"}, ExitUsage, []string{"--split", "dev"}},
		{"predict without input", []string{"predict", "--model", model}, ExitUsage, []string{"--input"}},
		{"predict bad batch", []string{"predict", "--model", model, "--input", ragged, "--batch", "0"}, ExitUsage, []string{"--batch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := nnfc(t, context.Background(), tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			errLines := []string{}
			for _, l := range strings.Split(strings.TrimRight(errOut, "\n"), "\n") {
				if strings.HasPrefix(l, "nnfc: ") {
					errLines = append(errLines, l)
				}
			}
			if len(errLines) != 1 {
				t.Fatalf("want one error line; stderr:\n%s", errOut)
			}
			// Only cobra's suggestion for a mistyped command may follow it,
			// on a line of its own.
			if _, tail, _ := strings.Cut(errOut, errLines[0]+"\n"); tail != "" && tail != "Did you mean this? train\n" {
				t.Fatalf("the error line is not the last on stderr:\n%s", errOut)
			}
			t.Log(errLines[0])
			for _, w := range tt.want {
				if !strings.Contains(errLines[0], w) {
					t.Errorf("error line lacks %q: %s", w, errLines[0])
				}
			}
		})
	}
	// Nothing above touched the trained run.
	if after, err := os.ReadFile(model); err != nil || !bytes.Equal(after, b) {
		t.Errorf("the run's model changed (%v)", err)
	}
}

// TestPrintConfig: --print-config prints the resolved config with the
// flags applied, in a form that loads back, and trains nothing.
func TestPrintConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never")
	code, out, errOut := nnfc(t, context.Background(), "train", "--config", spiralConfig, "--print-config", "--epochs", "3", "--lr", "0.25", "--out", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"epochs: 3", "lr: 0.25", "out_dir: " + dir, "source: spiral"} {
		if !strings.Contains(out, w) {
			t.Errorf("printed config lacks %q:\n%s", w, out)
		}
	}
	p := writeFile(t, t.TempDir(), "printed.yaml", out)
	code, again, errOut := nnfc(t, context.Background(), "train", "--config", p, "--print-config")
	if code != ExitOK || again != out {
		t.Errorf("printed config does not load back the same (exit %d, %s):\n%s\nvs\n%s", code, errOut, again, out)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("--print-config created %s", dir)
	}
}

// TestSweepBadFile: a bad sweep file is bad input (exit 1), every problem
// on its own line with the file and key path; a bad executor is a bad
// command line (exit 2).
func TestSweepBadFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "s.yaml", "base: ../../configs/nope.yaml\nspace:\n  model.regg: [0.1]\n")
	code, _, errOut := nnfc(t, context.Background(), "sweep", "--config", p)
	if code != ExitError || !strings.Contains(errOut, p+": base: cannot read the base config") ||
		!strings.Contains(errOut, p+": space.model.regg: unknown config key (did you mean model.reg?)") {
		t.Errorf("bad sweep file: exit %d\n%s", code, errOut)
	}
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); len(lines) != 2 {
		t.Errorf("two problems, want one line each:\n%s", errOut)
	}
	code, _, errOut = nnfc(t, context.Background(), "sweep", "--config", p, "--executor", "cloud")
	if code != ExitUsage || !strings.Contains(errOut, "--executor: must be local or slurm") {
		t.Errorf("bad executor: exit %d\n%s", code, errOut)
	}
	code, _, errOut = nnfc(t, context.Background(), "sweep", "status", dir)
	if code != ExitError || !strings.Contains(errOut, "not a sweep directory") {
		t.Errorf("status of a non-sweep dir: exit %d\n%s", code, errOut)
	}
}

// TestResumeIgnoresEnvAloud: --resume keeps the run's config, and says
// that a configuration variable set in the environment is ignored.
func TestResumeIgnoresEnvAloud(t *testing.T) {
	dir := trainSpiral(t)
	t.Setenv("NNFC_TRAIN_EPOCHS", "30")
	code, out, errOut := nnfc(t, context.Background(), "train", "--resume", dir)
	if code != ExitOK || !strings.Contains(errOut, "warning: NNFC_TRAIN_EPOCHS is ignored: a resumed run keeps its config") || !strings.Contains(out, "already finished") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

// TestUnknownEnvWarns: a misspelled NNFC_ variable draws a warning naming
// the one meant, instead of being ignored without a word.
func TestUnknownEnvWarns(t *testing.T) {
	t.Setenv("NNFC_TRAIN_EPOCH", "5")
	code, out, errOut := nnfc(t, context.Background(), "train", "--config", spiralConfig, "--print-config")
	if code != ExitOK || !strings.Contains(errOut, "warning: NNFC_TRAIN_EPOCH is not a configuration variable") ||
		!strings.Contains(errOut, "did you mean NNFC_TRAIN_EPOCHS?") || !strings.Contains(out, "epochs: 400") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestEvalInModelPrecision: a float64 model is evaluated and used for
// prediction in float64 unless --precision says otherwise, and the two
// precisions give different (close) losses: the flag is not ignored.
func TestEvalInModelPrecision(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run64")
	code, out, errOut := nnfc(t, context.Background(), "train", "--config", spiralConfig, "--epochs", "3", "--out", dir, "--precision", "float64", "--progress", "none")
	if code != ExitOK {
		t.Fatalf("train exited %d:\n%s\n%s", code, out, errOut)
	}
	loss := func(args ...string) float64 {
		t.Helper()
		code, out, errOut := nnfc(t, context.Background(), append([]string{"eval", "--run", dir, "--json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("eval %v exited %d: %s", args, code, errOut)
		}
		var r struct{ Loss float64 }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r.Loss
	}
	own, f32, f64 := loss(), loss("--precision", "float32"), loss("--precision", "float64")
	if own != f64 {
		t.Errorf("default precision loss %v, float64 loss %v: the float64 model was not evaluated in float64", own, f64)
	}
	if f32 == f64 || math.Abs(f32-f64) > 1e-5*math.Abs(f64) {
		t.Errorf("float32 loss %v vs float64 loss %v: want close but different", f32, f64)
	}
	_, out, _ = nnfc(t, context.Background(), "eval", "--run", dir)
	if !strings.Contains(out, "float64)") {
		t.Errorf("eval does not say it computes in float64:\n%s", out)
	}
	code, _, errOut = nnfc(t, context.Background(), "eval", "--run", dir, "--precision", "float16")
	if code != ExitUsage || !strings.Contains(errOut, "--precision: must be float32, float64 or bfloat16") {
		t.Errorf("--precision float16: exit %d, %q", code, errOut)
	}
	// bfloat16 needs the oneDNN backend: refused, naming it, by eval and predict.
	for _, cmd := range [][]string{{"eval", "--run", dir}, {"predict", "--model", filepath.Join(dir, "model.safetensors"), "--input", spiralConfig}} {
		code, _, errOut = nnfc(t, context.Background(), append(append([]string{"--blas", "gonum"}, cmd...), "--precision", "bfloat16")...)
		if code == ExitOK || !strings.Contains(errOut, "--precision: precision bfloat16 needs the onednn backend") {
			t.Errorf("%s --blas gonum --precision bfloat16: exit %d, %q", cmd[0], code, errOut)
		}
	}
	in := writeFile(t, t.TempDir(), "x.csv", "0.1,0.2\n-0.5,0.3\n")
	for _, p := range []string{"", "float32"} {
		args := []string{"predict", "--model", filepath.Join(dir, "model.safetensors"), "--input", in}
		if p != "" {
			args = append(args, "--precision", p)
		}
		if code, out, errOut := nnfc(t, context.Background(), args...); code != ExitOK || strings.Count(out, "\n") != 3 {
			t.Errorf("predict %s: exit %d\n%s%s", p, code, out, errOut)
		}
	}
}
