package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/rundir"
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
		return readDataPath(a.data, a.split, a.labelColumn, a.classes)
	}
	c, err := config.LoadStored(a.configPath)
	if err != nil {
		return nil, err
	}
	s, err := train.RawSplits(c)
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

// readDataPath reads a data file by its extension, or an MNIST or
// CIFAR-10 directory by its contents.
func readDataPath(path, split string, labelColumn, classes int) (*data.Dataset, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--data %s: %v", path, err)
	}
	if st.IsDir() {
		if split != "train" && split != "test" {
			return nil, usageError{fmt.Errorf("--split: a data directory has train and test splits, got %q", split)}
		}
		if exists(filepath.Join(path, "test_batch.bin")) {
			if split == "test" {
				return data.ReadCIFAR10(filepath.Join(path, "test_batch.bin"))
			}
			var files []string
			for i := 1; i <= 5; i++ {
				files = append(files, filepath.Join(path, fmt.Sprintf("data_batch_%d.bin", i)))
			}
			return data.ReadCIFAR10(files...)
		}
		return data.LoadMNIST(path, split)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return data.ReadCSV(path, data.CSVOptions{LabelColumn: labelColumn, Classes: classes})
	case ".npz":
		return data.ReadNPZ(path, data.NPYOptions{Classes: classes})
	}
	return nil, fmt.Errorf("--data %s: expected a .csv or .npz file, or an MNIST or CIFAR-10 directory", path)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
