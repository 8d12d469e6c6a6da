package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReport: train --report writes the page and prints its path; nnfc
// report rewrites it; bad command lines and run directories are one-line
// errors with the documented exit codes.
func TestReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spiral")
	code, out, errOut := nnfc(t, context.Background(), "train", "--config", spiralConfig, "--epochs", "3", "--out", dir, "--progress", "none", "--report")
	if code != ExitOK {
		t.Fatalf("train --report exited %d:\n%s\n%s", code, out, errOut)
	}
	page := filepath.Join(dir, "report.html")
	if !strings.Contains(out, "report: "+page+"\n") {
		t.Errorf("train --report does not print the report's path:\n%s", out)
	}
	first, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(first), `id="regions"`) {
		t.Error("the spiral report has no decision regions")
	}
	if err := os.Remove(page); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "r.html")
	for _, c := range []struct {
		args []string
		code int
		out  string // stdout, or the start of the one-line error
	}{
		{[]string{"report", "--run", dir}, ExitOK, page + "\n"},
		{[]string{"report", "--run", dir, "--output", other}, ExitOK, other + "\n"},
		{[]string{"report"}, ExitUsage, "nnfc: report: give exactly one of --run RUN_DIR or --sweep SWEEP_DIR"},
		{[]string{"report", "--run", dir, "--sweep", dir}, ExitUsage, "nnfc: report: give exactly one"},
		{[]string{"report", "--sweep", dir}, ExitError, "nnfc: " + dir + ": not a sweep directory"},
		{[]string{"report", "--run", filepath.Join(dir, "nope")}, ExitError, "nnfc: --run " + filepath.Join(dir, "nope") + ": not a run directory"},
		{[]string{"report", "--run", t.TempDir()}, ExitError, "nnfc: "},
	} {
		code, out, errOut := nnfc(t, context.Background(), c.args...)
		if code != c.code {
			t.Errorf("nnfc %s: exit %d, want %d (%s)", strings.Join(c.args, " "), code, c.code, errOut)
			continue
		}
		if c.code == ExitOK {
			if out != c.out {
				t.Errorf("nnfc %s printed %q, want %q", strings.Join(c.args, " "), out, c.out)
			}
			if _, err := os.Stat(strings.TrimSpace(c.out)); err != nil {
				t.Error(err)
			}
		} else if !strings.HasPrefix(errOut, c.out) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("nnfc %s: error %q, want one line starting %q", strings.Join(c.args, " "), errOut, c.out)
		}
	}
}
