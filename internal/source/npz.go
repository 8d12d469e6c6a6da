package source

import "github.com/nnfc/nnfc/pkg/data"

// npz is a NumPy .npz archive with the features and labels as members
// (data.x_key, data.y_key), data.train and optionally data.test.
type npz struct{}

func (npz) Name() string { return "npz" }

func (npz) ReadsKeys() []string {
	return []string{"data.train", "data.test", "data.x_key", "data.y_key", "data.classes"}
}

func (npz) Check(c Config, bad Bad) { checkFiles(c, bad) }

func (npz) Read(c Config, _ Options) (*Splits, error) {
	opt := data.NPYOptions{XKey: c.XKey, YKey: c.YKey, Classes: c.Classes}
	train, err := data.ReadNPZ(c.Train, opt)
	if err != nil {
		return nil, err
	}
	var test *data.Dataset
	if c.Test != "" {
		opt.Classes = train.Classes
		if test, err = data.ReadNPZ(c.Test, opt); err != nil {
			return nil, err
		}
	}
	return &Splits{Train: train, Test: test}, nil
}

func (npz) Known(c Config) (int, int) { return 1, max(2, c.Classes) }

func (npz) DescribeClasses(c Config, n int) string { return declaredOrInferred(c, n) }

func (npz) ClassNames(Config, int) []string { return nil }

func (npz) ClaimsPath(path string, dir bool) bool { return !dir && hasSuffixFold(path, ".npz") }

func (npz) ReadPath(path string, o PathOptions) (*data.Dataset, error) {
	return data.ReadNPZ(path, data.NPYOptions{Classes: o.Classes})
}

func (npz) PathHint() (string, bool) { return ".npz", false }
