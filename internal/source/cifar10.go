package source

import (
	"fmt"
	"path/filepath"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/pkg/data"
)

// cifar10 is CIFAR-10's binary version: data_batch_1..5.bin and
// test_batch.bin in data.dir.
type cifar10 struct{}

func (cifar10) Name() string { return "cifar10" }

func (cifar10) ReadsKeys() []string { return []string{"data.dir", "data.augment"} }

func (cifar10) Check(c Config, bad Bad) {
	if c.Dir == "" {
		bad("data.dir", "must name the cifar10 directory")
	}
}

func (cifar10) Read(c Config, _ Options) (*Splits, error) {
	train, err := data.ReadCIFAR10(cifarTrain(c.Dir)...)
	if err != nil {
		return nil, err
	}
	test, err := data.ReadCIFAR10(filepath.Join(c.Dir, "test_batch.bin"))
	if err != nil {
		return nil, err
	}
	return &Splits{Train: train, Test: test}, nil
}

func cifarTrain(dir string) []string {
	var batches []string
	for i := 1; i <= 5; i++ {
		batches = append(batches, filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", i)))
	}
	return batches
}

// ImageShape: 32×32 RGB pictures.
func (cifar10) ImageShape(Config) (int, int, int) { return 32, 32, 3 }

func (cifar10) Known(Config) (int, int) { return 3 * 32 * 32, 10 }

func (cifar10) DescribeClasses(_ Config, n int) string { return english.Count(n, "class") }

var cifarNames = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

func (cifar10) ClassNames(Config, int) []string { return cifarNames }

// ClaimsPath: a directory with test_batch.bin.
func (cifar10) ClaimsPath(path string, dir bool) bool {
	return dir && exists(filepath.Join(path, "test_batch.bin"))
}

func (cifar10) ReadPath(path string, o PathOptions) (*data.Dataset, error) {
	if o.Split == "test" {
		return data.ReadCIFAR10(filepath.Join(path, "test_batch.bin"))
	}
	return data.ReadCIFAR10(cifarTrain(path)...)
}

func (cifar10) PathHint() (string, bool) { return "CIFAR-10", true }
