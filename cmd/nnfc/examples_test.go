package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/cli"
)

// repoRoot is the checkout's top directory.
var repoRoot = filepath.Join("..", "..")

// Sizes of the data/ the examples run on: the first images of the real
// IDX files make data fetched. Enough training images for the configs'
// val_count of 5000.
const exampleTrain, exampleTest = 5500, 300

// exampleEnv is what the examples run with besides the nnfc binary on
// PATH: one epoch of a network with one hidden layer of 32 for every run
// (nnfc train --help: NNFC_<KEY> sets a config key; an explicit --epochs
// wins), nnfc bench on a small synthetic set and network and nnfc embed
// on 150 points and 10 GP-LVM iterations (their help's NNFC_BENCH_* and
// NNFC_EMBED_*), OpenMP threads that sleep rather
// than spin while they wait (the examples run on a machine shared with
// other tests), and a HOME of the test's own.
var exampleEnv = []string{"NNFC_TRAIN_EPOCHS=1", "NNFC_MODEL_HIDDEN=32", "NNFC_BENCH_SAMPLES=1024", "NNFC_BENCH_HIDDEN=16",
	"NNFC_BENCH_GEMM_SECONDS=0.01", "NNFC_EMBED_MAX_POINTS=150", "NNFC_EMBED_ITERS=10", "OMP_WAIT_POLICY=PASSIVE"}

// notRunHere are the examples that need what a fresh clone does not have,
// with the test that runs them instead.
var notRunHere = map[string]string{
	"nnfc sweep --config configs/sweeps/spiral-7.yaml --executor slurm --parallel 4 --wait":                            "needs a Slurm cluster (sbatch, squeue): internal/sweep's TestExampleSlurm runs this sweep on the one scripts/slurm-up.sh starts",
	"nnfc cv --config configs/penguins.yaml --folds 5 --stratify --executor slurm --wait --out runs/cv/penguins-slurm": "needs a Slurm cluster (sbatch, squeue): internal/sweep's TestCV runs nnfc cv --executor slurm on the one scripts/slurm-up.sh starts",
}

