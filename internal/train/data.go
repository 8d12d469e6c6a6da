package train

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/limits"
	"github.com/nnfc/nnfc/pkg/data"
)

// Random streams: each use of randomness has its own seeded generator.
const (
	streamInit    = 1
	streamSplit   = 2
	streamSpiral  = 3
	streamShuffle = 1 << 32 // + epoch
	streamSubset  = 2 << 32 // + epoch
)

// Splits are the prepared data of a run.
type Splits struct {
	Train, Val, Test *data.Dataset // Test may be nil
	Norm             *data.Normalizer
}

// LoadData reads the data a config names, carves the validation split
// from the training data, fits the normalizer on the training split only
// and applies it to all splits.
//
// A given norm (from the model a run fine-tunes, or from the checkpoint
// it resumes) is applied instead of fitting a new one: the weights were
// trained on inputs normalized that way.
func LoadData(c config.Config, norm *data.Normalizer) (*Splits, error) {
	s, err := RawSplits(c)
	if err != nil {
		return nil, err
	}
	tr, val, test := s.Train, s.Val, s.Test
	if norm == nil {
		if norm, err = data.FitNormalizer(c.Data.Normalize, tr); err != nil {
			return nil, fmt.Errorf("data.normalize: %v", err)
		}
	}
	for _, d := range []*data.Dataset{tr, val, test} {
		if d != nil {
			if err := norm.Apply(d); err != nil {
				return nil, err
			}
		}
	}
	return &Splits{Train: tr, Val: val, Test: test, Norm: norm}, nil
}

// RawSplits reads the data of a config and carves the validation split,
// without normalizing: the same split every time for the same seed.
func RawSplits(c config.Config) (*Splits, error) {
	train, test, err := read(c.Data, c.Seed, c.Precision == "float64")
	if err != nil {
		return nil, err
	}
	frac := c.Data.ValFraction
	if c.Data.ValCount > 0 {
		frac = 0 // a count wins over the default fraction
	}
	nval, err := data.ValCount(train.N, c.Data.ValCount, frac)
	if err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	tr, val := train.SplitInPlace(nval, rand.New(rand.NewPCG(c.Seed, streamSplit)))
	return &Splits{Train: tr, Val: val, Test: test}, nil
}

// Read reads the raw training and (optional) test data of a data config.
func Read(d config.Data, seed uint64) (train, test *data.Dataset, err error) {
	return read(d, seed, false)
}

// read is Read; with f64, text data (CSV) keeps its float64 values too
// (Dataset.X64), for a float64 run.
func read(d config.Data, seed uint64, f64 bool) (train, test *data.Dataset, err error) {
	switch d.Source {
	case "mnist":
		if _, err := os.Stat(d.Dir); errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("data.dir: the MNIST directory %s does not exist; make data fetches MNIST into data/mnist", d.Dir)
		}
		if train, err = data.LoadMNIST(d.Dir, "train"); err != nil {
			return nil, nil, fmt.Errorf("%v (make data fetches MNIST into data/mnist)", err)
		}
		test, err = data.LoadMNIST(d.Dir, "test")
	case "cifar10":
		var batches []string
		for i := 1; i <= 5; i++ {
			batches = append(batches, filepath.Join(d.Dir, fmt.Sprintf("data_batch_%d.bin", i)))
		}
		if train, err = data.ReadCIFAR10(batches...); err != nil {
			return nil, nil, err
		}
		test, err = data.ReadCIFAR10(filepath.Join(d.Dir, "test_batch.bin"))
	case "csv":
		opt := data.CSVOptions{LabelColumn: d.LabelColumn, Header: d.Header, Classes: d.Classes, Float64: f64}
		if train, err = data.ReadCSV(d.Train, opt); err != nil {
			return nil, nil, err
		}
		if d.Test != "" {
			opt.Classes = train.Classes // the test labels must fall in the training classes
			test, err = data.ReadCSV(d.Test, opt)
		}
	case "npz":
		opt := data.NPYOptions{XKey: d.XKey, YKey: d.YKey, Classes: d.Classes}
		if train, err = data.ReadNPZ(d.Train, opt); err != nil {
			return nil, nil, err
		}
		if d.Test != "" {
			opt.Classes = train.Classes
			test, err = data.ReadNPZ(d.Test, opt)
		}
	case "npy":
		if train, err = data.ReadNPY(d.Train, d.TrainLabels, d.Classes); err != nil {
			return nil, nil, err
		}
		if d.Test != "" {
			test, err = data.ReadNPY(d.Test, d.TestLabels, train.Classes)
		}
	case "spiral":
		s := d.Spiral
		// x (2 float32) and y (int32) per point, the test half included.
		if err := limits.Check(fmt.Sprintf("data.spiral: %d points per class × %d classes", s.PerClass, s.Classes), 1.5*limits.Mul(s.PerClass, s.Classes, 12)); err != nil {
			return nil, nil, err
		}
		train = data.Spiral(s.PerClass, s.Classes, s.Noise, seed)
		test = data.Spiral(s.PerClass/2, s.Classes, s.Noise, seed+streamSpiral)
	default:
		return nil, nil, fmt.Errorf("data.source: unknown %q", d.Source)
	}
	if err != nil {
		return nil, nil, err
	}
	if test != nil && (test.D != train.D) {
		return nil, nil, fmt.Errorf("%s: %d features, but the training data %s has %d", test.Name, test.D, train.Name, train.D)
	}
	if test != nil && test.Classes > train.Classes {
		return nil, nil, fmt.Errorf("%s: labels up to %d, but the training data %s has %d classes", test.Name, test.Classes-1, train.Name, train.Classes)
	}
	return train, test, nil
}

// minInputDim is the input width a data source is known to have before
// it is read: MNIST's 784, CIFAR-10's 3072, the spiral's 2, else 1.
func minInputDim(d config.Data) int {
	switch d.Source {
	case "mnist":
		return 28 * 28
	case "cifar10":
		return 3 * 32 * 32
	case "spiral":
		return 2
	}
	return 1
}

// minClasses is the number of classes a data source is known to have
// before it is read (at least 2).
func minClasses(d config.Data) int {
	switch d.Source {
	case "mnist", "cifar10":
		return 10
	case "spiral":
		return max(2, d.Spiral.Classes)
	}
	return max(2, d.Classes)
}
