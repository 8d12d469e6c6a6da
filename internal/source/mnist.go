package source

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/pkg/data"
)

// mnist is MNIST (and Fashion-MNIST, which has its layout): the IDX files
// {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] in data.dir. As a
// predict input it reads IDX image files and PNG/JPEG pictures.
type mnist struct{}

func (mnist) Name() string { return "mnist" }

func (mnist) ReadsKeys() []string { return []string{"data.dir", "data.augment"} }

func (mnist) Check(c Config, bad Bad) {
	if c.Dir == "" {
		bad("data.dir", "must name the mnist directory")
	}
}

func (mnist) Read(c Config, _ Options) (*Splits, error) {
	if _, err := os.Stat(c.Dir); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("data.dir: the MNIST directory %s does not exist; make data fetches MNIST into data/mnist", c.Dir)
	}
	train, err := data.LoadMNIST(c.Dir, "train")
	if err != nil {
		return nil, fmt.Errorf("%v (make data fetches MNIST into data/mnist)", err)
	}
	test, err := data.LoadMNIST(c.Dir, "test")
	if err != nil {
		return nil, err
	}
	return &Splits{Train: train, Test: test}, nil
}

// ImageShape: 28×28 gray pictures.
func (mnist) ImageShape(Config) (int, int, int) { return 28, 28, 1 }

func (mnist) Known(Config) (int, int) { return 28 * 28, 10 }

func (mnist) DescribeClasses(_ Config, n int) string { return english.Count(n, "class") }

func (mnist) ClassNames(Config, int) []string { return nil }

// ClaimsPath: a directory holding IDX files (names with "-ubyte").
func (mnist) ClaimsPath(path string, dir bool) bool {
	if !dir {
		return false
	}
	m, _ := filepath.Glob(filepath.Join(path, "*-ubyte*"))
	return len(m) > 0
}

func (mnist) ReadPath(path string, o PathOptions) (*data.Dataset, error) {
	return data.LoadMNIST(path, o.Split)
}

func (mnist) PathHint() (string, bool) { return "MNIST", true }

// ClaimsInput: PNG, JPEG, IDX images (magic 0x00000803) or gzip (a
// gzipped IDX file).
func (mnist) ClaimsInput(head []byte) bool {
	return isImage(head) || bytes.HasPrefix(head, []byte{0, 0, 8, 3}) || bytes.HasPrefix(head, []byte{0x1f, 0x8b})
}

// IsImage reports whether the file at path is a PNG or JPEG picture (one
// sample to predict on), by its first bytes.
func IsImage(path string) bool { return isImage(readHead(path)) }

func isImage(head []byte) bool {
	return bytes.HasPrefix(head, []byte("\x89PNG")) || bytes.HasPrefix(head, []byte{0xff, 0xd8})
}

// ReadInput reads an IDX image file, or one picture as one sample of
// o.Dim features (a square image).
func (mnist) ReadInput(path string, o InputOptions) (*data.Dataset, error) {
	if !isImage(readHead(path)) {
		return data.ReadIDXImages(path)
	}
	side := int(math.Round(math.Sqrt(float64(o.Dim))))
	if side*side != o.Dim {
		return nil, fmt.Errorf("--input %s: an image, but the model's input of %d features is not a square image", path, o.Dim)
	}
	x, err := data.ReadImage(path, side, o.Invert)
	if err != nil {
		return nil, err
	}
	return &data.Dataset{Name: path, X: x, N: 1, D: o.Dim}, nil
}

// readHead returns the first HeadSize bytes of path (fewer on error).
func readHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, HeadSize)
	n, _ := f.Read(head)
	return head[:n]
}

// hasSuffixFold reports whether s ends in suffix, ignoring case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
