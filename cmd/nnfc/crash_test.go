package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// crashYAML trains a 2-256-256-7 network with Adam on the spiral,
// writing a checkpoint of a few MB after every epoch, so that a fair
// share of any run is spent writing files.
const crashYAML = `seed: 5
data:
  source: spiral
  spiral: {per_class: 300, classes: 7, noise: 0.1}
  val_fraction: 0.2
  normalize: none
model:
  hidden: [256, 256]
optimizer: {rule: adam, lr: 0.001}
train:
  epochs: %d
  batch_size: 64
  checkpoint_every: 1
  out_dir: %s
`

// checkRunDir checks what a run directory holds after a crash: either no
// checkpoint (no run yet) or a checkpoint and a model that load.
func checkRunDir(t *testing.T, dir string) (hasCheckpoint bool, tmpFiles int) {
	t.Helper()
	tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	cp := filepath.Join(dir, "checkpoint.safetensors")
	if _, err := os.Stat(cp); err != nil {
		return false, len(tmps)
	}
	if _, _, err := stfile.Read(cp); err != nil {
		t.Fatalf("the checkpoint does not load: %v", err)
	}
	if _, _, err := model.Load[float32](filepath.Join(dir, "model.safetensors")); err != nil {
		t.Fatalf("a checkpoint but no model that loads: %v", err)
	}
	return true, len(tmps)
}

// TestSIGKILL kills training with SIGKILL at moments spread over a whole
// run (inside checkpoint writes among them), and checks after each kill
// that the run directory holds a loadable model and checkpoint or no run
// yet, and that nnfc train --resume then finishes the run with the same
// model file, byte for byte, as an uninterrupted run.
func TestSIGKILL(t *testing.T) {
	root := t.TempDir()
	const epochs = 4
	refDir := filepath.Join(root, "ref")
	ref := writeFile(t, filepath.Join(root, "ref.yaml"), []byte(fmt.Sprintf(crashYAML, epochs, refDir)))
	t0 := time.Now()
	if o := run(t, 5*time.Minute, []string{"NNFC_TEST_WRITE_DELAY=40ms"}, "train", "--config", ref, "--progress", "none"); o.code != 0 {
		t.Fatalf("reference run exited %d: %s", o.code, o.stderr)
	}
	full := time.Since(t0)
	want, err := os.ReadFile(filepath.Join(refDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}

	const kills = 16
	withCP, inWrite := 0, 0
	for k := range kills {
		dir := filepath.Join(root, fmt.Sprintf("run%d", k))
		cfg := writeFile(t, filepath.Join(root, fmt.Sprintf("run%d.yaml", k)), []byte(fmt.Sprintf(crashYAML, epochs, dir)))
		cmd := exec.Command(nnfcBin, "train", "--config", cfg, "--progress", "none")
		// Each file write pauses 40 ms before its rename: a good share
		// of the kills land inside a write.
		cmd.Env = append(cleanEnv(), "NNFC_TEST_WRITE_DELAY=40ms")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The first quarter of a run is start-up (no files yet): most
		// kills go after it.
		delay := time.Duration(float64(full) * (0.2 + 0.85*(float64(k)+0.5)/kills))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled()

		hasCP, tmps := checkRunDir(t, dir)
		if hasCP {
			withCP++
		}
		if tmps > 0 {
			inWrite++
		}
		// Resume; a directory without even a config is started afresh.
		args := []string{"train", "--resume", dir, "--progress", "none"}
		if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err != nil {
			args = []string{"train", "--config", cfg, "--progress", "none"}
		}
		o := run(t, 5*time.Minute, nil, args...)
		if o.code != 0 {
			t.Fatalf("kill %d after %v (killed: %v, checkpoint: %v, %d temporary files): %s exited %d: %s",
				k, delay, killed, hasCP, tmps, strings.Join(args[:2], " "), o.code, o.stderr)
		}
		got, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("kill %d after %v: the finished model differs from the uninterrupted run's (%v)", k, delay, err)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(left) > 0 {
			t.Errorf("kill %d: temporary files left after the resumed run: %v", k, left)
		}
	}
	if inWrite == 0 {
		t.Errorf("no kill landed inside a file write: the test did not test that")
	}
	t.Logf("%d SIGKILLs over a %v run: %d left a checkpoint, %d left no run yet, %d hit a file write (left a temporary file); every resume finished with the uninterrupted model",
		kills, full.Round(time.Millisecond), withCP, kills-withCP, inWrite)
}

// TestFullDisk trains on a small tmpfs that fills up after the first
// checkpoint: nnfc exits 1 with one line naming the file and the cause,
// the model and checkpoint already written stay loadable, and once space
// is freed --resume finishes the run. predict --output onto the full
// disk leaves the previous output in place. (Needs root to mount, as in
// CI.)
func TestFullDisk(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "mnt")
	os.MkdirAll(mnt, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs (the test needs root): %v: %s", err, out)
	}
	defer exec.Command("umount", "-l", mnt).Run()

	dir := filepath.Join(mnt, "run")
	cfg := writeFile(t, filepath.Join(t.TempDir(), "full.yaml"), []byte(fmt.Sprintf(crashYAML, 200, dir)))
	cmd := exec.Command(nnfcBin, "train", "--config", cfg, "--progress", "none")
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "checkpoint.safetensors")
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(cp); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no checkpoint after 2 minutes: %s", stderr.String())
		}
	}
	filler := fill(t, mnt)
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	msg := errorLines(stderr.String())
	if code != 1 || strings.Contains(msg, "\n") || !strings.Contains(msg, "no space left on device") || !strings.Contains(msg, dir) {
		t.Fatalf("on a full disk: exit %d (%v), stderr:\n%s", code, err, stderr.String())
	}
	t.Logf("full disk: exit %d: %s", code, msg)
	if hasCP, _ := checkRunDir(t, dir); !hasCP {
		t.Fatal("the checkpoint written before the disk filled is gone")
	}

	// predict --output onto the full disk keeps the previous output.
	prev := filepath.Join(mnt, "pred.csv")
	os.Remove(filler)
	writeFile(t, prev, []byte("previous predictions\n"))
	filler = fill(t, mnt)
	in := writeFile(t, filepath.Join(t.TempDir(), "x.csv"), []byte(strings.Repeat("0.1,0.2\n", 20000)))
	o := run(t, time.Minute, nil, "predict", "--model", filepath.Join(dir, "model.safetensors"), "--input", in, "--output", prev)
	if m := errorLines(o.stderr); o.code != 1 || strings.Contains(m, "\n") || !strings.Contains(m, "no space left on device") {
		t.Errorf("predict onto a full disk: exit %d: %s", o.code, o.stderr)
	}
	if b, _ := os.ReadFile(prev); string(b) != "previous predictions\n" {
		t.Errorf("predict --output on a full disk changed the previous output to %q", b)
	}

	// Space again: the run resumes to the end.
	os.Remove(filler)
	if o := run(t, 5*time.Minute, nil, "train", "--resume", dir, "--progress", "none"); o.code != 0 {
		t.Fatalf("resume after freeing space: exit %d: %s", o.code, o.stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// fill writes a file into dir until the file system is full and returns
// its path.
func fill(t *testing.T, dir string) string {
	p := filepath.Join(dir, "filler")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range []int{1 << 20, 4096, 1} {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				break
			}
		}
	}
	return p
}
