package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// bufSize is the write buffer between the callback and the temporary file,
// so callbacks that write many small pieces do not issue a syscall each.
const bufSize = 64 << 10

// Write atomically replaces the file at path with the bytes that write
// produces, and gives it permissions perm. See the package documentation for
// the guarantees. Every error names path.
func Write(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("atomicfile: write %q: path names a directory, not a file", path)
	}

	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("atomicfile: write %s: directory %s does not exist", path, dir)
		}
		return fmt.Errorf("atomicfile: write %s: create temporary file: %w", path, err)
	}
	tmp := f.Name()

	// Until the rename succeeds, every exit (error return or panic) removes
	// the temporary file. Close is idempotent enough: a second Close only
	// returns an error, which we ignore here.
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()

	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, bufSize)
	if err := write(bw); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	testDelay()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: write %s: fsync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: write %s: close: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	renamed = true

	if err := syncDir(dir); err != nil {
		return fmt.Errorf("atomicfile: write %s: new contents in place, but fsync of directory failed: %w", path, err)
	}
	return nil
}

// syncDir flushes the directory entry changes (our rename) to stable storage.
// Windows cannot fsync a directory and does not need to.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// RemoveStale removes the temporary files that Write leaves behind when
// the process is killed before its rename (".NAME.tmp-*" in dir, for each
// NAME in names) and returns their paths. Call it only when no other
// process is writing those files.
func RemoveStale(dir string, names ...string) ([]string, error) {
	var removed []string
	for _, name := range names {
		matches, err := filepath.Glob(filepath.Join(dir, "."+name+".tmp-*"))
		if err != nil {
			return removed, err
		}
		for _, m := range matches {
			if err := os.Remove(m); err != nil && !os.IsNotExist(err) {
				return removed, fmt.Errorf("atomicfile: remove stale %s: %w", m, err)
			}
			removed = append(removed, m)
		}
	}
	return removed, nil
}

// testDelay sleeps for NNFC_TEST_WRITE_DELAY (a Go duration) between
// writing a temporary file and renaming it, so that a crash test can kill
// a process inside a write reliably. Unset, it does nothing.
func testDelay() {
	if d, err := time.ParseDuration(os.Getenv("NNFC_TEST_WRITE_DELAY")); err == nil && d > 0 {
		time.Sleep(d)
	}
}
