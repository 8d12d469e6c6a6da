package rundir

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeRun fills dir with every file nnfc writes into a run directory,
// nnfc embed's files, a temporary file of a killed write, and two files
// of the user's (one in embed/).
func fakeRun(t *testing.T, dir string) {
	t.Helper()
	files := append(slices.Clone(Written), ".model.safetensors.tmp-123",
		"embed/h1-pca.png", "embed/h1-pca.json", "embed/rbf-h1-gplvm.csv", "embed/.h1-pca.png.tmp-9",
		"notes.txt", "embed/mine.txt")
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tree lists the files under dir, relative, sorted.
func tree(dir string) []string {
	var names []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	slices.Sort(names)
	return names
}

// TestClear: Clear removes what nnfc wrote and only that, noting the
// rest in one line.
func TestClear(t *testing.T) {
	dir := t.TempDir()
	fakeRun(t, dir)
	var note strings.Builder
	if err := Clear(dir, &note); err != nil {
		t.Fatal(err)
	}
	if got, want := tree(dir), []string{"embed/mine.txt", "notes.txt"}; !slices.Equal(got, want) {
		t.Errorf("after Clear: %v, want %v", got, want)
	}
	if want := dir + ": removed the old run's files; left 2 not written by nnfc: notes.txt, embed/mine.txt\n"; note.String() != want {
		t.Errorf("note %q, want %q", note.String(), want)
	}
	// Without the user's file in embed/, embed/ goes too.
	os.Remove(filepath.Join(dir, "embed", "mine.txt"))
	fakeRun(t, dir)
	os.Remove(filepath.Join(dir, "embed", "mine.txt"))
	if err := Clear(dir, nil); err != nil {
		t.Fatal(err)
	}
	if got := tree(dir); !slices.Equal(got, []string{"notes.txt"}) {
		t.Errorf("after Clear: %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, EmbedDir)); !os.IsNotExist(err) {
		t.Errorf("embed/ left: %v", err)
	}
}

// crash is the panic of a simulated crash.
type crash int

// TestClearInterrupted: a Clear stopped after any of its renames (a
// panic here; cmd/nnfc's TestForceKilled kills the process) leaves a
// directory that holds no run (Replacing, IsRun false, Summarize and
// CheckNotReplacing refuse it), and the next Clear finishes the removal.
func TestClearInterrupted(t *testing.T) {
	defer func() { afterRename = testHold }()
	renames := len(Written) + 1 + 4 // the temporary file; embed/'s four
	for k := 1; k <= renames; k++ {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(k))
		fakeRun(t, dir)
		afterRename = func(_ string, n int) {
			if n == k {
				panic(crash(n))
			}
		}
		func() {
			defer func() {
				if r := recover(); r != crash(k) {
					t.Fatalf("rename %d: Clear did not stop there (%v)", k, r)
				}
			}()
			Clear(dir, nil)
		}()
		afterRename = testHold
		if !Replacing(dir) || IsRun(dir) {
			t.Errorf("stopped after rename %d: Replacing %v, IsRun %v; want a directory with no run", k, Replacing(dir), IsRun(dir))
		}
		if _, err := Summarize(dir); err == nil || !strings.Contains(err.Error(), "holds no run") {
			t.Errorf("stopped after rename %d: Summarize: %v", k, err)
		}
		if err := Clear(dir, nil); err != nil {
			t.Fatal(err)
		}
		if got, want := tree(dir), []string{"embed/mine.txt", "notes.txt"}; !slices.Equal(got, want) || Replacing(dir) {
			t.Errorf("stopped after rename %d, then cleared: %v (replacing %v), want %v", k, got, Replacing(dir), want)
		}
	}
}

// TestEmbedOutputs: the names nnfc embed writes (embedrun.Name) are
// recognized, others are not.
func TestEmbedOutputs(t *testing.T) {
	for name, want := range map[string]bool{"h1-pca.png": true, "code-gplvm.json": true, "rbf-h2-gplvm.csv": true, "input-pca.csv": true,
		"mine.txt": false, "h1-pca.txt": false, "pca.png": false, "h1-tsne.png": false} {
		if IsEmbedOutput(name) != want {
			t.Errorf("IsEmbedOutput(%q) = %v, want %v", name, !want, want)
		}
	}
}
