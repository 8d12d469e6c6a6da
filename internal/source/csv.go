package source

import (
	"os"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/pkg/data"
)

// csvSource is a numeric CSV file: features and one integer label column
// (data.label_column), data.train and optionally data.test. As a predict
// input it reads any file no other source claims, features only.
type csvSource struct{}

func (csvSource) Name() string { return "csv" }

func (csvSource) ReadsKeys() []string {
	return []string{"data.train", "data.test", "data.label_column", "data.header", "data.classes"}
}

func (csvSource) Check(c Config, bad Bad) { checkFiles(c, bad) }

// checkFiles checks the keys of the file sources (csv, npz, npy).
func checkFiles(c Config, bad Bad) {
	if c.Train == "" {
		bad("data.train", "must name the %s training file", c.Source)
	}
}

func (csvSource) Read(c Config, o Options) (*Splits, error) {
	opt := data.CSVOptions{LabelColumn: c.LabelColumn, Header: c.Header, Classes: c.Classes, Float64: o.Float64}
	train, err := data.ReadCSV(c.Train, opt)
	if err != nil {
		return nil, err
	}
	var test *data.Dataset
	if c.Test != "" {
		opt.Classes = train.Classes // the test labels must fall in the training classes
		if test, err = data.ReadCSV(c.Test, opt); err != nil {
			return nil, err
		}
	}
	return &Splits{Train: train, Test: test}, nil
}

func (csvSource) Known(c Config) (int, int) { return 1, max(2, c.Classes) }

func (csvSource) DescribeClasses(c Config, n int) string { return declaredOrInferred(c, n) }

// declaredOrInferred is DescribeClasses for data whose classes are
// declared by data.classes or inferred from the labels.
func declaredOrInferred(c Config, n int) string {
	if c.Classes > 0 {
		return english.Count(n, "class") + " (data.classes)"
	}
	return english.Count(n, "class") + " (inferred from the labels; set data.classes to declare more)"
}

func (csvSource) ClassNames(Config, int) []string { return nil }

func (csvSource) ClaimsPath(path string, dir bool) bool { return !dir && hasSuffixFold(path, ".csv") }

func (csvSource) ReadPath(path string, o PathOptions) (*data.Dataset, error) {
	return data.ReadCSV(path, data.CSVOptions{LabelColumn: o.LabelColumn, Classes: o.Classes})
}

func (csvSource) PathHint() (string, bool) { return ".csv", false }

// ClaimsInput: anything (the CSV reader says what is wrong with a file
// that is not CSV). Sources with a magic number come before csv in All.
func (csvSource) ClaimsInput([]byte) bool { return true }

func (csvSource) ReadInput(path string, _ InputOptions) (*data.Dataset, error) {
	return data.ReadCSV(path, data.CSVOptions{LabelColumn: data.NoLabel})
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
