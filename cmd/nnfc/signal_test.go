package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRepeatedSIGTERM: a burst of SIGTERMs (what a dying parent's
// Pdeathsig delivers, once per exiting thread) stops training like one:
// the checkpoint and metrics.jsonl are written, exit 130.
func TestRepeatedSIGTERM(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(nnfcBin, "train", "--config", filepath.Join("..", "..", "configs", "spiral-7.yaml"), "--out", out, "--progress", "none")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "epoch 3/") {
			break
		}
	}
	for range 5 {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(time.Millisecond)
	}
	go func() { // keep the pipe drained
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("after 5 SIGTERMs: %v, want exit 130", err)
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoint.safetensors")); err != nil {
		t.Errorf("no checkpoint: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "metrics.jsonl")); err != nil || strings.Count(string(b), "\n") < 3 {
		t.Errorf("metrics.jsonl: %v, %d epochs; want at least 3", err, strings.Count(string(b), "\n"))
	}
}
