package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// oneDNN's float32 GEMM runs on OpenMP worker threads, which are not Go's
// and have no alternate signal stack; a signal handled on one of them
// while it is in the GEMM corrupted the C heap ("corrupted size vs.
// prev_size while consolidating", exit 134, or SIGSEGV), whatever the
// signal. --cpuprofile (SIGPROF from setitimer, process-wide) hit it every
// time. blasbackend now blocks the asynchronous signals in the workers.

// signalConfig trains a 2-512-512-7 float32 network on a 7000-point
// spiral in 500-sample batches: GEMMs large enough for oneDNN to use both
// threads, ~1.5 s here.
const signalConfig = `seed: 1
precision: float32
data:
  source: spiral
  spiral: {per_class: 1000, classes: 7, noise: 0.1}
  val_fraction: 0.2
  normalize: none
model:
  hidden: [512, 512]
  activation: relu
  loss: softmax
  init: he
optimizer:
  rule: sgd
  lr: 0.1
train:
  epochs: 10
  batch_size: 500
`

// TestCPUProfileOneDNN: training with --cpuprofile on oneDNN with 2
// threads exits 0 and writes the profile (it aborted 3 of 3 times before
// the fix, within 0.2 s).
func TestCPUProfileOneDNN(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "spiral.yaml"), []byte(signalConfig))
	prof := filepath.Join(dir, "cpu.prof")
	o := run(t, 2*time.Minute, nil, "--blas", "onednn", "--threads", "2", "--cpuprofile", prof,
		"train", "--config", cfg, "--out", filepath.Join(dir, "run"), "--progress", "none")
	if o.code != 0 {
		t.Fatalf("nnfc --cpuprofile train: exit %d, want 0; stderr:\n%s", o.code, shorten(o.stderr, 2000))
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Fatalf("profile %s: %v (want a non-empty file)", prof, err)
	}
}

// TestSignalsOnOpenMPThreads: without profiling, SIGURG (whose Go handler
// does nothing on a thread that is not Go's) sent to every thread of a
// training process every 2 ms does not crash it. Before the fix 5 of 5
// evaluations crashed this way: profiling was only one source of signals.
func TestSignalsOnOpenMPThreads(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "spiral.yaml"), []byte(signalConfig))
	cmd := exec.Command(nnfcBin, "--blas", "onednn", "--threads", "2",
		"train", "--config", cfg, "--out", filepath.Join(dir, "run"), "--progress", "none")
	cmd.Env = cleanEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	pid := cmd.Process.Pid
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(2 * time.Minute)
	sent := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("nnfc train under SIGURG: %v; stderr:\n%s", err, shorten(stderr.String(), 2000))
			}
			if sent == 0 {
				t.Fatal("no signal was sent before training ended")
			}
			return
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatal("nnfc train still running after 2 minutes (killed)")
		case <-tick.C:
			tasks, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
			for _, task := range tasks {
				tid, err := strconv.Atoi(task.Name())
				if err == nil && syscall.Tgkill(pid, tid, syscall.SIGURG) == nil {
					sent++
				}
			}
		}
	}
}

// TestOneOpenMPPool: nnfc bench's warm-up, training epochs, evaluations
// and GEMM-bound loops all run oneDNN on one OS thread (main's init locks
// the main goroutine to it), so one OpenMP pool. Before that lock, each
// blasbackend.Loop ran on whichever thread the goroutine was on: bench
// made two pools, three OpenMP threads on two CPUs, and libgomp then cut
// its workers' spinning between parallel regions.
func TestOneOpenMPPool(t *testing.T) {
	cmd := exec.Command(nnfcBin, "--blas", "onednn", "--threads", "2", "bench", "--epochs", "1", "--gemm-seconds", "0.05")
	cmd.Env = cleanEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nnfc bench: %v", err)
	}
	i := strings.Index(string(out), `"openmp_pools":`)
	if i < 0 {
		t.Fatalf("no openmp_pools in the bench output:\n%s", shorten(string(out), 2000))
	}
	rest := string(out[i+len(`"openmp_pools":`):])
	n, err := strconv.Atoi(rest[:strings.IndexAny(rest, ",}")])
	if err != nil || n != 1 {
		t.Errorf("openmp_pools = %q, want 1", rest[:strings.IndexAny(rest, ",}")])
	}
}
