package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Folds assigns each of n rows to one of k folds for k-fold
// cross-validation and returns the fold (0 … k−1) of every row. The
// folds partition the rows: disjoint, their union all n rows, their
// sizes ⌊n/k⌋ or ⌈n/k⌉.
//
// Without y the rows are dealt round-robin in a random order drawn with
// rng. With labels y (of classes classes; stratified folds) each class's
// rows are shuffled and dealt round-robin in turn, the dealing going on
// from the fold where the previous class stopped: every fold then holds
// ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of each class c (its share within one row), and
// the fold sizes still differ by at most one.
//
// Folds panics unless 2 ≤ k ≤ n (use CheckFolds on user input).
func Folds(n, k int, y []int32, classes int, rng *rand.Rand) []int {
	if k < 2 || k > n {
		panic(fmt.Sprintf("data: Folds(%d rows, %d folds)", n, k))
	}
	fold := make([]int, n)
	next := 0
	deal := func(rows []int) {
		Shuffle(rows, rng)
		for _, i := range rows {
			fold[i] = next
			next = (next + 1) % k
		}
	}
	if y == nil {
		rows := make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		deal(rows)
		return fold
	}
	if len(y) != n {
		panic(fmt.Sprintf("data: Folds with %d labels for %d rows", len(y), n))
	}
	members := make([][]int, classes)
	for i, c := range y {
		for int(c) >= len(members) { // a label past classes: its own class still
			members = append(members, nil)
		}
		members[c] = append(members[c], i)
	}
	for _, m := range members {
		deal(m)
	}
	return fold
}

// CheckFolds says why k folds of n rows cannot be made; nil when they
// can.
func CheckFolds(n, k int) error {
	switch {
	case k < 2:
		return fmt.Errorf("must be ≥ 2 (k-fold cross-validation holds out one of k parts), got %d", k)
	case k > n:
		return fmt.Errorf("%d folds of %d training rows: at most %d (one row per fold)", k, n, n)
	}
	return nil
}

// FoldSpec is fold Index (0-based) of a K-fold partition, stratified by
// class or not.
type FoldSpec struct {
	K, Index int
	Stratify bool
}

// Rows draws the K folds of n rows with rng (Folds; stratified on y, the
// rows' labels of classes classes, when Stratify) and returns the rows
// of fold Index (held out) and the rest, each ascending. Too few rows for
// K folds is an error naming data.cv.folds.
func (f FoldSpec) Rows(n int, y []int32, classes int, rng *rand.Rand) (held, rest []int, err error) {
	if err := CheckFolds(n, f.K); err != nil {
		return nil, nil, fmt.Errorf("data.cv.folds: %v", err)
	}
	if f.Index < 0 || f.Index >= f.K {
		panic(fmt.Sprintf("data: fold %d of %d", f.Index, f.K))
	}
	if !f.Stratify {
		y = nil
	} else if y == nil {
		return nil, nil, fmt.Errorf("data.cv.stratify: the data has no class labels to stratify on")
	}
	held, rest = FoldRows(Folds(n, f.K, y, classes, rng), f.Index)
	return held, rest, nil
}

// FoldRows returns the rows of fold f (held out) and the rest (trained
// on), each ascending.
func FoldRows(fold []int, f int) (held, rest []int) {
	for i, g := range fold {
		if g == f {
			held = append(held, i)
		} else {
			rest = append(rest, i)
		}
	}
	return held, rest
}

// PartitionInPlace reorders d's rows in place, the rows ti first and the
// rows vi after them, each group in the order given, and returns them as
// two data sets sharing d's buffers (as SplitInPlace, which it serves).
// vi and ti together must be a permutation of d's rows; d must not be
// used afterwards.
func (d *Dataset) PartitionInPlace(vi, ti []int) (train, valid *Dataset) {
	if len(vi)+len(ti) != d.N {
		panic(fmt.Sprintf("data: PartitionInPlace of %d+%d rows of %d", len(vi), len(ti), d.N))
	}
	seen := make([]bool, d.N)
	for _, i := range slices.Concat(ti, vi) {
		if i < 0 || i >= d.N || seen[i] {
			panic(fmt.Sprintf("data: PartitionInPlace: row %d out of range or repeated", i))
		}
		seen[i] = true
	}
	return d.partitionInPlace(vi, ti)
}
