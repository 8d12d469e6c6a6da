package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
)

// TestRuns: nnfc runs lists every run under a folder (nested too), sorted
// as asked, as a table or as JSON.
func TestRuns(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	for _, r := range []struct{ dir, lr string }{{"a", "0.05"}, {"sub/b", "1.0"}, {"c", "50"}} {
		code, _, errOut := nnfc(t, ctx, "train", "--config", spiralConfig, "--epochs", "4", "--lr", r.lr, "--out", filepath.Join(root, r.dir), "--progress", "none")
		if code != ExitOK {
			t.Fatalf("train %s: exit %d: %s", r.dir, code, errOut)
		}
	}
	code, out, errOut := nnfc(t, ctx, "runs", root, "--sort", "test_acc", "--json")
	if code != ExitOK {
		t.Fatalf("runs: exit %d: %s", code, errOut)
	}
	var got []rundir.Summary
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 3 {
		t.Fatalf("runs --json: %v, %d runs:\n%s", err, len(got), out)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].Test.Accuracy < got[i].Test.Accuracy {
			t.Errorf("--sort test_acc: %s (%.4f) before %s (%.4f)", got[i-1].Dir, got[i-1].Test.Accuracy, got[i].Dir, got[i].Test.Accuracy)
		}
	}
	code, out, _ = nnfc(t, ctx, "runs", root)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || len(lines) != 4 || !strings.HasPrefix(lines[0], "RUN ") ||
		!strings.HasPrefix(lines[1], filepath.Join(root, "a")+" ") || !strings.HasPrefix(lines[3], filepath.Join(root, "sub", "b")+" ") {
		t.Errorf("runs (by name): exit %d\n%s", code, out)
	}
	// The lr-50 run diverges: its status says so.
	if !strings.Contains(lines[2], "finished (diverging)") {
		t.Errorf("lr 50 run not marked diverging: %s", lines[2])
	}
	if code, _, errOut := nnfc(t, ctx, "runs", root, "--sort", "best"); code != ExitUsage || !strings.Contains(errOut, "--sort") {
		t.Errorf("bad --sort: exit %d %s", code, errOut)
	}
	if code, _, errOut := nnfc(t, ctx, "runs", filepath.Join(root, "none")); code != ExitError || !strings.Contains(errOut, "none") {
		t.Errorf("missing folder: exit %d %s", code, errOut)
	}
}

// TestHelp: every command, bench and completion included, is listed by
// nnfc --help and has a long description and examples.
func TestHelp(t *testing.T) {
	_, out, _ := nnfc(t, context.Background(), "--help")
	root := NewRoot(IO{})
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			continue
		}
		if !strings.Contains(out, "\n  "+c.Name()+" ") {
			t.Errorf("nnfc --help does not list %s", c.Name())
		}
		if c.Hidden || c.Long == "" || c.Example == "" {
			t.Errorf("nnfc %s: hidden %v, Long %d bytes, Example %d bytes", c.Name(), c.Hidden, len(c.Long), len(c.Example))
		}
		for _, line := range strings.Split(c.Example, "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] != "nnfc" && f[0] != "source" && !strings.Contains(line, " nnfc ") && !strings.HasPrefix(strings.TrimSpace(line), "OPENBLAS_") {
				t.Errorf("nnfc %s: example line %q is not a command", c.Name(), line)
			}
		}
	}
}
