package train

import (
	"fmt"
	"math/rand/v2"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/pkg/data"
)

// Random streams: each use of randomness has its own seeded generator.
const (
	streamInit  = 1
	streamSplit = 2
	// 3 is the spiral's test set (internal/source)
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

// read is Read through the data source table; with f64, text data (CSV)
// keeps its float64 values too (Dataset.X64), for a float64 run.
func read(d config.Data, seed uint64, f64 bool) (train, test *data.Dataset, err error) {
	s, err := source.Read(d, source.Options{Seed: seed, Float64: f64})
	if err != nil {
		return nil, nil, err
	}
	return s.Train, s.Test, nil
}

// knownData is a stand-in for the data of d before it is read: the input
// width and classes its source is known to have.
func knownData(d config.Data) *data.Dataset {
	dim, classes := source.Known(d)
	return &data.Dataset{D: dim, Classes: classes}
}
