package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Dataset is a labelled set of samples held in one contiguous float32 buffer.
//
// Its target is the class index of each row (Y), or a float matrix
// (Target, N×K) for a task that predicts numbers or several labels, or
// both; Y is nil when the data have no classes. W, when not nil, weighs
// the rows. Gather copies the inputs and labels of a minibatch,
// GatherTarget its float targets and weights, neither allocating.
type Dataset struct {
	Name string    // e.g. "mnist/train" or the file path
	X    []float32 // N*D, row-major: sample i is X[i*D:(i+1)*D]
	// X64, when not nil, holds the same features in float64, as read from
	// a text file (CSVOptions.Float64): X has them rounded to float32.
	// Gather into a float64 batch copies from X64, so float64 training
	// sees the values of the file, not their float32 roundings.
	X64     []float64
	Y       []int32 // N labels in [0, Classes); nil without classes
	N, D    int
	Classes int
	// Target, when not nil, is the float target of each row: N×K,
	// row-major, row i is Target[i*K:(i+1)*K]. It is float64 whatever
	// the training precision: the values of the file, standardized
	// once; GatherTarget converts a minibatch's rows to its element type.
	Target []float64
	K      int
	// TargetMean and TargetStd, when not nil (K each), say that Target
	// holds standardized values (v − TargetMean[j]) / TargetStd[j] (a
	// table's schema fits them on the training split); a value v of the
	// data's units is TargetMean[j] + TargetStd[j]·Target[i*K+j]. Nil:
	// Target is in the data's units.
	TargetMean, TargetStd []float64
	// TargetNames names the K target columns (nil: unnamed).
	TargetNames []string
	// W, when not nil, is the sample weight of each row (N, finite and
	// ≥ 0); nil: every row weighs 1.
	W []float32
	// Embed lists the inputs that hold a category index (a table's
	// columns with an embedding, Schema.EmbedInputs): no normalizer
	// touches them, and the network looks them up in its tables.
	Embed []EmbedInput
}

// Row returns sample i as a view into d.X. Its capacity is limited to D,
// so appending to it cannot overwrite the next sample.
func (d *Dataset) Row(i int) []float32 {
	if i < 0 || i >= d.N {
		panic(fmt.Sprintf("data: Row(%d) out of range for %d samples", i, d.N))
	}
	return d.X[i*d.D : (i+1)*d.D : (i+1)*d.D]
}

// Subset returns a new Dataset holding copies of the rows idx, in that
// order. Indices may repeat. Subset panics on an index out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	s := &Dataset{
		Name:    d.Name,
		X:       make([]float32, len(idx)*d.D),
		Y:       make([]int32, len(idx)),
		N:       len(idx),
		D:       d.D,
		Classes: d.Classes,
		K:       d.K,
		Embed:   d.Embed,
	}
	s.copyTargetMeta(d)
	Gather(d, idx, s.X, s.Y)
	if d.X64 != nil {
		s.X64 = make([]float64, len(idx)*d.D)
		Gather(d, idx, s.X64, s.Y)
	}
	if d.Y == nil {
		s.Y = nil
	}
	if d.Target != nil {
		K := d.K
		s.Target = make([]float64, len(idx)*K)
		for k, i := range idx {
			copy(s.Target[k*K:(k+1)*K], d.Target[i*K:(i+1)*K])
		}
	}
	if d.W != nil {
		s.W = make([]float32, len(idx))
		for k, i := range idx {
			s.W[k] = d.W[i]
		}
	}
	return s
}

// copyTargetMeta gives s the target's scaling and names of d (shared:
// they are never written after they are fitted).
func (s *Dataset) copyTargetMeta(d *Dataset) {
	s.TargetMean, s.TargetStd, s.TargetNames = d.TargetMean, d.TargetStd, d.TargetNames
}

