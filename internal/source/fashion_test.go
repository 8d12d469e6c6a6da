package source

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fashionDirForTest is the real Fashion-MNIST of this checkout: data/fashion-mnist
// (make data fetches it from Debian's dataset-fashion-mnist), or
// $NNFC_FASHION_MNIST_DIR. Missing is a failure that says how to fetch it.
func fashionDirForTest(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NNFC_FASHION_MNIST_DIR")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", fashionDir)
	}
	if _, err := os.Stat(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz")); err != nil {
		t.Fatalf("%v: run make data (it fetches Fashion-MNIST into %s)", err, fashionDir)
	}
	return dir
}

// TestFashionMNISTReal reads the real Fashion-MNIST through data.source
// fashion-mnist: 60,000 and 10,000 raw 28×28 images, exactly 6,000 and
// 1,000 of each of the ten classes (the data set is balanced), the first
// labels and the first image's pixel sum as the distribution has them
// (counted with Python's gzip module; MNIST's first training image, a 5,
// sums to 27,525), and the classes named from T-shirt/top to Ankle boot.
func TestFashionMNISTReal(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	c := Config{Source: "fashion-mnist"}
	FillDefaults(&c, map[string]bool{})
	if c.Dir != fashionDir {
		t.Errorf("data.dir defaults to %q, want %q", c.Dir, fashionDir)
	}
	c.Dir = fashionDirForTest(t)
	sp, err := Read(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		n, each  int
		first    []int32
		pixelSum float64
	}{
		{"train", 60000, 6000, []int32{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, 76247},
		{"test", 10000, 1000, []int32{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, 33456},
	} {
		ds := sp.Train
		if tc.name == "test" {
			ds = sp.Test
		}
		if ds.N != tc.n || ds.D != 784 || ds.Classes != 10 {
			t.Fatalf("%s: N=%d D=%d classes=%d, want %d, 784, 10", tc.name, ds.N, ds.D, ds.Classes, tc.n)
		}
		count := make([]int, 10)
		for _, y := range ds.Y {
			count[y]++
		}
		for k, n := range count {
			if n != tc.each {
				t.Errorf("%s: class %d (%s) has %d samples, want %d", tc.name, k, fashionNames[k], n, tc.each)
			}
		}
		for i, y := range tc.first {
			if ds.Y[i] != y {
				t.Errorf("%s: label %d is %d, want %d", tc.name, i, ds.Y[i], y)
			}
		}
		var sum float64
		for _, v := range ds.X[:784] {
			sum += float64(v)
		}
		if sum != tc.pixelSum {
			t.Errorf("%s: the first image's pixels sum to %g, want %g", tc.name, sum, tc.pixelSum)
		}
	}
	names := strings.Join(ClassNames(c, 10), ",")
	if want := "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"; names != want {
		t.Errorf("class names %s, want %s", names, want)
	}
	if got := KnownClassNames(c, 10); len(got) != 10 || got[9] != "Ankle boot" {
		t.Errorf("KnownClassNames(fashion-mnist, 10) = %q", got)
	}
	if got := KnownClassNames(Config{Source: "mnist"}, 10); got != nil {
		t.Errorf("KnownClassNames(mnist) = %q, want nil (the index is the name)", got)
	}
}

// TestFashionMNISTMissing: a missing directory names data.dir and make
// data; a directory without the files names the file and make data.
func TestFashionMNISTMissing(t *testing.T) {
	dir := t.TempDir()
	c := Config{Source: "fashion-mnist", Dir: filepath.Join(dir, "nope")}
	_, err := Read(c, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "data.dir: the Fashion-MNIST directory") || !strings.Contains(err.Error(), "make data") {
		t.Errorf("missing dir: %v", err)
	}
	c.Dir = dir
	_, err = Read(c, Options{})
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte") || !strings.Contains(err.Error(), "make data fetches Fashion-MNIST") {
		t.Errorf("empty dir: %v", err)
	}
	var got []string
	Check(Config{Source: "fashion-mnist", Normalize: "scale", Header: "auto"}, nil, func(key, format string, a ...any) { got = append(got, key) })
	if strings.Join(got, ",") != "data.dir" {
		t.Errorf("empty data.dir: problems %q, want data.dir", got)
	}
}
