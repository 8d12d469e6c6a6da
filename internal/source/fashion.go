package source

import (
	"errors"
	"fmt"
	"os"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/pkg/data"
)

// fashionMNIST is Zalando's Fashion-MNIST (Xiao, Rasul and Vollgraf 2017):
// 28×28 gray pictures of clothing in MNIST's IDX layout and sizes (60,000
// training and 10,000 test samples, ten classes), the standard harder
// drop-in for MNIST. make data fetches it from Debian's
// dataset-fashion-mnist into data/fashion-mnist, data.dir's default for
// this source. Its classes are named (fashionNames); the names are stored
// with the model (data.Normalizer.Classes), so nnfc eval, predict and the
// report show them. A --data directory of its files reads as MNIST's.
type fashionMNIST struct{}

// fashionDir is data.dir's default for fashion-mnist: where make data
// puts it.
const fashionDir = "data/fashion-mnist"

// fashionNames are the classes of labels 0..9, as the data set's README
// names them.
var fashionNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

func (fashionMNIST) Name() string { return "fashion-mnist" }

func (fashionMNIST) ReadsKeys() []string { return []string{"data.dir", "data.augment"} }

func (fashionMNIST) Check(c Config, bad Bad) {
	if c.Dir == "" {
		bad("data.dir", "must name the fashion-mnist directory")
	}
}

// Defaults: data.dir is data/fashion-mnist unless set (the default of
// every other source that reads a directory is data/mnist).
func (fashionMNIST) Defaults(c *Config, set map[string]bool) {
	if !set["data.dir"] {
		c.Dir = fashionDir
	}
}

func (fashionMNIST) Read(c Config, _ Options) (*Splits, error) {
	const hint = "make data fetches Fashion-MNIST into " + fashionDir
	if _, err := os.Stat(c.Dir); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("data.dir: the Fashion-MNIST directory %s does not exist; %s", c.Dir, hint)
	}
	train, err := data.LoadMNIST(c.Dir, "train")
	if err != nil {
		return nil, fmt.Errorf("%v (%s)", err, hint)
	}
	test, err := data.LoadMNIST(c.Dir, "test")
	if err != nil {
		return nil, fmt.Errorf("%v (%s)", err, hint)
	}
	train.Name, test.Name = "fashion-mnist/train", "fashion-mnist/test"
	return &Splits{Train: train, Test: test}, nil
}

// ImageShape: 28×28 gray pictures.
func (fashionMNIST) ImageShape(Config) (int, int, int) { return 28, 28, 1 }

func (fashionMNIST) Known(Config) (int, int) { return 28 * 28, 10 }

func (fashionMNIST) DescribeClasses(_ Config, n int) string { return english.Count(n, "class") }

func (fashionMNIST) ClassNames(Config, int) []string { return fashionNames }
