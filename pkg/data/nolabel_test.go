package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadCSVNoLabel(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(p, []byte("a,b,c\n1,2,3\n4,5,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := ReadCSV(p, CSVOptions{LabelColumn: NoLabel})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2 || d.D != 3 || !slices.Equal(d.X, []float32{1, 2, 3, 4, 5, 6}) || !slices.Equal(d.Y, []int32{0, 0}) {
		t.Errorf("got N=%d D=%d X=%v Y=%v", d.N, d.D, d.X, d.Y)
	}
	if err := os.WriteFile(p, []byte("1,2,3\n4,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCSV(p, CSVOptions{LabelColumn: NoLabel}); err == nil || !strings.Contains(err.Error(), ":2: row has 2 columns, expected 3") {
		t.Errorf("ragged unlabelled CSV: %v", err)
	}
}
