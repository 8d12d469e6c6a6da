package cli

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/testfix"
)

// nnfc plot --run of a run whose config sets data.augment writes
// augment.png: one row per class (4 here), the picture and 8 draws; a
// run without data.augment gets none.
func TestPlotAugment(t *testing.T) {
	pics := t.TempDir()
	testfix.Pictures(t, pics, "train", 40, 1)
	testfix.Pictures(t, pics, "t10k", 8, 2)
	metrics := `{"epoch":1,"loss":0.9,"train_acc":0.6,"val_acc":0.55,"val_loss":1.0,"lr":0.1,"seconds":1,"samples_per_s":100}` + "\n"
	run := func(augment string) (dir, stdout string) {
		dir = t.TempDir()
		cfg := "data: {source: mnist, dir: " + pics + ", val_count: 8, augment: {" + augment + "}}\n"
		for name, text := range map[string]string{"config.yaml": cfg, "metrics.jsonl": metrics} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), []string{"plot", "--run", dir}, IO{Out: &out, ErrOut: &errOut}); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		return dir, out.String()
	}
	dir, out := run("translate: 2, rotate: 10, elastic_alpha: 30, elastic_sigma: 4")
	p := filepath.Join(dir, "augment.png")
	if !strings.Contains(out, p+"\n") {
		t.Errorf("stdout %q does not name %s", out, p)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("augment.png: %v", err)
	}
	// 9 tiles of 28·3 + 2 pixels across (at the renderer's 96 dpi over
	// 72: 4/3), and 4 rows: wider than tall.
	if b := img.Bounds(); b.Dx() < 9*86 || b.Dy() < 4*86 || b.Dx() <= b.Dy() {
		t.Errorf("augment.png is %d×%d, want 9 tiles across and 4 rows", b.Dx(), b.Dy())
	}
	dir, out = run("")
	if _, err := os.Stat(filepath.Join(dir, "augment.png")); err == nil || strings.Contains(out, "augment.png") {
		t.Errorf("a run without data.augment got augment.png (stdout %q)", out)
	}
}
