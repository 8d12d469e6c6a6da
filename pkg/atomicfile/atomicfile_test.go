package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBytes returns a callback that writes b.
func writeBytes(b []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}
}

// assertOnlyFile fails unless dir holds exactly the file name: no
// temporary files were left behind.
func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Errorf("directory holds %q, want only %q", names, name)
	}
}

func TestWriteNewAndReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	for _, want := range [][]byte{[]byte("first contents"), []byte("second, longer contents")} {
		if err := Write(path, 0o640, writeBytes(want)); err != nil {
			t.Fatalf("Write: %v", err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("contents = %q, want %q", got, want)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("perm = %v, want %v", fi.Mode().Perm(), os.FileMode(0o640))
	}
	assertOnlyFile(t, dir, "f.bin")
}

func TestWriteRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := Write("rel.bin", 0o644, writeBytes([]byte("x"))); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got, err := os.ReadFile("rel.bin"); err != nil || string(got) != "x" {
		t.Errorf("ReadFile = %q, %v; want \"x\", nil", got, err)
	}
}

func TestWriteCallbackErrorKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	old := []byte("old contents that must survive")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	errBoom := errors.New("boom")
	err := Write(path, 0o644, func(w io.Writer) error {
		// A partial write first, so a non-atomic implementation would
		// have clobbered the old contents.
		w.Write(bytes.Repeat([]byte("new"), 100_000))
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Write error = %v, want it to wrap %v", err, errBoom)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	got, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if !bytes.Equal(got, old) {
		t.Errorf("old file changed: got %d bytes %.20q, want %q", len(got), got, old)
	}
	assertOnlyFile(t, dir, "f.bin")
}

func TestWritePanicRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	old := []byte("old")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in callback was swallowed")
			}
		}()
		Write(path, 0o644, func(w io.Writer) error { panic("callback panic") })
	}()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Errorf("old file changed to %q", got)
	}
	assertOnlyFile(t, dir, "f.bin")
}

func TestWriteMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "f.bin")
	called := false
	err := Write(path, 0o644, func(io.Writer) error { called = true; return nil })
	if err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
	if called {
		t.Error("callback ran although the temporary file could not be created")
	}
	msg := err.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, "does not exist") {
		t.Errorf("error %q should name %s and say the directory does not exist", msg, path)
	}
}

func TestWriteOverDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "sub")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, 0o644, writeBytes([]byte("x"))); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	assertOnlyFile(t, dir, "sub")
}

// TestRemoveStale removes the leftovers of killed writes of the named
// files and nothing else.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{".model.safetensors.tmp-123", ".model.safetensors.tmp-9", ".metrics.jsonl.tmp-1", "model.safetensors", ".other.tmp-1", "keep.tmp-1"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStale(dir, "model.safetensors", "metrics.jsonl", "checkpoint.safetensors")
	if err != nil || len(removed) != 3 {
		t.Fatalf("removed %v, %v; want the 3 temporary files", removed, err)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != ".other.tmp-1 keep.tmp-1 model.safetensors" {
		t.Errorf("left %v", names)
	}
}
