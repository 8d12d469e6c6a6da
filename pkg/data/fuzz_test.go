package data

import (
	"archive/zip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/testfix"
	"github.com/nnfc/nnfc/pkg/limits"
)

// The fuzz targets feed every reader arbitrary bytes. A reader must never
// panic or hang; an error is one line naming the file; what it accepts
// passes Dataset.Validate. The memory limit is lowered to 64 MiB so that a
// size claim the checks let through shows up as a failure, not as the
// fuzzing machine swapping. `go test` runs the seeds; search with
//
//	go test -run '^$' -fuzz '^FuzzIDX$' -fuzztime 2m ./pkg/data/

// fuzzFile writes b to a fresh file named name.
func fuzzFile(t *testing.T, dir, name string, b []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkRead checks the outcome of one read of the files paths.
func checkRead(t *testing.T, ds *Dataset, err error, paths ...string) {
	t.Helper()
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Fatalf("error is not one line: %q", msg)
		}
		named := false
		for _, p := range paths {
			named = named || strings.Contains(msg, p)
		}
		if !named {
			t.Fatalf("error %q names none of %q", msg, paths)
		}
		return
	}
	if ds.N == 0 || ds.D == 0 {
		t.Fatalf("accepted an empty data set: N=%d D=%d", ds.N, ds.D)
	}
	if err := ds.Validate(); err != nil {
		t.Fatalf("accepted data that does not validate: %v", err)
	}
}

func fuzzLimit(t testing.TB) {
	limits.SetMax(64 << 20)
	t.Cleanup(func() { limits.SetMax(0) })
}

func readFixture(f *testing.F, name string) []byte {
	b, err := os.ReadFile(fixture(name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzIDX(f *testing.F) {
	fuzzLimit(f)
	for _, pair := range [][2]string{
		{"tiny-images-idx3-ubyte", "tiny-labels-idx1-ubyte"},
		{"tiny-images-idx3-ubyte.gz", "tiny-labels-idx1-ubyte.gz"},
		{"truncated-images-idx3-ubyte", "tiny-labels-idx1-ubyte"},
		{"truncated-images-idx3-ubyte.gz", "badlabel-labels-idx1-ubyte"},
		{"bigclaim-images-idx3-ubyte.gz", "tiny-labels-idx1-ubyte"},
		{"badmagic-images-idx3-ubyte", "tiny-labels-idx1-ubyte"},
	} {
		f.Add(readFixture(f, pair[0]), readFixture(f, pair[1]))
	}
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		dir := t.TempDir()
		ip, lp := fuzzFile(t, dir, "images", images), fuzzFile(t, dir, "labels", labels)
		ds, err := ReadIDX(ip, lp)
		checkRead(t, ds, err, ip, lp)
	})
}

func FuzzCIFAR(f *testing.F) {
	fuzzLimit(f)
	for _, name := range []string{"tiny-cifar.bin", "truncated-cifar.bin", "badlabel-cifar.bin"} {
		f.Add(readFixture(f, name))
	}
	f.Add(testfix.Gzip(readFixture(f, "tiny-cifar.bin")))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzFile(t, t.TempDir(), "data_batch_1.bin", b)
		ds, err := ReadCIFAR10(p)
		checkRead(t, ds, err, p)
	})
}

func FuzzCSV(f *testing.F) {
	fuzzLimit(f)
	for _, name := range []string{"abc.csv", "header.csv", "labellast.csv", "nan.csv", "neglabel.csv", "noheader.csv", "ragged.csv"} {
		f.Add(readFixture(f, name), int8(0), uint8(0))
	}
	f.Add([]byte("y,a,b\n0,1,2\n1,3,4\n"), int8(-1), uint8(1))
	f.Add([]byte("\ufeff1,\"2\",3e40\n"), int8(0), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, labelCol int8, header uint8) {
		p := fuzzFile(t, t.TempDir(), "d.csv", b)
		opt := CSVOptions{LabelColumn: int(labelCol), Header: []string{"auto", "yes", "no"}[header%3]}
		ds, err := ReadCSV(p, opt)
		checkRead(t, ds, err, p)
	})
}

func FuzzNPY(f *testing.F) {
	fuzzLimit(f)
	f.Add(testfix.NPY("<f4", false, "(2, 2)", testfix.F32LE(1, 2, 3, 4)), testfix.NPY("<i8", false, "(2,)", []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}))
	f.Add(testfix.NPY("<f8", true, "(2, 1)", make([]byte, 16)), testfix.NPY("|u1", false, "(2, 1)", []byte{3, 0}))
	f.Add(testfix.NPY("<f4", false, "(99999999, 2)", testfix.F32LE(1, 2)), testfix.NPY("<i4", false, "(1,)", []byte{0, 0, 0, 0}))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), []byte("\x93NUMPY\x01\x00"))
	f.Fuzz(func(t *testing.T, x, y []byte) {
		dir := t.TempDir()
		xp, yp := fuzzFile(t, dir, "x.npy", x), fuzzFile(t, dir, "y.npy", y)
		ds, err := ReadNPY(xp, yp, 0)
		checkRead(t, ds, err, xp, yp)
	})
}

func FuzzNPZ(f *testing.F) {
	fuzzLimit(f)
	x := testfix.NPY("<f4", false, "(2, 2)", testfix.F32LE(1, 2, 3, 4))
	y := testfix.NPY("<i8", false, "(2,)", make([]byte, 16))
	f.Add(testfix.Zip(f, map[string][]byte{"x.npy": x, "y.npy": y}, zip.Deflate))
	f.Add(testfix.Zip(f, map[string][]byte{"x.npy": x, "y.npy": y}, zip.Store))
	f.Add(testfix.Zip(f, map[string][]byte{"x": x}, zip.Store))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzFile(t, t.TempDir(), "d.npz", b)
		ds, err := ReadNPZ(p, NPYOptions{})
		checkRead(t, ds, err, p)
	})
}

// FuzzTable feeds the table reader, schema fitting and encoding arbitrary
// files: never a panic, errors one line naming the file or a data.* key,
// and whatever is accepted validates (finite inputs, labels in range).
func FuzzTable(f *testing.F) {
	fuzzLimit(f)
	f.Add([]byte(tinyTable), uint8(0), true)
	f.Add([]byte("a;b;c\n\"x;y\";1;NA\n\"q\"\"\n\";2;3\nz;?;4\n"), uint8(2), false)
	f.Add([]byte("y\tx\n1\t1e308\n2\t-1e308\n1\t\n"), uint8(0), true)
	f.Add([]byte("y,x\na,\"1\nb,2\n"), uint8(1), false)
	f.Add([]byte("x,\"2\n1a,\",y\n1,2,3\n4,2,5\n"), uint8(1), false)
	f.Fuzz(func(t *testing.T, b []byte, target uint8, stratify bool) {
		p := fuzzFile(t, t.TempDir(), "d.csv", b)
		td, err := LoadTable(TableConfig{Train: p, Test: p, Fit: FitOptions{Target: strconv.Itoa(int(target % 8))}, ValFraction: 0.25, Stratify: stratify}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, p) && !strings.HasPrefix(msg, "data") {
				t.Fatalf("error %q is not one line naming %s or a data.* key", msg, p)
			}
			return
		}
		for _, d := range []*Dataset{td.Train, td.Val, td.Test} {
			if d.D != td.Schema.Width() {
				t.Fatalf("%s: %d inputs, the schema has %d", d.Name, d.D, td.Schema.Width())
			}
			if err := d.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
