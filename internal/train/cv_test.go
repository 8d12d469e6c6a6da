package train

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/data"
)

// rowKeys names each row of d by its input values, so splits of one
// data set can be compared row by row.
func rowKeys(d *data.Dataset) []string {
	keys := make([]string, d.N)
	for i := range d.N {
		keys[i] = fmt.Sprint(d.Row(i))
	}
	return keys
}

// TestCVFoldsPartition: the validation splits of data.cv's folds 1…K of
// one seed partition the training rows (disjoint, their union every
// row), each fold's training split is the other folds' rows, and the
// test split is untouched.
func TestCVFoldsPartition(t *testing.T) {
	base := strings.Replace(smallSpiral, "val_fraction: 0.25", "val_fraction: 0", 1)
	all, err := RawSplits(loadConfig(t, "seed: 4\n"+base))
	if err != nil {
		t.Fatal(err)
	}
	whole := map[string]int{}
	for _, k := range rowKeys(all.Train) {
		whole[k]++
	}
	const K = 4
	seen := map[string]int{}
	for f := 1; f <= K; f++ {
		cv := strings.Replace(base, "normalize: none", fmt.Sprintf("normalize: none\n  cv: {folds: %d, fold: %d}", K, f), 1)
		s, err := RawSplits(loadConfig(t, "seed: 4\n"+cv))
		if err != nil {
			t.Fatal(err)
		}
		if n := s.Train.N + s.Val.N; n != all.Train.N {
			t.Fatalf("fold %d: %d train + %d val rows, want %d", f, s.Train.N, s.Val.N, all.Train.N)
		}
		if lo, hi := all.Train.N/K, (all.Train.N+K-1)/K; s.Val.N < lo || s.Val.N > hi {
			t.Errorf("fold %d holds %d rows, want %d…%d", f, s.Val.N, lo, hi)
		}
		inVal := map[string]bool{}
		for _, k := range rowKeys(s.Val) {
			seen[k]++
			inVal[k] = true
		}
		for _, k := range rowKeys(s.Train) {
			if inVal[k] {
				t.Fatalf("fold %d: row %s both trained on and held out", f, k)
			}
		}
		if s.Test == nil || s.Test.N != all.Test.N {
			t.Errorf("fold %d: the test split changed", f)
		}
	}
	if len(seen) != len(whole) {
		t.Fatalf("the folds hold %d distinct rows, the training data %d", len(seen), len(whole))
	}
	for k, n := range whole {
		if seen[k] != n {
			t.Fatalf("row %s held out %d times over the folds, want %d", k, seen[k], n)
		}
	}
}

// TestCVStratifiedTable: on the real penguins table the table source
// carves each stratified fold before its schema fit: every fold holds
// each species' share within one row, and the folds' sizes add up to the
// table's rows.
func TestCVStratifiedTable(t *testing.T) {
	const K = 5
	total := 0
	var counts [][]int
	for f := 1; f <= K; f++ {
		c := loadConfig(t, fmt.Sprintf("data: {source: table, train: ../../data/tables/penguins.csv, target: species, normalize: none, cv: {folds: %d, fold: %d, stratify: true}}\n", K, f))
		s, err := RawSplits(c)
		if err != nil {
			t.Fatalf("%v (make data fetches data/tables)", err)
		}
		n := make([]int, s.Val.Classes)
		for _, y := range s.Val.Y {
			n[y]++
		}
		counts = append(counts, n)
		total += s.Val.N
		if f == K && total != s.Train.N+s.Val.N {
			t.Errorf("the folds hold %d rows, the table %d", total, s.Train.N+s.Val.N)
		}
	}
	for c := range counts[0] {
		nc := 0
		for f := range K {
			nc += counts[f][c]
		}
		for f := range K {
			if got := counts[f][c]; got != nc/K && got != (nc+K-1)/K {
				t.Errorf("fold %d holds %d of class %d's %d rows, want %d or %d", f+1, got, c, nc, nc/K, (nc+K-1)/K)
			}
		}
	}
}

// TestCVErrors: too many folds for the rows and a fold out of range are
// one-line errors naming the key.
func TestCVErrors(t *testing.T) {
	base := strings.Replace(smallSpiral, "val_fraction: 0.25", "val_fraction: 0", 1)
	c := loadConfig(t, strings.Replace(base, "normalize: none", "normalize: none\n  cv: {folds: 500, fold: 1}", 1))
	_, err := RawSplits(c)
	if err == nil || !strings.Contains(err.Error(), "data.cv.folds: 500 folds of 120 training rows") || strings.Contains(err.Error(), "\n") {
		t.Errorf("500 folds of 120 rows: got %v", err)
	}
}
