package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/data"
)

// dataArgs are the flags that name the data eval reads.
type dataArgs struct {
	data        string // a file or a directory
	configPath  string // or the data section of a config
	split       string // train | val | test
	labelColumn int
	classes     int // the model's: labels must be below it (0: inferred)
	// fitted is the model's stored preprocessing (data.Normalizer.Source)
	fitted json.RawMessage
	notes  io.Writer // where a fitted reader's notes go
	// float64: the model computes in float64, so a fitted reader keeps
	// the inputs in float64 too.
	float64 bool
}

// fittedOf is the data source's preprocessing a model's normalizer
// carries (nil: none).
func fittedOf(norm *data.Normalizer) json.RawMessage {
	if norm == nil {
		return nil
	}
	return norm.Source
}

// load reads the raw (unnormalized) data the flags name.
// fromRun fills in what --run RUN_DIR implies where the flags left it
// empty: the run's best model as *modelPath, and the run's config.yaml as
// the data source unless --data or --config named one.
func (a *dataArgs) fromRun(run string, modelPath *string) {
	if *modelPath == "" {
		*modelPath = filepath.Join(run, rundir.Model)
	}
	if a.data == "" && a.configPath == "" {
		a.configPath = filepath.Join(run, rundir.Config)
	}
}

func (a dataArgs) load() (*data.Dataset, error) {
	if a.data != "" {
		return readDataPath(a.data, a.split, a.labelColumn, a.classes, a.fitted, a.float64, a.notes)
	}
	c, err := config.LoadStored(a.configPath)
	if err != nil {
		return nil, err
	}
	s, err := train.RawSplitsFitted(c, a.fitted)
	if err != nil {
		return nil, err
	}
	switch a.split {
	case "train":
		return s.Train, nil
	case "val":
		if s.Val.N == 0 {
			return nil, fmt.Errorf("%s: the run has no validation split (data.val_count and data.val_fraction are 0); use --split train or test", a.configPath)
		}
		return s.Val, nil
	case "test":
		if s.Test == nil {
			return nil, fmt.Errorf("%s: the data has no test split (data.test is not set); use --split val", a.configPath)
		}
		return s.Test, nil
	}
	return nil, usageError{fmt.Errorf("--split: must be train, val or test, got %q", a.split)}
}

// readDataPath reads a data file or directory through the data source
// that claims it (source.ReadPath).
func readDataPath(path, split string, labelColumn, classes int, fitted json.RawMessage, f64 bool, notes io.Writer) (*data.Dataset, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() && split != "train" && split != "test" {
		return nil, usageError{fmt.Errorf("--split: a data directory has train and test splits, got %q", split)}
	}
	return source.ReadPath(path, source.PathOptions{Split: split, LabelColumn: labelColumn, Classes: classes, Fitted: fitted, Float64: f64, Notes: notes})
}

// bindFlags defines the flags that name the data: --data, --config,
// --split (what to verb) and --label-column.
func (a *dataArgs) bindFlags(f *pflag.FlagSet, verb string) {
	f.StringVar(&a.data, "data", "", "data: MNIST/CIFAR-10 directory, .csv or .npz file")
	f.StringVar(&a.configPath, "config", "", "take the data from this config's data section")
	f.StringVar(&a.split, "split", "test", "split to "+verb+": train, val (with --run/--config) or test")
	f.IntVar(&a.labelColumn, "label-column", 0, "CSV label column (0-based; -1: last)")
}

// check rejects flag values that are wrong whatever the data: an unknown
// --split, a --label-column below -1.
func (a *dataArgs) check() error {
	switch a.split {
	case "train", "val", "test":
	default:
		return usageError{fmt.Errorf("--split: must be train, val or test, got %q", a.split)}
	}
	if a.labelColumn < -1 {
		return usageError{fmt.Errorf("--label-column: must be ≥ -1 (-1: the last column), got %d", a.labelColumn)}
	}
	return nil
}
