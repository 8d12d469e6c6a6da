package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	metrics := `{"epoch":1,"loss":0.9,"train_acc":0.6,"val_acc":0.55,"val_loss":1.0,"lr":0.1,"seconds":1,"samples_per_s":100}
{"epoch":2,"loss":0.5,"train_acc":0.8,"val_acc":0.75,"val_loss":0.6,"lr":0.1,"seconds":1,"samples_per_s":100}
`
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(metrics), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"plot", "--run", dir}, IO{Out: &out, ErrOut: &errOut}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	png, err := os.ReadFile(filepath.Join(dir, "curves.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 1000 {
		t.Errorf("curves.png is not a PNG image (%d bytes)", len(png))
	}

	// Two runs overlay into --output; a missing run is an error naming it.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "metrics.jsonl"), []byte(metrics), 0o644); err != nil {
		t.Fatal(err)
	}
	both := filepath.Join(t.TempDir(), "both.png")
	out.Reset()
	if code := Main(context.Background(), []string{"plot", "--run", dir, "--run", other, "--output", both}, IO{Out: &out, ErrOut: &errOut}); code != ExitOK || out.String() != both+"\n" {
		t.Fatalf("overlay: exit %d, stdout %q: %s", code, out.String(), errOut.String())
	}
	if png, err := os.ReadFile(both); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("overlay PNG: %v", err)
	}
	errOut.Reset()
	gone := filepath.Join(other, "gone")
	if code := Main(context.Background(), []string{"plot", "--run", dir, "--run", gone, "--output", both}, IO{Out: &out, ErrOut: &errOut}); code != ExitError || !strings.Contains(errOut.String(), gone) {
		t.Errorf("overlay with a missing run: exit %d, %q", code, errOut.String())
	}

	// A malformed metrics file is a one-line error naming file and line.
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(metrics+"{oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := Main(context.Background(), []string{"plot", "--run", dir}, IO{Out: &out, ErrOut: &errOut}); code != ExitError {
		t.Errorf("malformed metrics: exit %d, want %d", code, ExitError)
	}
	if msg := errOut.String(); !strings.Contains(msg, "metrics.jsonl:3") || strings.Count(msg, "\n") != 1 {
		t.Errorf("malformed metrics: error %q", msg)
	}
}