// Validate checks that the sizes agree, that every label lies in
// [0, Classes) and that every feature is finite. The error names d.Name and
// the first bad position.
func (d *Dataset) Validate() error {
	if d == nil {
		return fmt.Errorf("data: nil dataset")
	}
	switch {
	case d.N < 0 || d.D < 0:
		return fmt.Errorf("%s: negative size N=%d, D=%d", d.Name, d.N, d.D)
	case len(d.X) != d.N*d.D:
		return fmt.Errorf("%s: len(X) is %d, expected N*D = %d*%d = %d", d.Name, len(d.X), d.N, d.D, d.N*d.D)
	case d.X64 != nil && len(d.X64) != d.N*d.D:
		return fmt.Errorf("%s: len(X64) is %d, expected N*D = %d*%d = %d", d.Name, len(d.X64), d.N, d.D, d.N*d.D)
	case d.Y != nil && len(d.Y) != d.N:
		return fmt.Errorf("%s: len(Y) is %d, expected N = %d", d.Name, len(d.Y), d.N)
	case d.Y != nil && d.N > 0 && d.Classes < 1:
		return fmt.Errorf("%s: Classes is %d, expected at least 1", d.Name, d.Classes)
	case d.Target != nil && (d.K < 1 || len(d.Target) != d.N*d.K):
		return fmt.Errorf("%s: len(Target) is %d with K = %d, expected N*K = %d*%d and K ≥ 1", d.Name, len(d.Target), d.K, d.N, d.K)
	case d.TargetMean != nil && (len(d.TargetMean) != d.K || len(d.TargetStd) != d.K):
		return fmt.Errorf("%s: %d target means and %d stds, expected K = %d of each", d.Name, len(d.TargetMean), len(d.TargetStd), d.K)
	case d.W != nil && len(d.W) != d.N:
		return fmt.Errorf("%s: len(W) is %d, expected N = %d", d.Name, len(d.W), d.N)
	}
	for k, v := range d.Target {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: sample %d, target %d: value %v, expected a finite number", d.Name, k/d.K, k%d.K, v)
		}
	}
	for i, w := range d.W {
		if !(w >= 0) || math.IsInf(float64(w), 0) {
			return fmt.Errorf("%s: sample %d: weight %v, expected a finite number ≥ 0", d.Name, i, w)
		}
	}
	for i, y := range d.Y {
		if y < 0 || int(y) >= d.Classes {
			return fmt.Errorf("%s: sample %d: label %d out of range, expected 0..%d", d.Name, i, y, d.Classes-1)
		}
	}
	for k, v := range d.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: sample %d, feature %d: value %v, expected a finite number", d.Name, k/d.D, k%d.D, v)
		}
	}
	return nil
}

// Split carves val samples chosen at random with rng out of d and returns
// the rest as train. Both keep the original order of their rows, and both
// are copies. The result depends only on d.N, val and the state of rng.
// Split panics unless 0 <= val <= d.N; use ValCount to validate user input.
func (d *Dataset) Split(val int, rng *rand.Rand) (train, valid *Dataset) {
	vi, ti := d.splitIndices("Split", val, rng)
	train, valid = d.Subset(ti), d.Subset(vi)
	train.Name, valid.Name = d.Name+"[train]", d.Name+"[val]"
	return train, valid
}

// SplitInPlace is Split without copying: it reorders d's rows in place
// so that the training rows come first and the validation rows after them,
// each group in its original order, and returns two data sets that share
// d's buffers (capacities limited, so appending to one cannot reach the
// other). It draws the same split from rng as Split and returns equal data
// sets, but d is consumed: its row order changes and it must not be used
// afterwards. It is the loader's choice when the data set is most of the
// memory a run uses: the split then costs one row of scratch space.
func (d *Dataset) SplitInPlace(val int, rng *rand.Rand) (train, valid *Dataset) {
	vi, ti := d.splitIndices("SplitInPlace", val, rng)
	return d.partitionInPlace(vi, ti)
}

// partitionInPlace is PartitionInPlace without its checks.
func (d *Dataset) partitionInPlace(vi, ti []int) (train, valid *Dataset) {
	// Row k of the result is row order[k] of d. Apply the permutation
	// cycle by cycle: each cycle moves its rows along with one row of
	// scratch.
	order := append(ti[:len(ti):len(ti)], vi...)
	D := d.D
	permuteRows(d.X, D, order)
	if d.X64 != nil {
		permuteRows(d.X64, D, order)
	}
	nt := len(ti)
	train = &Dataset{Name: d.Name + "[train]", X: d.X[: nt*D : nt*D], N: nt, D: D, Classes: d.Classes, K: d.K}
	valid = &Dataset{Name: d.Name + "[val]", X: d.X[nt*D : d.N*D : d.N*D], N: d.N - nt, D: D, Classes: d.Classes, K: d.K}
	train.copyTargetMeta(d)
	valid.copyTargetMeta(d)
	if d.Y != nil {
		permuteRows(d.Y, 1, order)
		train.Y, valid.Y = d.Y[:nt:nt], d.Y[nt:d.N:d.N]
	}
	train.Embed, valid.Embed = d.Embed, d.Embed
	if d.X64 != nil {
		train.X64, valid.X64 = d.X64[:nt*D:nt*D], d.X64[nt*D:d.N*D:d.N*D]
	}
	if d.Target != nil {
		K := d.K
		permuteRows(d.Target, K, order)
		train.Target, valid.Target = d.Target[:nt*K:nt*K], d.Target[nt*K:d.N*K:d.N*K]
	}
	if d.W != nil {
		permuteRows(d.W, 1, order)
		train.W, valid.W = d.W[:nt:nt], d.W[nt:d.N:d.N]
	}
	return train, valid
}

