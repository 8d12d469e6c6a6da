package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/rundir"
)

// modelArgs are the flags that name a model and how to run it, shared by
// the commands that run one (eval, predict).
type modelArgs struct {
	Path      string // --model
	Batch     int
	Precision string // "": the file's
}

func (a *modelArgs) bindFlags(f *pflag.FlagSet, batchHelp string) {
	f.StringVar(&a.Path, "model", "", "model file (.safetensors)")
	f.IntVar(&a.Batch, "batch", 1000, batchHelp)
	f.StringVar(&a.Precision, "precision", "", "compute in float32, float64 or bfloat16 (float32 with bf16 GEMM inputs; default: the precision the model was saved in)")
}

// check rejects flag values that are wrong whatever the model.
func (a *modelArgs) check() error {
	if a.Batch <= 0 {
		return usageError{fmt.Errorf("--batch: must be > 0, got %d", a.Batch)}
	}
	if err := infer.CheckPrecision(a.Precision); err != nil {
		return usageError{fmt.Errorf("--precision: %v", err)}
	}
	return nil
}

// openModel opens the model a command was given: --model FILE, or the
// model.safetensors of --run RUN_DIR (run is "" without --run). A missing
// file is blamed on what the user typed: the run directory when --run
// named the model, else --model.
func openModel(path, run, precision string) (*infer.Model, error) {
	if run != "" {
		if err := rundir.CheckNotReplacing(run); err != nil {
			return nil, fmt.Errorf("--run %v", err)
		}
	}
	m, err := infer.Open(path, precision)
	var pe *infer.PrecisionError
	switch {
	case err == nil:
		return m, nil
	case errors.Is(err, os.ErrNotExist) && run != "" && path == filepath.Join(run, rundir.Model):
		if st, serr := os.Stat(run); serr != nil || !st.IsDir() {
			return nil, fmt.Errorf("--run %s: no such run directory", run)
		}
		return nil, fmt.Errorf("--run %s: no model.safetensors in it (not a run directory, or no epoch finished yet)", run)
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("--model %s: no such file", path)
	case errors.As(err, &pe):
		return nil, fmt.Errorf("--precision: %w", err)
	}
	return nil, err
}
