package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/testfix"
)

// The tests of this package run the nnfc binary itself, built once by
// TestMain: bad inputs of every kind (badinput_test.go), SIGKILL during
// training and a full disk (crash_test.go).

// nnfcBin is the binary TestMain built.
var nnfcBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nnfc-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if nnfcBin, err = testfix.BuildNNFC(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// outcome is what one run of the binary did.
type outcome struct {
	code           int
	stdout, stderr string
	wall           time.Duration
	maxRSS         int64 // bytes
}

// run runs nnfc with args (and extra environment variables), killing it
// after timeout.
func run(t *testing.T, timeout time.Duration, env []string, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// GNU time measures the peak RSS: Go starts children with vfork, and
	// Linux carries the parent's peak RSS (this test's, OpenBLAS buffers
	// included) into a vforked child's across exec, so the rusage of a
	// direct child would report the test's memory, not nnfc's. time
	// forks nnfc normally and reports its child's own peak.
	rss := filepath.Join(t.TempDir(), "maxrss")
	cmd := exec.CommandContext(ctx, gnuTime, append([]string{"-f", "%M", "-o", rss, nnfcBin}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Dir = t.TempDir() // relative paths (the default runs/run) land there
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	t0 := time.Now()
	err := cmd.Run()
	o := outcome{stdout: out.String(), stderr: errOut.String(), wall: time.Since(t0)}
	if ctx.Err() != nil {
		t.Fatalf("nnfc %s: still running after %v (killed)", strings.Join(args, " "), timeout)
	}
	if cmd.ProcessState == nil {
		t.Fatalf("nnfc %s: %v", strings.Join(args, " "), err)
	}
	o.code = cmd.ProcessState.ExitCode()
	b, err := os.ReadFile(rss)
	if err != nil {
		t.Fatalf("nnfc %s: no peak RSS from %s: %v", strings.Join(args, " "), gnuTime, err)
	}
	lines := strings.Fields(string(b)) // "Command exited with non-zero status 1" precedes it
	kb, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		t.Fatalf("peak RSS %q: %v", b, err)
	}
	o.maxRSS = kb * 1024
	return o
}

// gnuTime is GNU time (Debian package time, installed by make deps).
const gnuTime = "/usr/bin/time"

// cleanEnv is the environment without NNFC_* variables, which would
// change what the configs say.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NNFC_") {
			env = append(env, kv)
		}
	}
	return env
}

func writeFile(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
