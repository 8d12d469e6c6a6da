package infer

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/nnfc/nnfc/pkg/data"
)

// ReadInput reads one file of samples to predict on, recognized by its
// leading bytes: a PNG or JPEG image (one sample of dim features: gray,
// resized to the model's square input; invert maps v to 255−v), an IDX
// image file (plain or gzipped), else CSV of features only. A missing
// file's error wraps os.ErrNotExist.
func ReadInput(path string, dim int, invert bool) (*data.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte{0xff, 0xd8}):
		side := int(math.Round(math.Sqrt(float64(dim))))
		if side*side != dim {
			return nil, fmt.Errorf("%s: an image, but the model's input of %d features is not a square image", path, dim)
		}
		x, err := data.ReadImage(path, side, invert)
		if err != nil {
			return nil, err
		}
		return &data.Dataset{Name: path, X: x, N: 1, D: dim}, nil
	case bytes.HasPrefix(head, []byte{0, 0, 8, 3}), bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return data.ReadIDXImages(path)
	}
	return data.ReadCSV(path, data.CSVOptions{LabelColumn: data.NoLabel})
}