// TestHelpExamplesRun (issue 28 item 21): every example line of every
// command's --help runs, in cli.ExampleOrder, as a newcomer runs them in
// a fresh clone after make data, and exits 0: in a directory holding a
// copy of configs/ and testdata/, data/tables, and data/mnist and
// data/fashion-mnist cut to their first exampleTrain and exampleTest
// images; with exampleEnv (one epoch per training run; the sweep files'
// train.epochs set to 1 in the copy); each line through bash, so
// pipes, redirections and && run as written. What differs from the
// help is said in the log: nnfc serve listens on 127.0.0.1:0 and is
// stopped with SIGTERM once it listens (it must exit 0); nnfc completion's
// output into system directories goes to files under HOME; the import
// examples read an mlp.onnx that nnfc export writes first (nnfc import
// reads nnfc's own ONNX files as it reads PyTorch's); notRunHere says
// what is not run, and why.
func TestHelpExamplesRun(t *testing.T) {
	work := t.TempDir()
	for _, d := range []string{"configs", "testdata", "data/tables"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(work, d)), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("cp", "-r", filepath.Join(repoRoot, d), filepath.Join(work, d)).CombinedOutput(); err != nil {
			t.Fatalf("copying %s (run make data for data/): %v\n%s", d, err, out)
		}
	}
	mnist := os.Getenv("NNFC_MNIST_DIR")
	if mnist == "" {
		mnist = filepath.Join(repoRoot, "data", "mnist")
	}
	cutIDX(t, mnist, filepath.Join(work, "data", "mnist"))
	cutIDX(t, filepath.Join(repoRoot, "data", "fashion-mnist"), filepath.Join(work, "data", "fashion-mnist"))
	sweeps, _ := filepath.Glob(filepath.Join(work, "configs", "sweeps", "*.yaml"))
	epochs := regexp.MustCompile(`(?m)^(\s+train\.epochs:\s*)\d+`)
	for _, p := range sweeps {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, epochs.ReplaceAll(b, []byte("${1}1")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	home := filepath.Join(work, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(cleanEnv(), exampleEnv...)
	env = append(env, "HOME="+home, "PATH="+filepath.Dir(nnfcBin)+":"+os.Getenv("PATH"))

	examples, err := cli.Examples(cli.NewRoot(cli.IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	exported := false
	for i, e := range examples {
		line := e.Line
		if why, ok := notRunHere[line]; ok {
			t.Logf("NOT RUN: %q %s", line, why)
			continue
		}
		switch e.Command {
		case "import":
			if !exported {
				exportMLP(t, work, env)
				exported = true
			}
		case "completion":
			line = redirectHome(t, line, fmt.Sprintf("$HOME/completion-%d", i))
		case "serve":
			runServe(t, work, env, line)
			continue
		}
		start := time.Now()
		cmd := exec.Command("bash", "-c", line) // a hang is go test's -timeout's
		cmd.Dir, cmd.Env = work, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if err != nil {
			t.Errorf("nnfc %s --help: example %q: %v\n%s", e.Command, line, err, tail(out.String(), 2000))
			continue
		}
		t.Logf("%5.2fs  %s", time.Since(start).Seconds(), line)
	}
	t.Logf("%d examples in %.1fs", len(examples), time.Since(t0).Seconds())

	// Issue 28 item 3 on a model of real MNIST (the examples' mnist-swish):
	// the dark-on-white seven.png without --invert draws the one-line
	// warning naming --invert; the help's line, with --invert, does not.
	for _, invert := range []bool{false, true} {
		args := []string{"predict", "--model", "runs/mnist-swish/model.safetensors", "--input", "testdata/seven.png"}
		if invert {
			args = append(args, "--invert")
		}
		cmd := exec.Command(nnfcBin, args...)
		cmd.Dir, cmd.Env = work, env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("nnfc %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		warned := strings.Contains(stderr.String(), "seven.png: mean gray level") && strings.Contains(stderr.String(), "add --invert")
		if warned == invert {
			t.Errorf("nnfc %s: warned %v, want %v:\n%s", strings.Join(args, " "), warned, !invert, stderr.String())
		}
	}
}

// cutIDX writes into dst the four IDX files of the MNIST-format data set
// in src, cut to their first exampleTrain (train) and exampleTest (t10k)
// images and labels, gzipped as make data leaves them.
func cutIDX(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name   string
		header int // bytes before the items: magic, count, and rows, cols for images
		item   int // bytes per item
		n      int
	}{
		{"train-images-idx3-ubyte.gz", 16, 784, exampleTrain},
		{"train-labels-idx1-ubyte.gz", 8, 1, exampleTrain},
		{"t10k-images-idx3-ubyte.gz", 16, 784, exampleTest},
		{"t10k-labels-idx1-ubyte.gz", 8, 1, exampleTest},
	} {
		in, err := os.Open(filepath.Join(src, f.name))
		if err != nil {
			t.Fatalf("%v: run make data (it fetches the real data sets)", err)
		}
		zr, err := gzip.NewReader(in)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		b := make([]byte, f.header+f.n*f.item)
		if _, err := io.ReadFull(zr, b); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		in.Close()
		binary.BigEndian.PutUint32(b[4:8], uint32(f.n))
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		writeFile(t, filepath.Join(dst, f.name), buf.Bytes())
	}
}

// exportMLP writes mlp.onnx, the file the import examples read, with
// nnfc export of a run an earlier example trained.
func exportMLP(t *testing.T, work string, env []string) {
	t.Helper()
	cmd := exec.Command(nnfcBin, "export", "--run", "runs/spiral-7", "--output", "mlp.onnx")
	cmd.Dir, cmd.Env = work, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nnfc export --run runs/spiral-7 --output mlp.onnx (the import examples' file): %v\n%s", err, out)
	}
	t.Logf("mlp.onnx for the import examples: nnfc export --run runs/spiral-7 --output mlp.onnx (the help names a PyTorch export)")
}

// redirectHome sends the output redirection of a completion example
// (into a system directory: /etc/bash_completion.d, zsh's fpath, fish's
// config) to file under HOME instead, saying so.
func redirectHome(t *testing.T, line, file string) string {
	i := strings.Index(line, " > ")
	if i < 0 {
		return line
	}
	t.Logf("%q: its output goes to %s", line, file)
	return line[:i] + " > " + file
}

// addr matches a --addr flag and its value.
var addr = regexp.MustCompile(`--addr[ =]\S+`)

// runServe runs a serve example listening on 127.0.0.1:0 (an example's
// own address, 0.0.0.0:8080 for one, could be taken on a shared machine),
// waits for its "listening on" line, stops it with SIGTERM and checks it
// exits 0.
func runServe(t *testing.T, work string, env []string, line string) {
	t.Helper()
	run := line
	if addr.MatchString(run) {
		run = addr.ReplaceAllString(run, "--addr 127.0.0.1:0")
	} else {
		run += " --addr 127.0.0.1:0"
	}
	run = strings.Replace(run, "nnfc serve", "exec nnfc serve", 1) // bash becomes the server: SIGTERM reaches it
	start := time.Now()
	cmd := exec.Command("bash", "-c", run)
	cmd.Dir, cmd.Env = work, env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	sc := bufio.NewScanner(stderr)
	listening := false
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "nnfc serve: listening on http://127.0.0.1:") {
			listening = true
			cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	err = cmd.Wait()
	if !listening || err != nil {
		t.Errorf("nnfc serve --help: example %q (run as %q): listening %v, exit %v\n%s", line, run, listening, err, tail(seen.String(), 2000))
		return
	}
	t.Logf("%5.2fs  %s  (as %q, stopped by SIGTERM once listening)", time.Since(start).Seconds(), line, run)
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
