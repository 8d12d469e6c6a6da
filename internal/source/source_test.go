package source

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/data"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLookup(t *testing.T) {
	for _, name := range Names() {
		s, err := Lookup(name)
		if err != nil || s.Name() != name {
			t.Errorf("Lookup(%q) = %v, %v", name, s, err)
		}
	}
	_, err := Lookup("imagenet")
	want := `data.source: must be one of mnist, fashion-mnist, cifar10, csv, npz, npy, spiral, table, got "imagenet"`
	if err == nil || err.Error() != want {
		t.Errorf("Lookup(imagenet): %v, want %s", err, want)
	}
}

func TestCheck(t *testing.T) {
	base := Config{Normalize: "scale", Header: "auto", ValFraction: 0.1}
	for _, tc := range []struct {
		name string
		c    func(*Config)
		want []string
	}{
		{"mnist without dir", func(c *Config) { c.Source = "mnist" }, []string{"data.dir: must name the mnist directory"}},
		{"mnist", func(c *Config) { c.Source, c.Dir = "mnist", "d" }, nil},
		{"npy without labels", func(c *Config) { c.Source, c.Train, c.Test = "npy", "x.npy", "t.npy" },
			[]string{"data.train_labels: must name the .npy labels of data.train", "data.test_labels: must name the .npy labels of data.test"}},
		{"csv without train", func(c *Config) { c.Source = "csv" }, []string{"data.train: must name the csv training file"}},
		{"spiral", func(c *Config) { c.Source, c.Spiral = "spiral", Spiral{PerClass: 1, Classes: 2, Noise: -1} },
			[]string{"data.spiral.per_class: must be ≥ 2, got 1", "data.spiral.noise: must be ≥ 0, got -1"}},
		{"unknown and common keys", func(c *Config) { c.Source, c.Normalize, c.Classes = "x", "zscore", -1 },
			[]string{`data.source: must be one of mnist, fashion-mnist, cifar10, csv, npz, npy, spiral, table, got "x"`, `data.normalize: must be one of none, scale, standardize, standardize_global, got "zscore"`, "data.classes: must be ≥ 0 (0: from the data), got -1"}},
	} {
		c := base
		tc.c(&c)
		var got []string
		Check(c, nil, func(key, format string, a ...any) {
			got = append(got, key+": "+fmt.Sprintf(format, a...))
		})
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

func TestKnownAndDescribe(t *testing.T) {
	for _, tc := range []struct {
		c           Config
		dim, cls    int
		description string
	}{
		{Config{Source: "mnist"}, 784, 10, "10 classes"},
		{Config{Source: "cifar10"}, 3072, 10, "10 classes"},
		{Config{Source: "spiral", Spiral: Spiral{Classes: 7}}, 2, 7, "10 classes (data.spiral.classes)"},
		{Config{Source: "csv"}, 1, 2, "10 classes (inferred from the labels; set data.classes to declare more)"},
		{Config{Source: "npz", Classes: 12}, 1, 12, "10 classes (data.classes)"},
	} {
		dim, cls := Known(tc.c)
		if dim != tc.dim || cls != tc.cls {
			t.Errorf("Known(%s) = %d, %d, want %d, %d", tc.c.Source, dim, cls, tc.dim, tc.cls)
		}
		if d := DescribeClasses(tc.c, 10); d != tc.description {
			t.Errorf("DescribeClasses(%s) = %q, want %q", tc.c.Source, d, tc.description)
		}
	}
	if got := strings.Join(ClassNames(Config{Source: "cifar10"}, 11), ","); got != "airplane,automobile,bird,cat,deer,dog,frog,horse,ship,truck,10" {
		t.Errorf("cifar10 class names: %s", got)
	}
	if got := strings.Join(ClassNames(Config{Source: "mnist"}, 3), ","); got != "0,1,2" {
		t.Errorf("mnist class names: %s", got)
	}
}

func TestReadPath(t *testing.T) {
	dir := t.TempDir()
	csv := write(t, dir, "p.CSV", "0,0.5,1\n1,2,3\n")
	ds, err := ReadPath(csv, PathOptions{Split: "train"})
	if err != nil || ds.N != 2 || ds.D != 2 || ds.Y[1] != 1 {
		t.Fatalf("ReadPath(%s) = %+v, %v", csv, ds, err)
	}
	other := write(t, dir, "p.txt", "0,1\n")
	_, err = ReadPath(other, PathOptions{Split: "train"})
	if want := "--data " + other + ": expected a .csv or .npz file, or an MNIST or CIFAR-10 directory"; err == nil || err.Error() != want {
		t.Errorf("ReadPath(.txt): %v, want %s", err, want)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := ReadPath(empty, PathOptions{Split: "test"}); err == nil || !strings.Contains(err.Error(), "MNIST or CIFAR-10 directory") {
		t.Errorf("ReadPath(empty dir): %v", err)
	}
	// A directory of IDX files is MNIST's (the error is the IDX reader's,
	// naming the missing labels file).
	write(t, empty, "t10k-images-idx3-ubyte", "")
	if _, err := ReadPath(empty, PathOptions{Split: "test"}); err == nil || !strings.Contains(err.Error(), "t10k-") || strings.Contains(err.Error(), "expected a") {
		t.Errorf("ReadPath(mnist dir): %v", err)
	}
	// With test_batch.bin it is CIFAR-10's.
	cifar := filepath.Join(dir, "cifar")
	os.Mkdir(cifar, 0o755)
	write(t, cifar, "test_batch.bin", "")
	if _, err := ReadPath(cifar, PathOptions{Split: "test"}); err == nil || !strings.Contains(err.Error(), "test_batch.bin") {
		t.Errorf("ReadPath(cifar dir): %v", err)
	}
}

func TestReadInput(t *testing.T) {
	dir := t.TempDir()
	csv := write(t, dir, "x", "0.5,1\n2,3\n")
	ds, err := ReadInput(csv, InputOptions{Dim: 2})
	if err != nil || ds.N != 2 || ds.D != 2 {
		t.Fatalf("ReadInput(csv) = %+v, %v", ds, err)
	}
	// PNG magic: the image reader, refused for a non-square input width.
	png := write(t, dir, "y", "\x89PNG....")
	if _, err := ReadInput(png, InputOptions{Dim: 2}); err == nil || !strings.Contains(err.Error(), "not a square image") {
		t.Errorf("ReadInput(png): %v", err)
	}
	// IDX magic: the IDX reader.
	idx := write(t, dir, "z", "\x00\x00\x08\x03\x00")
	if _, err := ReadInput(idx, InputOptions{Dim: 784}); err == nil || strings.Contains(err.Error(), "CSV") {
		t.Errorf("ReadInput(idx): %v", err)
	}
}

// fitting is a source with fitted preprocessing (a scale), to test that
// what training stores comes back as a reader.
type fitting struct{ spiral }

type scale struct{ By float32 }

func (fitting) Name() string { return "fitting" }

func (fitting) Refit(raw []byte) (FittedReader, error) {
	var s scale
	return s, json.Unmarshal(raw, &s)
}

func (s scale) ReadFitted(path string, labels, _ bool, _ io.Writer) (*data.Dataset, error) {
	return &data.Dataset{Name: path, X: []float32{s.By}, N: 1, D: 1}, nil
}

func TestFitted(t *testing.T) {
	All = append(All, fitting{})
	defer func() { All = All[:len(All)-1] }()
	stored, err := EncodeFitted("fitting", scale{By: 2.5})
	if err != nil {
		t.Fatal(err)
	}
	// The stored preprocessing reads --data and --input, whatever the
	// file looks like.
	ds, err := ReadPath("no-such.csv", PathOptions{Fitted: stored})
	if err != nil || ds.X[0] != 2.5 {
		t.Errorf("ReadPath with stored preprocessing: %+v, %v", ds, err)
	}
	ds, err = ReadInput("no-such.png", InputOptions{Fitted: stored})
	if err != nil || ds.X[0] != 2.5 {
		t.Errorf("ReadInput with stored preprocessing: %+v, %v", ds, err)
	}
	if r, err := Fit(nil); r != nil || err != nil {
		t.Errorf("Fit(nil): %v, %v", r, err)
	}
	if _, err := Fit([]byte(`{"source":"spiral","state":{}}`)); err == nil || !strings.Contains(err.Error(), "names source spiral, which fits none") {
		t.Errorf("Fit of a source without preprocessing: %v", err)
	}
	if _, err := Fit([]byte(`{"source":"x"`)); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("Fit of bad JSON: %v", err)
	}
	if m, _ := EncodeFitted("spiral", nil); m != nil {
		t.Errorf("EncodeFitted(nil) = %q", m)
	}
}
