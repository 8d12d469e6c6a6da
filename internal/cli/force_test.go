package cli

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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

// oldRun trains a 2-100-3 run into dir and has every command that writes
// into a run directory write there (embed, report, plot, export), then
// adds two files of the user's; it returns the config of a 2-200-3 run
// into the same directory.
func oldRun(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	old := writeFile(t, filepath.Dir(dir), "old.yaml", fmt.Sprintf(forceYAML, 100, dir))
	for _, args := range [][]string{
		{"train", "--config", old, "--progress", "none"},
		{"embed", "--run", dir, "--method", "pca", "--split", "val"},
		{"report", "--run", dir},
		{"plot", "--run", dir},
		{"export", "--run", dir},
	} {
		if code, out, errOut := nnfc(t, ctx, args...); code != ExitOK {
			t.Fatalf("nnfc %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	writeFile(t, dir, "notes.txt", "mine")
	writeFile(t, filepath.Join(dir, "embed"), "mine.txt", "mine too")
	return writeFile(t, filepath.Dir(dir), "new.yaml", fmt.Sprintf(forceYAML, 200, dir))
}

// TestForceRemovesOldRun (issue 28 item 1): train --force removes every
// file nnfc wrote into the run directory (the old embed/ and report.html
// survived, and nnfc report then showed the old 2-100 network's embedding
// on the new 2-200 run), leaves the user's files with a one-line note,
// and nnfc report afterwards shows nothing of the old run.
func TestForceRemovesOldRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := oldRun(t, dir)
	ctx := context.Background()
	code, _, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none")
	if code != ExitError || !strings.Contains(errOut, "--force") {
		t.Fatalf("train over a run without --force: exit %d, %q", code, errOut)
	}
	code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none", "--force")
	if code != ExitOK {
		t.Fatalf("train --force: exit %d\n%s\n%s", code, out, errOut)
	}
	note := dir + ": removed the old run's files; left 2 not written by nnfc: notes.txt, embed/mine.txt\n"
	if !strings.Contains(errOut, note) {
		t.Errorf("train --force does not note the files it left (%q):\n%s", note, errOut)
	}
	var names []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	slices.Sort(names)
	want := []string{"checkpoint.safetensors", "config.yaml", "embed/mine.txt", "metrics.jsonl", "model.safetensors", "notes.txt", "results.json"}
	if !slices.Equal(names, want) {
		t.Errorf("after train --force the run directory holds %v, want %v", names, want)
	}
	if code, out, errOut := nnfc(t, ctx, "report", "--run", dir); code != ExitOK {
		t.Fatalf("report: exit %d\n%s\n%s", code, out, errOut)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if p := string(page); strings.Contains(p, `id="embedding"`) || strings.Contains(p, "h1-pca") || strings.Contains(p, "2-100(relu)-3") || !strings.Contains(p, "2-200(relu)-3") {
		t.Errorf("the report after --force shows the old run (its embedding, or 2-100(relu)-3) or not the new one (2-200(relu)-3)")
	}
}

// TestForceKeepsRunOnBadInput (issue 28, noticed): train --force removes
// the old run only once the new one has been checked: a data file that is
// missing, a target column the table does not have, an MNIST directory
// that does not exist. Each is refused in one line naming the key or file,
// and the old run's files are left as they were (before, --force cleared
// the directory first and then failed on the data, losing the old run).
func TestForceKeepsRunOnBadInput(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	good := writeFile(t, tmp, "good.yaml", fmt.Sprintf(forceYAML, 16, dir))
	ctx := context.Background()
	if code, out, errOut := nnfc(t, ctx, "train", "--config", good, "--progress", "none"); code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	snapshot := func() map[string]string {
		files := map[string]string{}
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(dir, p)
				files[rel] = string(b)
			}
			return nil
		})
		return files
	}
	before := snapshot()
	if _, ok := before["checkpoint.safetensors"]; !ok {
		t.Fatalf("the old run has no checkpoint: %v", before)
	}
	table := writeFile(t, tmp, "t.csv", "a,b,y\n1,2,x\n2,1,z\n3,0,x\n0,3,z\n1,1,x\n2,2,z\n")
	for _, c := range []struct{ name, data, want string }{
		{"missing file", "source: table\n  train: " + filepath.Join(tmp, "missing.csv") + "\n  target: y", "missing.csv"},
		{"missing target column", "source: table\n  train: " + table + "\n  target: nosuch", "nosuch"},
		{"missing MNIST directory", "source: mnist\n  dir: " + filepath.Join(tmp, "nomnist"), "nomnist"},
	} {
		cfg := writeFile(t, tmp, "bad.yaml", fmt.Sprintf("seed: 1\ndata:\n  %s\nmodel: {hidden: [8]}\noptimizer: {rule: sgd, lr: 0.1}\ntrain: {epochs: 1, out_dir: %s}\n", c.data, dir))
		code, _, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none", "--force")
		msg := strings.TrimSpace(errOut)
		if i := strings.LastIndex(msg, "\n"); i >= 0 && strings.HasPrefix(msg, "blas:") {
			msg = msg[i+1:]
		}
		if code == ExitOK || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: exit %d, want a one-line error naming %q:\n%s", c.name, code, c.want, errOut)
		}
		if after := snapshot(); !maps.Equal(before, after) {
			t.Errorf("%s: train --force changed the old run's directory: %d files before, %d after", c.name, len(before), len(after))
		}
	}
}
