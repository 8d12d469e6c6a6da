package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSplitInPlaceMatchesSplit checks that SplitInPlace draws the same
// split as Split and returns equal data sets, for split sizes from none to
// all.
func TestSplitInPlaceMatchesSplit(t *testing.T) {
	const n, d = 37, 3
	fresh := func() *Dataset {
		ds := &Dataset{Name: "t", X: make([]float32, n*d), Y: make([]int32, n), N: n, D: d, Classes: 5}
		for i := range ds.X {
			ds.X[i] = float32(i)
		}
		for i := range ds.Y {
			ds.Y[i] = int32(i % 5)
		}
		return ds
	}
	for _, val := range []int{0, 1, 10, n - 1, n} {
		trA, vaA := fresh().Split(val, rand.New(rand.NewPCG(1, 2)))
		trB, vaB := fresh().SplitInPlace(val, rand.New(rand.NewPCG(1, 2)))
		for _, p := range [][2]*Dataset{{trA, trB}, {vaA, vaB}} {
			a, b := p[0], p[1]
			if a.Name != b.Name || a.N != b.N || a.D != b.D || a.Classes != b.Classes ||
				!slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) {
				t.Errorf("val=%d: SplitInPlace gave %s N=%d, Split gave %s N=%d, or their rows differ", val, b.Name, b.N, a.Name, a.N)
			}
			if err := b.Validate(); err != nil {
				t.Errorf("val=%d: %v", val, err)
			}
		}
	}
}