// permuteRows reorders the rows of x (of width D) in place so that row k
// of the result is row order[k] of x, cycle by cycle with one row of
// scratch.
func permuteRows[E any](x []E, D int, order []int) {
	done := make([]bool, len(order))
	tmp := make([]E, D)
	for k := range order {
		if done[k] || order[k] == k {
			done[k] = true
			continue
		}
		copy(tmp, x[k*D:(k+1)*D])
		j := k
		for {
			done[j] = true
			src := order[j]
			if src == k {
				copy(x[j*D:(j+1)*D], tmp)
				break
			}
			copy(x[j*D:(j+1)*D], x[src*D:(src+1)*D])
			j = src
		}
	}
}

// splitIndices draws the validation and training rows of a split, each in
// ascending order.
func (d *Dataset) splitIndices(fn string, val int, rng *rand.Rand) (vi, ti []int) {
	if val < 0 || val > d.N {
		panic(fmt.Sprintf("data: %s(%d) out of range for %d samples", fn, val, d.N))
	}
	perm := make([]int, d.N)
	for i := range perm {
		perm[i] = i
	}
	Shuffle(perm, rng)
	vi, ti = perm[:val], perm[val:]
	slices.Sort(vi)
	slices.Sort(ti)
	return vi, ti
}

// ValCount resolves a validation size given either as a count or as a
// fraction of n samples into a count. At most one of count and fraction may
// be non-zero; both zero means no validation split (0). A fraction is
// rounded to the nearest count. The result must leave at least one
// training sample, and a non-zero request must yield at least one
// validation sample.
func ValCount(n int, count int, fraction float64) (int, error) {
	switch {
	case n < 0:
		return 0, fmt.Errorf("dataset size %d is negative", n)
	case count < 0:
		return 0, fmt.Errorf("validation count %d is negative, expected >= 0", count)
	case math.IsNaN(fraction) || fraction < 0 || fraction >= 1:
		return 0, fmt.Errorf("validation fraction %v out of range, expected 0 <= fraction < 1", fraction)
	case count != 0 && fraction != 0:
		return 0, fmt.Errorf("validation given both as count %d and as fraction %v, expected only one", count, fraction)
	}
	v := count
	if fraction != 0 {
		v = int(math.Round(fraction * float64(n)))
		if v == 0 {
			return 0, fmt.Errorf("validation fraction %v of %d samples rounds to 0 samples", fraction, n)
		}
	}
	if v != 0 && v >= n {
		return 0, fmt.Errorf("validation size %d leaves no training samples out of %d", v, n)
	}
	return v, nil
}

// CopyRows, when set, copies the rows idx of src (d values each) into dst
// on several threads and reports whether it did; false leaves the copy to
// Gather's own loop. The package imports no backend: the program injects
// one before gathering (internal/train sets the oneDNN backend's
// blasbackend.CopyRows32, which takes float32 gathers of 2^15 values or
// more on two threads or more). Nil: the loop.
var CopyRows func(dst, src []float32, idx []int, d int) bool

// Gather copies the rows idx of d into x (len(idx)*D, row-major) and their
// labels into y (len(idx); left as they are when d has no labels). It does
// not allocate, so x and y can be reused for every minibatch. Gather
// panics when the sizes do not match or an index is out of range: those
// are programmer errors. A float32 gather goes through CopyRows when it is
// set (BenchmarkGatherLarge). GatherTarget gathers the float targets and
// the weights.
func Gather[T float32 | float64](d *Dataset, idx []int, x []T, y []int32) {
	if d.Y == nil {
		gatherX(d, idx, x, len(y))
		return
	}
	D := d.D
	if len(x) != len(idx)*D || len(y) != len(idx) {
		panic(fmt.Sprintf("data: Gather: %d indices of %d features need len(x)=%d, len(y)=%d; got %d, %d",
			len(idx), D, len(idx)*D, len(idx), len(x), len(y)))
	}
	for _, i := range idx {
		if i < 0 || i >= d.N {
			panic(fmt.Sprintf("data: Gather: index %d out of range for %d samples", i, d.N))
		}
	}
	if x32, ok := any(x).([]float32); ok {
		if CopyRows != nil && CopyRows(x32, d.X, idx, D) {
			for k, i := range idx {
				y[k] = d.Y[i]
			}
			return
		}
		for k, i := range idx {
			copy(x32[k*D:(k+1)*D], d.X[i*D:(i+1)*D])
			y[k] = d.Y[i]
		}
		return
	}
	if x64, ok := any(x).([]float64); ok && d.X64 != nil {
		for k, i := range idx {
			copy(x64[k*D:(k+1)*D], d.X64[i*D:(i+1)*D])
			y[k] = d.Y[i]
		}
		return
	}
	for k, i := range idx {
		dst := x[k*D : (k+1)*D]
		for j, v := range d.X[i*D : (i+1)*D] {
			dst[j] = T(v)
		}
		y[k] = d.Y[i]
	}
}

