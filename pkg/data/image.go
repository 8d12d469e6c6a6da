package data

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // image.Decode reads JPEG
	_ "image/png"  // and PNG
	"os"

	"golang.org/x/image/draw"
)

// ReadImage reads a PNG or JPEG file as a side×side grayscale image:
// luminance 0 (black) .. 255 (white) as float32, row-major, the layout and
// range of an MNIST digit before normalization. Transparent pixels are
// composed over white, as an image viewer shows them. An image of another
// size is resized (stretched, not cropped) with the Catmull-Rom kernel.
// invert maps v to 255−v: MNIST digits are white on black, ink on paper is
// dark on light.
func ReadImage(path string, side int, invert bool) ([]float32, error) {
	if side <= 0 {
		panic(fmt.Sprintf("data: ReadImage side %d", side))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PNG or JPEG image: %v", path, err)
	}
	// A header may claim any size: refuse images too large to be meant
	// as one sample before decoding allocates them.
	const maxPixels = 64 << 20
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%s: a %dx%d %s image is larger than the %d pixels accepted", path, cfg.Width, cfg.Height, format, maxPixels)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: decoding the %s image: %v", path, format, err)
	}
	// Compose over white, then to gray (ITU-R 601 luminance).
	b := src.Bounds()
	flat := image.NewGray(b)
	draw.Draw(flat, b, image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, b, src, b.Min, draw.Over)
	gray := flat
	if b.Dx() != side || b.Dy() != side {
		gray = image.NewGray(image.Rect(0, 0, side, side))
		draw.CatmullRom.Scale(gray, gray.Bounds(), flat, b, draw.Src, nil)
	}
	x := make([]float32, side*side)
	for i := 0; i < side; i++ {
		for j := 0; j < side; j++ {
			v := gray.Pix[i*gray.Stride+j]
			if invert {
				v = 255 - v
			}
			x[i*side+j] = float32(v)
		}
	}
	return x, nil
}

// ReadIDXImages reads an IDX image file (magic 0x00000803, optionally
// gzipped) without labels, for prediction: Y is nil and Classes 0.
func ReadIDXImages(path string) (*Dataset, error) {
	s, dims, claimed, what, err := openIDX(path, 3)
	if err != nil {
		return nil, err
	}
	x, err := readIDXPixels(s, 4+4*3, claimed, what)
	s.Close()
	if err != nil {
		return nil, err
	}
	n, d := int(dims[0]), int(dims[1]*dims[2])
	if n == 0 || d == 0 {
		return nil, fmt.Errorf("%s: header claims %d images of %dx%d: no data", path, dims[0], dims[1], dims[2])
	}
	return &Dataset{Name: path, X: x, N: n, D: d}, nil
}
