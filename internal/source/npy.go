package source

import "github.com/nnfc/nnfc/pkg/data"

// npy is a pair of NumPy .npy files: features (data.train, data.test) and
// labels (data.train_labels, data.test_labels).
type npy struct{}

func (npy) Name() string { return "npy" }

func (npy) ReadsKeys() []string {
	return []string{"data.train", "data.train_labels", "data.test", "data.test_labels", "data.classes"}
}

func (npy) Check(c Config, bad Bad) {
	checkFiles(c, bad)
	if c.TrainLabels == "" {
		bad("data.train_labels", "must name the .npy labels of data.train")
	}
	if c.Test != "" && c.TestLabels == "" {
		bad("data.test_labels", "must name the .npy labels of data.test")
	}
}

func (npy) Read(c Config, _ Options) (*Splits, error) {
	train, err := data.ReadNPY(c.Train, c.TrainLabels, c.Classes)
	if err != nil {
		return nil, err
	}
	var test *data.Dataset
	if c.Test != "" {
		if test, err = data.ReadNPY(c.Test, c.TestLabels, train.Classes); err != nil {
			return nil, err
		}
	}
	return &Splits{Train: train, Test: test}, nil
}

func (npy) Known(c Config) (int, int) { return 1, max(2, c.Classes) }

func (npy) DescribeClasses(c Config, n int) string { return declaredOrInferred(c, n) }

func (npy) ClassNames(Config, int) []string { return nil }
