// Package testfix holds what nnfc's tests build: the bytes of NPY, IDX,
// safetensors, gzip and zip files written by hand (for headers and
// payloads no writer would produce: Fortran order, shapes that lie,
// truncated data), and the nnfc binary for the tests that run it. Tests
// only; it imports nothing of nnfc, so any package's tests can use it.
package testfix

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// NPY is a version 1.0 .npy file: the header dict with descr (e.g. "<f4"),
// fortran_order and shape (as Python writes it, "(2, 3)"), padded so the
// data starts at a multiple of 64 bytes, then payload as given.
func NPY(descr string, fortran bool, shape string, payload []byte) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), payload...)
}

// IDX is an IDX file of unsigned bytes (MNIST's format): magic 0x0000 08
// ndims, the dims big-endian, then payload.
func IDX(ndims byte, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, 8, ndims}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

// Safetensors assembles a safetensors file from a header (JSON text,
// padded with spaces to 8 bytes like a real writer) and a data section.
func Safetensors(header string, data []byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

// F32LE is v as little-endian float32s.
func F32LE(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// I64LE is v as little-endian int64s.
func I64LE(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// Gzip is b gzipped.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// Zip is a zip archive of members, each stored with method (zip.Store,
// zip.Deflate).
func Zip(tb testing.TB, members map[string][]byte, method uint16) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BuildNNFC builds the nnfc binary (cmd/nnfc of this module) into dir and
// returns its path; a TestMain calls it once for the tests that run the
// binary.
func BuildNNFC(dir string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("testfix: cannot locate the module")
	}
	main := filepath.Join(filepath.Dir(file), "..", "..", "cmd", "nnfc")
	bin := filepath.Join(dir, "nnfc")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if out, err := exec.Command(goTool, "build", "-o", bin, main).CombinedOutput(); err != nil {
		return "", fmt.Errorf("building nnfc: %v\n%s", err, out)
	}
	if _, err := os.Stat(bin); err != nil {
		return "", err
	}
	return bin, nil
}

// Pictures writes n made-up 28×28 gray pictures of four classes (labels
// i mod 4: a bright 8×8 square in the quarter the label names, on dark
// noise) as MNIST's uncompressed IDX files prefix-images-idx3-ubyte and
// prefix-labels-idx1-ubyte in dir (prefix train or t10k), the same for
// the same seed.
func Pictures(tb testing.TB, dir, prefix string, n int, seed uint64) {
	tb.Helper()
	s := seed*6364136223846793005 + 1442695040888963407
	next := func(k int) int { // a linear congruential draw in 0..k-1
		s = s*6364136223846793005 + 1442695040888963407
		return int((s >> 33) % uint64(k))
	}
	img := make([]byte, 0, n*28*28)
	lab := make([]byte, 0, n)
	for i := range n {
		c := i % 4
		lab = append(lab, byte(c))
		px := make([]byte, 28*28)
		for j := range px {
			px[j] = byte(next(40))
		}
		x0, y0 := 4+12*(c%2)+next(3), 4+12*(c/2)+next(3)
		for y := y0; y < y0+8; y++ {
			for x := x0; x < x0+8; x++ {
				px[y*28+x] = 200 + byte(next(56))
			}
		}
		img = append(img, px...)
	}
	for name, b := range map[string][]byte{
		prefix + "-images-idx3-ubyte": IDX(3, []uint32{uint32(n), 28, 28}, img),
		prefix + "-labels-idx1-ubyte": IDX(1, []uint32{uint32(n)}, lab),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// TableFile is the real table NAME (make data fetches them into
// data/tables of this checkout), or NAME under $NNFC_TABLES_DIR, as an
// absolute path; a missing file fails the test, saying how to fetch it.
func TableFile(tb testing.TB, name string) string {
	tb.Helper()
	dir := os.Getenv("NNFC_TABLES_DIR")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "data", "tables")
	}
	p, err := filepath.Abs(filepath.Join(dir, name))
	if err == nil {
		_, err = os.Stat(p)
	}
	if err != nil {
		tb.Fatalf("%v: run make data (it fetches the real tables into data/tables)", err)
	}
	return p
}
