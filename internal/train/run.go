package train

// The run's lifecycle: starting, resuming and refusing a run directory,
// and handing the run to its precision. setup.go builds the run, loop.go
// trains it step by step, epoch.go decides at each epoch's end.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/atomicfile"
)

// Options are the run's outside world.
type Options struct {
	Stdout, Stderr io.Writer
	// Progress is bar | plain | none.
	Progress string
	// Width is the terminal's width in columns, for the bar; nil: 80.
	Width func() int
	// Force lets Start replace a run directory that holds a run.
	Force bool
	// StopAfter, when > 0, interrupts the run after that many optimizer
	// steps in this process, as a signal would (for tests of resume).
	StopAfter int
	// AfterEpoch, when set, is called with each epoch's record once it is
	// in metrics.jsonl (not after the last epoch); true stops the run
	// there as a signal would: checkpoint, InterruptedError. nnfc sweep's
	// early stopping decides through it.
	AfterEpoch func(rundir.Metrics) (stop bool)
}

// Result summarizes a run.
type Result struct {
	Dir        string
	Epochs     int       // epochs finished
	EpochsHere int       // of those, epochs finished in this process
	BestEpoch  int       // 1-based
	BestValAcc float64   // validation accuracy at the best epoch
	Task       task.Task // the model's: what the figures mean and how they print
	BestValMSE float64   // an autoencoder's validation MSE at the best epoch
	// Monitor is train.monitor, Best its value at the best epoch (NaN
	// when unknown).
	Monitor string
	Best    float64
	// BestMetrics are the task's validation metrics at the best epoch
	// (Eval.Metrics; nil when unknown).
	BestMetrics   map[string]float64
	Test          *Eval   // the best model on the test split; nil without one
	Seconds       float64 // training time in this process
	SamplesPerSec float64 // median over this process's epochs
	Reason        string  // why training ended
	// Warnings are problems a finished run had (a diverging loss).
	Warnings     []string
	NoValidation bool // no validation split: the model is the last epoch's
	// Checkpoints is the number of checkpoints written in this process.
	Checkpoints int
}

// ErrInterrupted is matched (errors.Is) by the InterruptedError returned
// when the context was cancelled (Ctrl-C).
var ErrInterrupted = errors.New("interrupted")

// InterruptedError says where a run stopped: after a finished step, with a
// checkpoint written to resume from.
type InterruptedError struct {
	Dir         string
	Epoch, Step int // 1-based epoch; steps finished in it
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted at epoch %d, step %d; checkpoint written. Resume with: nnfc train --resume %s", e.Epoch, e.Step, e.Dir)
}

// Is makes errors.Is(err, ErrInterrupted) true.
func (e *InterruptedError) Is(target error) bool { return target == ErrInterrupted }

// NonFiniteError reports a NaN or infinite loss.
type NonFiniteError struct {
	Epoch, Step int
	Loss, LR    float64
	Dir         string
	// Validation is true when the loss is the validation loss at the end
	// of the epoch (of the weights after step Step, the epoch's last), not
	// the training loss of step Step.
	Validation bool
	// Model is the last good model file, "" when no epoch finished.
	Model string
}

func (e *NonFiniteError) Error() string {
	what, at := "loss", "at"
	if e.Validation {
		what, at = "validation loss", "after"
	}
	kept := "No epoch finished, so no model was saved."
	if e.Model != "" {
		kept = "The last good model is " + e.Model
	}
	return fmt.Sprintf("%s became %v %s epoch %d, step %d (optimizer.lr %g): training stopped; try a lower optimizer.lr. %s",
		what, e.Loss, at, e.Epoch, e.Step, e.LR, kept)
}

// Start begins a new run in c.Train.OutDir. It refuses a directory that
// already holds a run, so nothing good is ever overwritten; with
// o.Force it replaces it, but only once everything the run needs has
// been checked: the config, the data (read, and its targets checked by
// the task) and the network built from them. Bad input leaves the old
// run as it was.
//
// A directory without a checkpoint holds no run yet, whatever else it
// holds: a run killed before its first checkpoint leaves config.yaml and
// perhaps model.safetensors, and starting afresh there is what --resume
// would do too. Temporary files of killed writes are removed.
func Start(ctx context.Context, c config.Config, o Options) (*Result, error) {
	dir := c.Train.OutDir
	replace, err := checkFresh(dir, o.Force)
	if err != nil {
		return nil, err
	}
	if c.Precision == "bfloat16" { // refused before the run directory exists
		if _, err := blasbackend.SetBFloat16(true); err != nil {
			return nil, err
		}
		blasbackend.SetBFloat16(false)
	}
	began, created := false, false
	res, err := dispatch(ctx, c, o, false, func() error {
		// Everything checked: the old run goes, the new one begins.
		began = true
		if replace {
			if err := rundir.Clear(dir, o.Stderr); err != nil {
				return err
			}
		}
		_, statErr := os.Stat(dir)
		created = errors.Is(statErr, os.ErrNotExist)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("train.out_dir: %v", err)
		}
		if err := cleanDir(dir, o.Stderr); err != nil {
			return err
		}
		return writeConfig(c)
	})
	if began && err != nil && !errors.Is(err, ErrInterrupted) {
		removeUnstarted(dir, created)
	}
	return res, err
}

