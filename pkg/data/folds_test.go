package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFolds: the folds partition the rows (every row in exactly one
// fold, sizes within one), stratified folds keep each class's share
// within one row, and the draw depends only on the seed.
func TestFolds(t *testing.T) {
	imbalanced := func(counts ...int) []int32 { // class c repeated counts[c] times, interleaved by a fixed shuffle
		var y []int32
		for c, n := range counts {
			for range n {
				y = append(y, int32(c))
			}
		}
		rand.New(rand.NewPCG(9, 9)).Shuffle(len(y), func(i, j int) { y[i], y[j] = y[j], y[i] })
		return y
	}
	for _, tc := range []struct {
		name    string
		n, k    int
		y       []int32
		classes int
	}{
		{"plain n=10 k=3", 10, 3, nil, 0},
		{"plain n=k", 7, 7, nil, 0},
		{"plain n=344 k=5", 344, 5, nil, 0},
		{"stratified 3 classes 152/68/124 (penguins' counts) k=5", 344, 5, imbalanced(152, 68, 124), 3},
		{"stratified 1 rare row k=4", 23, 4, imbalanced(20, 2, 1), 3},
		{"stratified 10 classes k=10", 1000, 10, imbalanced(91, 113, 99, 102, 97, 88, 110, 104, 96, 100), 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fold := Folds(tc.n, tc.k, tc.y, tc.classes, rand.New(rand.NewPCG(1, 2)))
			if len(fold) != tc.n {
				t.Fatalf("%d fold indices for %d rows", len(fold), tc.n)
			}
			var union []int
			sizes := make([]int, tc.k)
			for f := range tc.k {
				held, rest := FoldRows(fold, f)
				if len(held)+len(rest) != tc.n {
					t.Fatalf("fold %d: %d held + %d rest != %d rows", f, len(held), len(rest), tc.n)
				}
				sizes[f] = len(held)
				union = append(union, held...)
			}
			slices.Sort(union)
			for i, r := range union { // disjoint and complete: the union is 0…n−1 once each
				if r != i {
					t.Fatalf("the folds' union is not every row once: position %d holds row %d", i, r)
				}
			}
			if lo, hi := slices.Min(sizes), slices.Max(sizes); hi-lo > 1 || lo < tc.n/tc.k {
				t.Errorf("fold sizes %v: want %d or %d", sizes, tc.n/tc.k, (tc.n+tc.k-1)/tc.k)
			}
			if tc.y != nil {
				for c := range tc.classes {
					nc := 0
					for _, v := range tc.y {
						if int(v) == c {
							nc++
						}
					}
					for f := range tc.k {
						got := 0
						for i, g := range fold {
							if g == f && int(tc.y[i]) == c {
								got++
							}
						}
						if got != nc/tc.k && got != (nc+tc.k-1)/tc.k {
							t.Errorf("fold %d holds %d rows of class %c (of %d): want %d or %d", f, got, 'A'+c, nc, nc/tc.k, (nc+tc.k-1)/tc.k)
						}
					}
				}
			}
			if again := Folds(tc.n, tc.k, tc.y, tc.classes, rand.New(rand.NewPCG(1, 2))); !slices.Equal(again, fold) {
				t.Error("the same seed drew other folds")
			}
			if tc.n > tc.k+2 {
				if other := Folds(tc.n, tc.k, tc.y, tc.classes, rand.New(rand.NewPCG(2, 2))); slices.Equal(other, fold) {
					t.Error("another seed drew the same folds")
				}
			}
		})
	}
}

// TestFoldsUnstratifiedSkews is the stratified check's twin: plain folds
// of an imbalanced set miss a class's share somewhere, so the check
// above can fail.
func TestFoldsUnstratifiedSkews(t *testing.T) {
	y := make([]int32, 200)
	for i := range 20 {
		y[i] = 1 // 20 rows of class 1: 4 per fold when stratified
	}
	fold := Folds(200, 5, nil, 0, rand.New(rand.NewPCG(1, 2)))
	skewed := false
	for f := range 5 {
		n := 0
		for i, g := range fold {
			if g == f && y[i] == 1 {
				n++
			}
		}
		skewed = skewed || n != 4
	}
	if !skewed {
		t.Error("plain folds kept class 1's share exactly in every fold: the stratified test cannot tell them apart")
	}
}

func TestCheckFolds(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		ok   bool
	}{{10, 2, true}, {10, 10, true}, {10, 1, false}, {10, 0, false}, {10, -3, false}, {3, 4, false}} {
		if err := CheckFolds(tc.n, tc.k); (err == nil) != tc.ok {
			t.Errorf("CheckFolds(%d, %d) = %v, want ok %v", tc.n, tc.k, err, tc.ok)
		}
	}
}

func TestPartitionInPlace(t *testing.T) {
	d := &Dataset{N: 5, D: 2, Classes: 5, X: []float32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, Y: []int32{0, 1, 2, 3, 4}}
	tr, va := d.PartitionInPlace([]int{3, 1}, []int{0, 2, 4})
	if !slices.Equal(tr.Y, []int32{0, 2, 4}) || !slices.Equal(va.Y, []int32{3, 1}) || !slices.Equal(va.X, []float32{3, 3, 1, 1}) {
		t.Errorf("train %v, val %v %v", tr.Y, va.Y, va.X)
	}
	defer func() {
		if recover() == nil {
			t.Error("a repeated row did not panic")
		}
	}()
	(&Dataset{N: 2, D: 1, X: []float32{0, 1}}).PartitionInPlace([]int{0}, []int{0})
}