// gatherX is Gather for data without labels: the rows only (ny is the
// length of the caller's label buffer, checked as Gather checks it).
func gatherX[T float32 | float64](d *Dataset, idx []int, x []T, ny int) {
	D := d.D
	if len(x) != len(idx)*D || ny != len(idx) {
		panic(fmt.Sprintf("data: Gather: %d indices of %d features need len(x)=%d, len(y)=%d; got %d, %d",
			len(idx), D, len(idx)*D, len(idx), len(x), ny))
	}
	for _, i := range idx {
		if i < 0 || i >= d.N {
			panic(fmt.Sprintf("data: Gather: index %d out of range for %d samples", i, d.N))
		}
	}
	if x32, ok := any(x).([]float32); ok {
		if CopyRows == nil || !CopyRows(x32, d.X, idx, D) {
			for k, i := range idx {
				copy(x32[k*D:(k+1)*D], d.X[i*D:(i+1)*D])
			}
		}
		return
	}
	for k, i := range idx {
		dst := x[k*D : (k+1)*D]
		if d.X64 != nil {
			for j, v := range d.X64[i*D : (i+1)*D] {
				dst[j] = T(v)
			}
			continue
		}
		for j, v := range d.X[i*D : (i+1)*D] {
			dst[j] = T(v)
		}
	}
}

// GatherTarget copies the float targets of the rows idx of d into v
// (len(idx)*K, row-major) and their weights into w (len(idx)), converting
// to T. Each is skipped when d has none (then v or w may be nil); it does
// not allocate. It panics on a size mismatch or an index out of range
// (programmer errors); call it after Gather, which checks the indices.
func GatherTarget[T float32 | float64](d *Dataset, idx []int, v, w []T) {
	if d.Target != nil {
		K := d.K
		if len(v) != len(idx)*K {
			panic(fmt.Sprintf("data: GatherTarget: %d indices of %d targets need len(v)=%d, got %d", len(idx), K, len(idx)*K, len(v)))
		}
		for k, i := range idx {
			src := d.Target[i*K : (i+1)*K]
			dst := v[k*K : (k+1)*K]
			for j, t := range src {
				dst[j] = T(t)
			}
		}
	}
	if d.W != nil {
		if len(w) != len(idx) {
			panic(fmt.Sprintf("data: GatherTarget: %d indices need len(w)=%d, got %d", len(idx), len(idx), len(w)))
		}
		for k, i := range idx {
			w[k] = T(d.W[i])
		}
	}
}

// Shuffle permutes perm in place with the Fisher–Yates algorithm, drawing
// from rng only: for i from len(perm)-1 down to 1, swap perm[i] with
// perm[rng.IntN(i+1)]. Identical rng states give identical permutations.
// To draw a random permutation, fill perm with 0..n-1 first.
func Shuffle(perm []int, rng *rand.Rand) {
	for i := len(perm) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
}

// sparseLabels checks labels whose number of classes is inferred (the
// largest label plus one). It returns the index of the first sample with
// the largest label when that label would leave more than half of the
// inferred classes without a sample (labels 0..3 and one 99 would make
// 100 classes, 95 of them empty: a typo or a stray value, not a class
// count), else -1; and the number of distinct labels.
func sparseLabels(y []int32) (at, distinct int) {
	ymax := int32(-1)
	for _, v := range y {
		ymax = max(ymax, v)
	}
	if ymax < 0 {
		return -1, 0
	}
	seen := make([]bool, int(ymax)+1)
	at = -1
	for i, v := range y {
		if !seen[v] {
			seen[v] = true
			distinct++
		}
		if v == ymax && at < 0 {
			at = i
		}
	}
	if 2*distinct >= int(ymax)+1 {
		return -1, distinct
	}
	return at, distinct
}

// sparseError is the error for sparseLabels' finding: label v at pos.
func sparseError(pos string, v int32, distinct int) error {
	return fmt.Errorf("%s: label %d would make %d classes, %d of them without a sample (the labels take %d distinct values); if the data has %d classes, declare them with data.classes: %d",
		pos, v, v+1, int(v)+1-distinct, distinct, v+1, v+1)
}

// EmptyClasses lists the classes in [0, classes) that no label of the
// data sets has, in order.
func EmptyClasses(classes int, sets ...*Dataset) []int {
	seen := make([]bool, classes)
	for _, d := range sets {
		if d == nil {
			continue
		}
		for _, v := range d.Y {
			if v >= 0 && int(v) < classes {
				seen[v] = true
			}
		}
	}
	var empty []int
	for c, s := range seen {
		if !s {
			empty = append(empty, c)
		}
	}
	return empty
}
