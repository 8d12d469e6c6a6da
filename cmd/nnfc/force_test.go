package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// forceYAML is a small spiral run of hidden width %d into %s.
const forceYAML = `seed: 3
data:
  source: spiral
  spiral: {per_class: 60, classes: 3, noise: 0.1}
  val_fraction: 0.2
  normalize: none
model: {hidden: [%d]}
optimizer: {rule: sgd, lr: 0.5}
train: {epochs: 2, batch_size: 32, out_dir: %s}
`

// TestForceKilled (issue 28 item 1): nnfc train --force killed part-way
// through removing the old run leaves "no run yet", not a mix: report,
// runs, eval and --resume refuse the directory in one line, and the next
// nnfc train there (without --force) finishes the removal, keeps the
// user's file and starts afresh. The process is held at the k-th rename
// (NNFC_TEST_HOLD_CLEAR and the FIFO .test-hold), where the test kills
// it: after config.yaml and the checkpoint (k = 2), and in embed/ (8).
// (rundir's TestClearInterrupted stops it after every rename in-process.)
func TestForceKilled(t *testing.T) {
	for _, k := range []int{2, 8} {
		t.Run(fmt.Sprintf("after rename %d", k), func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "run")
			old := writeFile(t, filepath.Join(root, "old.yaml"), []byte(fmt.Sprintf(forceYAML, 100, dir)))
			cfg := writeFile(t, filepath.Join(root, "new.yaml"), []byte(fmt.Sprintf(forceYAML, 200, dir)))
			for _, args := range [][]string{
				{"train", "--config", old, "--progress", "none", "--report"},
				{"embed", "--run", dir, "--method", "pca", "--split", "val"},
			} {
				if o := run(t, 10*time.Minute, nil, args...); o.code != 0 {
					t.Fatalf("nnfc %s: exit %d\n%s", strings.Join(args, " "), o.code, o.stderr)
				}
			}
			writeFile(t, filepath.Join(dir, "notes.txt"), []byte("mine"))
			fifo := filepath.Join(dir, ".test-hold")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}

			cmd := exec.Command(nnfcBin, "train", "--config", cfg, "--progress", "none", "--force")
			cmd.Env = append(cleanEnv(), fmt.Sprintf("NNFC_TEST_HOLD_CLEAR=%d", k))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			held := make(chan *os.File, 1)
			go func() {
				// Opening the FIFO to write returns once the process opened
				// it to read: it is at the hold.
				if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					held <- f
				}
			}()
			select {
			case f := <-held:
				cmd.Process.Signal(syscall.SIGKILL)
				err := <-exited
				f.Close()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
					t.Fatalf("train --force was not killed at rename %d: %v\n%s", k, err, stderr.String())
				}
			case err := <-exited:
				os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0) // release the writer goroutine
				t.Fatalf("train --force ended (%v) before rename %d\n%s", err, k, stderr.String())
			}

			// No run there: every reader says so in one line.
			readers := [][]string{{"report", "--run", dir}, {"eval", "--run", dir}, {"plot", "--run", dir},
				{"train", "--resume", dir, "--progress", "none"}, {"runs", root}}
			if k != 2 {
				readers = readers[:1]
			}
			for _, args := range readers {
				o := run(t, 10*time.Minute, nil, args...)
				lines := 1
				if args[0] == "runs" {
					lines = 2 // the warning that it skipped the directory, then "no readable run"
				}
				if o.code != 1 || !strings.Contains(o.stderr, "holds no run") || strings.Count(o.stderr, "\n") != lines {
					t.Errorf("nnfc %s after the kill: exit %d, %q; want 1 and one line saying it holds no run", strings.Join(args, " "), o.code, o.stderr)
				}
			}

			// The next run finishes the removal and starts afresh.
			o := run(t, 10*time.Minute, nil, "train", "--config", cfg, "--progress", "none")
			if o.code != 0 {
				t.Fatalf("train after the kill: exit %d\n%s", o.code, o.stderr)
			}
			for _, gone := range []string{".nnfc-replaced", "embed", "report.html"} {
				if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s is still there after the next run (%v)", gone, err)
				}
			}
			if b, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(b) != "mine" {
				t.Errorf("notes.txt: %q, %v", b, err)
			}
			if o := run(t, 10*time.Minute, nil, "report", "--run", dir); o.code != 0 {
				t.Fatalf("report: exit %d\n%s", o.code, o.stderr)
			}
			page, err := os.ReadFile(filepath.Join(dir, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			if p := string(page); strings.Contains(p, `id="embedding"`) || !strings.Contains(p, "2-200(relu)-3") {
				t.Errorf("the new run's report shows the old embedding, or not the 2-200-3 network")
			}
		})
	}
}
