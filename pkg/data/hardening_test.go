package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/limits"
)

// TestSparseLabels: a stray large label among few classes is an error
// naming its position, unless the classes are declared; a data set that
// merely lacks some classes (the IDX fixture: 5 of 10) still loads.
func TestSparseLabels(t *testing.T) {
	dir := t.TempDir()
	x := [][]float32{{1}, {2}, {3}, {4}, {5}, {6}}
	writeNPY(t, filepath.Join(dir, "x.npy"), x)
	writeNPY(t, filepath.Join(dir, "y.npy"), []int64{0, 1, 2, 99, 3, 99})
	_, err := ReadNPY(filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy"), 0)
	wantErr(t, err, "y.npy: label 3: label 99 would make 100 classes, 95 of them without a sample", "data.classes: 100")
	ds, err := ReadNPY(filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy"), 100)
	if err != nil || ds.Classes != 100 {
		t.Errorf("with classes 100: %v, %v", ds, err)
	}
	_, err = ReadNPY(filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy"), 50)
	wantErr(t, err, "label 3 is 99, expected 0..49")

	csv := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(csv, []byte("label,a\n0,1\n1,2\n2,3\n3,4\n99,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadCSV(csv, CSVOptions{})
	wantErr(t, err, csv+":6: label 99 would make 100 classes")
	if ds, err := ReadCSV(csv, CSVOptions{Classes: 100}); err != nil || ds.Classes != 100 {
		t.Errorf("csv with classes 100: %v", err)
	}
	// Half the classes present is not sparse: labels {0, 2} make 3.
	os.WriteFile(csv, []byte("0,1\n2,2\n"), 0o644)
	if ds, err := ReadCSV(csv, CSVOptions{}); err != nil || ds.Classes != 3 {
		t.Errorf("labels 0 and 2: %v", err)
	}
	if ds, err := ReadIDX(fixture("tiny-images-idx3-ubyte"), fixture("tiny-labels-idx1-ubyte")); err != nil || ds.Classes != 10 {
		t.Errorf("IDX fixture with labels 5 0 4 1 9: %v", err)
	}
}

// TestReadersRespectMemoryLimit: claims that the file could hold but
// memory cannot are refused by limits.Check before allocation, with the
// file named.
func TestReadersRespectMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	limits.SetMax(1 << 20)
	defer limits.SetMax(0)

	// A gzipped IDX file of 2 MB of zeros, honestly claiming them.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	hdr := []byte{0, 0, 8, 3}
	hdr = binary.BigEndian.AppendUint32(hdr, 2000)
	hdr = binary.BigEndian.AppendUint32(hdr, 1000)
	hdr = binary.BigEndian.AppendUint32(hdr, 1)
	zw.Write(hdr)
	zw.Write(make([]byte, 2000*1000))
	zw.Close()
	images := filepath.Join(dir, "images.gz")
	os.WriteFile(images, gz.Bytes(), 0o644)
	_, err := ReadIDX(images, fixture("tiny-labels-idx1-ubyte"))
	wantErr(t, err, images+": the header's claim of 2000 images of 1000x1 needs 7.6 MiB, more than the --max-memory limit of 1.0 MiB")

	// A gzipped CIFAR batch that decompresses to 3 MB.
	gz.Reset()
	zw = gzip.NewWriter(&gz)
	zw.Write(make([]byte, 1000*cifarRecord))
	zw.Close()
	batch := filepath.Join(dir, "data_batch_1.bin")
	os.WriteFile(batch, gz.Bytes(), 0o644)
	_, err = ReadCIFAR10(batch)
	wantErr(t, err, batch+": the decompressed data needs", "--max-memory limit of 1.0 MiB")

	// An NPY file of 1 MB of float32.
	big := make([][]float32, 1<<13)
	for i := range big {
		big[i] = make([]float32, 32)
	}
	writeNPY(t, filepath.Join(dir, "x.npy"), big)
	writeNPY(t, filepath.Join(dir, "y.npy"), make([]int64, 1<<13))
	_, err = ReadNPY(filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy"), 0)
	wantErr(t, err, "x.npy: header shape (8192, 32) of <f4 needs")

	// A CSV of 300 kB.
	csv := filepath.Join(dir, "big.csv")
	os.WriteFile(csv, []byte(strings.Repeat("0,1,2,3\n", 300<<10/8)), 0o644)
	_, err = ReadCSV(csv, CSVOptions{})
	wantErr(t, err, csv+" needs 1.2 MiB")

	// The same readers under the default limit accept these files.
	limits.SetMax(0)
	if _, err := ReadCIFAR10(batch); err != nil {
		t.Errorf("CIFAR batch under the default limit: %v", err)
	}
	if _, err := ReadCSV(csv, CSVOptions{}); err != nil {
		t.Errorf("CSV under the default limit: %v", err)
	}
}

// TestNormalizerValidate: what a model file's normalizer must satisfy.
func TestNormalizerValidate(t *testing.T) {
	ok := Normalizer{Mode: NormScale, Shift: []float32{0, 1}, Scale: []float32{1, 2}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    Normalizer
		want string
	}{
		{Normalizer{Mode: "whiten", Shift: []float32{0}, Scale: []float32{1}}, `mode "whiten" unknown`},
		{Normalizer{Mode: NormScale, Shift: []float32{0}, Scale: []float32{0}}, "scale[0] is 0"},
		{Normalizer{Mode: NormScale, Shift: []float32{0, float32(nanf())}, Scale: []float32{1, 1}}, "shift[1] is NaN"},
		{Normalizer{Mode: NormScale, Shift: []float32{0}, Scale: []float32{float32(1 / zero())}}, "scale[0] is +Inf"},
		{Normalizer{Mode: NormScale, Shift: []float32{0}, Scale: []float32{1, 1}}, "1 shifts but 2 scales"},
	} {
		if err := tc.n.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.n, err, tc.want)
		}
	}
}

func zero() float64 { return 0 }

// TestCSVFloat64: with Float64 a CSV keeps its values in float64 through
// the split, Gather and normalization; without it (the float32 twin) the
// same values are rounded to float32.
func TestCSVFloat64(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.csv")
	var b strings.Builder
	for i := range 40 {
		v := 0.1 + float64(i)/3 // not float32-representable
		fmt.Fprintf(&b, "%d,%.17g,1\n", i%4+4*(i/4%2), v)
	}
	os.WriteFile(p, []byte(b.String()), 0o644)
	ds, err := ReadCSV(p, CSVOptions{Float64: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.X64) != len(ds.X) {
		t.Fatalf("X64 has %d values, X %d", len(ds.X64), len(ds.X))
	}
	for i := range ds.N {
		if got, w := ds.X64[2*i], 0.1+float64(i)/3; got != w {
			t.Fatalf("row %d: X64 %v, want %v", i, got, w)
		}
	}
	// Tag each row by its feature to follow it through the split.
	tr, va := ds.SplitInPlace(10, rand.New(rand.NewPCG(1, 2)))
	for _, part := range []*Dataset{tr, va} {
		if err := part.Validate(); err != nil {
			t.Fatal(err)
		}
		for i := range part.N {
			if float32(part.X64[2*i]) != part.X[2*i] {
				t.Fatalf("%s row %d: X64 %v and X %v are different rows", part.Name, i, part.X64[2*i], part.X[2*i])
			}
		}
	}
	nm, err := FitNormalizer(NormStandardize, tr)
	if err != nil {
		t.Fatal(err)
	}
	x64 := make([]float64, 2)
	y := make([]int32, 1)
	before := tr.X64[0]
	if err := nm.Apply(tr); err != nil {
		t.Fatal(err)
	}
	Gather(tr, []int{0}, x64, y)
	if w := (before - float64(nm.Shift[0])) * float64(nm.Scale[0]); x64[0] != w {
		t.Errorf("normalized float64 value %v, want %v", x64[0], w)
	}
	// The float32 twin: the values reach a float64 batch rounded.
	d32, _ := ReadCSV(p, CSVOptions{})
	if d32.X64 != nil {
		t.Fatal("X64 without Float64")
	}
	Gather(d32, []int{1}, x64, y)
	if x64[0] == 0.1+1.0/3 || x64[0] != float64(float32(0.1+1.0/3)) {
		t.Errorf("float32 read: %v reaches the batch, want the float32 rounding %v", x64[0], float64(float32(0.1+1.0/3)))
	}
}