// removeUnstarted undoes what Start wrote for a run that failed before
// it wrote a checkpoint or an epoch's metrics (bad data, a model too big):
// its config.yaml, and the directory when Start created it and it is
// empty, so that no run directory is left holding only a config that
// never ran. A run stopped by Ctrl-C keeps its config.yaml: --resume
// starts it from epoch 1.
func removeUnstarted(dir string, created bool) {
	for _, f := range []string{rundir.Checkpoint, rundir.MetricsLog, rundir.Model} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return
		}
	}
	os.Remove(filepath.Join(dir, rundir.Config))
	if created {
		os.Remove(dir) // only if empty
	}
}

// writeConfig writes the config of a new run into its directory.
func writeConfig(c config.Config) error {
	return atomicfile.Write(filepath.Join(c.Train.OutDir, rundir.Config), 0o644, func(w io.Writer) error {
		_, err := io.WriteString(w, c.YAML())
		return err
	})
}

// Resume continues the run in dir from its checkpoint, with the config it
// was started with.
//
// A directory with the run's config.yaml but no checkpoint yet (the run
// was killed before its first checkpoint) is started afresh from that
// config: resuming from nothing.
func Resume(ctx context.Context, dir string, o Options) (*Result, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--resume %s: no such run directory", dir)
	}
	if err := rundir.CheckNotReplacing(dir); err != nil {
		return nil, fmt.Errorf("--resume %v", err)
	}
	_, errCP := os.Stat(filepath.Join(dir, rundir.Checkpoint))
	_, errCfg := os.Stat(filepath.Join(dir, rundir.Config))
	if errCP != nil && errCfg != nil {
		return nil, fmt.Errorf("--resume %s: no run there (neither %s nor %s); start one with nnfc train --config FILE", dir, rundir.Checkpoint, rundir.Config)
	}
	c, err := config.LoadStored(filepath.Join(dir, rundir.Config))
	if err != nil {
		return nil, err
	}
	c.Train.OutDir = dir
	if err := cleanDir(dir, o.Stderr); err != nil {
		return nil, err
	}
	if errCP != nil {
		if o.Stderr != nil {
			fmt.Fprintf(o.Stderr, "%s has no checkpoint yet (the run stopped before its first epoch ended): starting it from epoch 1 with its %s\n", dir, rundir.Config)
		}
		return dispatch(ctx, c, o, false, func() error { return writeConfig(c) })
	}
	return dispatch(ctx, c, o, true, nil)
}

// checkFresh refuses a directory that holds a run, saying what the run is
// and what to do instead; with force it accepts it, and replace says
// that everything nnfc wrote there is to be removed (rundir.Clear) before
// the new run writes anything. A directory whose removal an earlier
// --force did not finish holds no run: the removal is to be finished,
// with or without force.
func checkFresh(dir string, force bool) (replace bool, err error) {
	if force || rundir.Replacing(dir) {
		return true, nil
	}
	// Only a checkpoint makes a run: without one (a run killed before its
	// first checkpoint) there is nothing to resume, and starting afresh is
	// what --resume would do too.
	held := rundir.Checkpoint
	if _, err := os.Stat(filepath.Join(dir, held)); err != nil {
		return false, nil
	}
	if st, err := peekState(filepath.Join(dir, rundir.Checkpoint)); err == nil && !st.Finished {
		return false, fmt.Errorf("train.out_dir: %s holds an unfinished run (stopped in epoch %d); continue it with nnfc train --resume %s, or start over with --force (deletes it) or another --out",
			dir, st.Epoch+1, dir)
	} else if err == nil {
		return false, fmt.Errorf("train.out_dir: %s holds a finished run (%s); choose another --out, or replace it with --force", dir, st.Reason)
	}
	return false, fmt.Errorf("train.out_dir: %s already holds a run (%s); choose another --out, or replace it with --force", dir, held)
}

// cleanDir removes the temporary files that killed writes left in a run
// directory, saying so on w.
func cleanDir(dir string, w io.Writer) error {
	removed, err := atomicfile.RemoveStale(dir, rundir.Files...)
	if err != nil {
		return err
	}
	if len(removed) > 0 && w != nil {
		fmt.Fprintf(w, "removed %d temporary file(s) of an interrupted write in %s\n", len(removed), dir)
	}
	return nil
}

// dispatch runs the run at c's precision. begin, when not nil, is called
// once the run is set up (data read and checked, network and optimizer
// built) and before it writes anything: Start clears a replaced run
// there and writes the new config.
func dispatch(ctx context.Context, c config.Config, o Options, resume bool, begin func() error) (*Result, error) {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	switch c.Precision {
	case "float64":
		return run[float64](ctx, c, o, resume, begin)
	case "bfloat16":
		// float32 weights and everything else; the large GEMMs take
		// bfloat16 inputs (blasbackend.SetBFloat16).
		kernel, err := blasbackend.SetBFloat16(true)
		if err != nil {
			return nil, err
		}
		defer blasbackend.SetBFloat16(false)
		fmt.Fprintf(o.Stderr, "precision: bfloat16 inputs to the GEMMs of 2^23 multiply-adds and more (oneDNN kernel %s); float32 weights and the rest\n", kernel)
	}
	return run[float32](ctx, c, o, resume, begin)
}
