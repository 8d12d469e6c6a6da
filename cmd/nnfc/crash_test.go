package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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
// run, half of them inside a file write, and checks after each kill that
// the run directory holds a loadable model and checkpoint or no run yet,
// and that nnfc train --resume then finishes the run with the same model
// file, byte for byte, as an uninterrupted run.
//
// The kill points are events, not times: a kill inside a write waits for
// the write's temporary file, stops the process (SIGSTOP) and kills it
// only if the file is still there (else it lets it go on to the next
// write); the other kills follow an epoch's line on stdout.
func TestSIGKILL(t *testing.T) {
	root := t.TempDir()
	const epochs = 4
	refDir := filepath.Join(root, "ref")
	ref := writeFile(t, filepath.Join(root, "ref.yaml"), []byte(fmt.Sprintf(crashYAML, epochs, refDir)))
	if o := run(t, 5*time.Minute, nil, "train", "--config", ref, "--progress", "none"); o.code != 0 {
		t.Fatalf("reference run exited %d: %s", o.code, o.stderr)
	}
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
		// Each file write pauses 10 ms before its rename: time for the
		// SIGSTOP to find its temporary file.
		cmd.Env = append(cleanEnv(), "NNFC_TEST_WRITE_DELAY=10ms")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var where string
		if k%2 == 0 {
			// Inside write number k/2 or the first one after it that
			// the stopped process still holds (a run makes at least 10).
			go io.Copy(io.Discard, stdout)
			where = killInWrite(t, cmd, dir, k/2)
		} else {
			// After epoch N's line, N = 1..4 in turn.
			line := fmt.Sprintf("epoch %d/", (k/2)%epochs+1)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() && !strings.HasPrefix(sc.Text(), line) {
			}
			cmd.Process.Signal(syscall.SIGKILL)
			go io.Copy(io.Discard, stdout)
			where = "after the line " + line
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled()

		hasCP, tmps := checkRunDir(t, dir)
		if hasCP {
			withCP++
		}
		if tmps > 0 {
			inWrite++
		}
		if k%2 == 0 && (tmps == 0 || !killed) {
			t.Errorf("kill %d (%s): killed %v, %d temporary files; want a kill inside a write", k, where, killed, tmps)
		}
		// Resume; a directory without even a config is started afresh.
		args := []string{"train", "--resume", dir, "--progress", "none"}
		if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err != nil {
			args = []string{"train", "--config", cfg, "--progress", "none"}
		}
		o := run(t, 5*time.Minute, nil, args...)
		if o.code != 0 {
			t.Fatalf("kill %d (%s; killed: %v, checkpoint: %v, %d temporary files): %s exited %d: %s",
				k, where, killed, hasCP, tmps, strings.Join(args[:2], " "), o.code, o.stderr)
		}
		got, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("kill %d (%s): the finished model differs from the uninterrupted run's (%v)", k, where, err)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(left) > 0 {
			t.Errorf("kill %d: temporary files left after the resumed run: %v", k, left)
		}
	}
	t.Logf("%d SIGKILLs: %d left a checkpoint, %d left no run yet, %d hit a file write (left a temporary file); every resume finished with the uninterrupted model",
		kills, withCP, kills-withCP, inWrite)
}

// killInWrite kills cmd, training into dir, inside its n-th file write
// (counted from 0) or the first later one it catches: when a new
// temporary file appears, the process is stopped, and killed if the file
// is still there; else it continues. It says which file it caught.
func killInWrite(t *testing.T, cmd *exec.Cmd, dir string, n int) string {
	t.Helper()
	seen := map[string]bool{}
	pid := cmd.Process.Pid
	for {
		tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
		for _, tmp := range tmps {
			if seen[tmp] {
				continue
			}
			seen[tmp] = true
			if len(seen) <= n {
				continue
			}
			syscall.Kill(pid, syscall.SIGSTOP)
			if _, err := os.Stat(tmp); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
				return fmt.Sprintf("in write %d, %s", len(seen)-1, filepath.Base(tmp))
			}
			syscall.Kill(pid, syscall.SIGCONT)
		}
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err != nil || bytes.Contains(stat, []byte(") Z ")) {
			t.Fatalf("the run ended before write %d (%d seen)", n, len(seen))
		}
		time.Sleep(time.Millisecond) // a poll interval, not a wait for something to happen
	}
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
