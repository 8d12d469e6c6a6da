package train

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/task"
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

// The minibatch gather (data.Gather) copies its rows on the BLAS
// backend's threads when the backend can (the oneDNN backend's OpenMP
// team); pkg/data imports no backend, so it is injected here, once, for
// every program that trains or evaluates.
func init() { data.CopyRows = blasbackend.CopyRows32 }

// Splits are the prepared data of a run.
type Splits struct {
	Train, Val, Test *data.Dataset // Test may be nil
	Norm             *data.Normalizer
	// Fitted is the data source's fitted preprocessing, encoded
	// (source.EncodeFitted); LoadData stores it in Norm.Source.
	Fitted json.RawMessage
	// Notes are the source's lines about the data (source.Splits.Notes),
	// printed before training.
	Notes []string
}

// LoadData reads the data a config names, carves the validation split
// from the training data, fits the normalizer on the training split only
// and applies it to all splits.
//
// A given norm (from the model a run fine-tunes, or from the checkpoint
// it resumes) is applied instead of fitting a new one: the weights were
// trained on inputs normalized that way.
func LoadData(c config.Config, norm *data.Normalizer) (*Splits, error) {
	var fitted json.RawMessage
	if norm != nil {
		fitted = norm.Source
	}
	s, err := rawSplits(c, fitted)
	if err != nil {
		return nil, err
	}
	tr, val, test := s.Train, s.Val, s.Test
	if norm == nil {
		if norm, err = data.FitNormalizer(c.Data.Normalize, tr); err != nil {
			return nil, fmt.Errorf("data.normalize: %v", err)
		}
		norm.Source = s.Fitted
		norm.Classes = source.KnownClassNames(c.Data, max(tr.Classes, c.Data.Classes))
	}
	for _, d := range []*data.Dataset{tr, val, test} {
		if d != nil {
			if err := norm.Apply(d); err != nil {
				return nil, err
			}
		}
	}
	return &Splits{Train: tr, Val: val, Test: test, Norm: norm, Notes: s.Notes}, nil
}

// RawSplits reads the data of a config and carves the validation split,
// without normalizing: the same split every time for the same seed.
func RawSplits(c config.Config) (*Splits, error) {
	return rawSplits(c, nil)
}

// rawSplits is RawSplits, reading with the stored preprocessing fitted
// when given.
func rawSplits(c config.Config, fitted json.RawMessage) (*Splits, error) {
	raw, err := source.Read(c.Data, source.Options{Seed: c.Seed, Float64: c.Precision == "float64", Fitted: fitted, Target: targetKind(c)})
	if err != nil {
		return nil, err
	}
	train, test := raw.Train, raw.Test
	if f := c.Data.CV.Spec(); f.K > 0 && raw.Val == nil {
		// k-fold cross-validation: the fold is the validation split
		// (a source that carves its own, the table, carved the fold).
		vi, ti, err := f.Rows(train.N, train.Y, train.Classes, rand.New(rand.NewPCG(c.Seed, streamSplit)))
		if err != nil {
			return nil, err
		}
		tr, val := train.PartitionInPlace(vi, ti)
		return &Splits{Train: tr, Val: val, Test: test, Fitted: raw.Fitted, Notes: raw.Notes}, nil
	}
	if raw.Val != nil { // the source carved its own
		return &Splits{Train: train, Val: raw.Val, Test: test, Fitted: raw.Fitted, Notes: raw.Notes}, nil
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
	return &Splits{Train: tr, Val: val, Test: test, Fitted: raw.Fitted}, nil
}

// Read reads the raw training and (optional) test data of a data config.
func Read(d config.Data, seed uint64) (train, test *data.Dataset, err error) {
	s, err := source.Read(d, source.Options{Seed: seed})
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

// DescribeData is what reading c's data will decide, when its source can
// say before training (a table's inferred schema); nil otherwise.
func DescribeData(c config.Config) ([]string, error) {
	return source.Describe(c.Data, source.Options{Seed: c.Seed, Float64: c.Precision == "float64", Target: targetKind(c)})
}

// targetKind is the kind of target c's task reads (data.TargetClass or
// data.TargetNumber).
func targetKind(c config.Config) string {
	t, err := task.Lookup(c.Model.Kind)
	if err != nil {
		return data.TargetClass
	}
	return t.Target()
}

// RawSplitsFitted is RawSplits reading with a model's stored
// preprocessing (data.Normalizer.Source), as eval does: a table is then
// encoded with the schema the model was trained with, not a new fit.
func RawSplitsFitted(c config.Config, fitted json.RawMessage) (*Splits, error) {
	return rawSplits(c, fitted)
}
