package rundir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Written lists the files nnfc writes into a run directory, whichever
// command writes them: nnfc train's (config.yaml first, then the
// checkpoint: the two that make a run), nnfc plot's, report's and
// export's, and a sweep trial's log and state. EmbedDir holds nnfc
// embed's.
var Written = []string{Config, Checkpoint, Model, MetricsLog, ResultsLog, Curves, Reconstructions, Weights,
	Report, ONNX, TrainLog, TrialStatus}

// replaced is the directory inside a run directory that Clear moves the
// old run's files into before deleting them; while it exists the run
// directory holds no run (Replacing).
const replaced = ".nnfc-replaced"

// embedOutput matches the files nnfc embed writes (embedrun.Name: LAYER-
// METHOD or KERNEL-LAYER-gplvm, with .csv, .png and .json).
var embedOutput = regexp.MustCompile(`-(pca|gplvm)\.(csv|png|json)$`)

// IsEmbedOutput reports whether name, a file in EmbedDir, is one that
// nnfc embed writes.
func IsEmbedOutput(name string) bool { return embedOutput.MatchString(name) }

// ErrReplacing is wrapped by the errors of readers that find a run
// directory whose old run nnfc train --force was removing when it was
// stopped.
var ErrReplacing = errors.New("its old run was being removed by nnfc train --force, which was stopped part-way; nnfc train in it finishes the removal")

// Replacing reports whether the old run of dir was being removed by Clear
// when the process stopped: dir then holds no run, whatever files of the
// old one are still in place, and the next Clear finishes the removal.
func Replacing(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, replaced))
	return err == nil
}

// CheckNotReplacing returns an error naming dir (wrapping ErrReplacing)
// when Replacing(dir), for a reader that would otherwise show a mix of an
// old run's files.
func CheckNotReplacing(dir string) error {
	if Replacing(dir) {
		return fmt.Errorf("%s holds no run: %w", dir, ErrReplacing)
	}
	return nil
}

// Clear removes everything nnfc wrote into the run directory dir (the
// Written files, their temporary files from killed writes, and nnfc
// embed's files in EmbedDir) and leaves everything else, naming what it
// left in one line on w (nil: say nothing). A directory that does not
// exist is left so.
//
// It is crash-safe: it first creates dir/.nnfc-replaced, which marks the
// directory as holding no run (Replacing: nnfc report, runs, eval, plot
// and --resume refuse it), then renames the files into it, config.yaml
// and the checkpoint first, and only then deletes it. A process killed
// part-way leaves "no run yet": the next Clear (nnfc train calls it in a
// marked directory with or without --force) finishes the removal.
func Clear(dir string, w io.Writer) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil
	}
	trash := filepath.Join(dir, replaced)
	if err := os.Mkdir(trash, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("--force: %v", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("--force: %v", err)
	}
	moved := 0
	move := func(from, to string) error {
		if err := os.Rename(from, to); err != nil {
			return fmt.Errorf("--force: %v", err)
		}
		moved++
		afterRename(dir, moved)
		return nil
	}
	names, err := readNames(dir)
	if err != nil {
		return err
	}
	for _, name := range Written {
		if slices.Contains(names, name) {
			if err := move(filepath.Join(dir, name), filepath.Join(trash, name)); err != nil {
				return err
			}
		}
	}
	for _, name := range names {
		if isTemp(name) {
			if err := move(filepath.Join(dir, name), filepath.Join(trash, name)); err != nil {
				return err
			}
		}
	}
	embedDir := filepath.Join(dir, EmbedDir)
	embeds, err := readNames(embedDir)
	if err != nil {
		return err
	}
	var keptEmbeds []string
	for _, name := range embeds {
		if !IsEmbedOutput(name) && !isTemp(name) {
			keptEmbeds = append(keptEmbeds, filepath.Join(EmbedDir, name))
			continue
		}
		if err := os.MkdirAll(filepath.Join(trash, EmbedDir), 0o755); err != nil {
			return fmt.Errorf("--force: %v", err)
		}
		if err := move(filepath.Join(embedDir, name), filepath.Join(trash, EmbedDir, name)); err != nil {
			return err
		}
	}
	if len(embeds) > 0 && len(keptEmbeds) == 0 {
		if err := os.Remove(embedDir); err != nil {
			return fmt.Errorf("--force: %v", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("--force: %v", err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("--force: %v", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("--force: %v", err)
	}
	if w != nil {
		var kept []string
		for _, name := range names {
			if !slices.Contains(Written, name) && !isTemp(name) && name != replaced && name != EmbedDir {
				kept = append(kept, name)
			}
		}
		if kept = append(kept, keptEmbeds...); len(kept) > 0 {
			fmt.Fprintf(w, "%s: removed the old run's files; left %d not written by nnfc: %s\n", dir, len(kept), strings.Join(kept, ", "))
		}
	}
	return nil
}

// readNames lists the names in dir (none when it does not exist), sorted.
func readNames(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--force: %v", err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names, nil
}

// isTemp reports whether name is the temporary file of a killed atomic
// write (atomicfile: ".NAME.tmp-*") of a file nnfc writes.
func isTemp(name string) bool {
	base, _, ok := strings.Cut(strings.TrimPrefix(name, "."), ".tmp-")
	return ok && strings.HasPrefix(name, ".") && (slices.Contains(Written, base) || IsEmbedOutput(base))
}

// syncDir flushes dir's entries (the renames) to stable storage.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// afterRename is called after Clear's n-th rename: testHold, or a test's
// simulated crash.
var afterRename = testHold

// testHold stops Clear after its n-th rename, for the crash test, when
// NNFC_TEST_HOLD_CLEAR is n and dir holds the FIFO .test-hold: it opens
// the FIFO and reads it until the test's writer closes it (or kills this
// process). Unset, it does nothing.
func testHold(dir string, n int) {
	if k, err := strconv.Atoi(os.Getenv("NNFC_TEST_HOLD_CLEAR")); err != nil || k != n {
		return
	}
	p := filepath.Join(dir, ".test-hold")
	if st, err := os.Stat(p); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return
	}
	if f, err := os.Open(p); err == nil {
		_, _ = io.Copy(io.Discard, f)
		f.Close()
	}
}
