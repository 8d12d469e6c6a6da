//go:build cgo && !purego

package blasbackend

import (
	"math/rand/v2"
	"testing"
)

// TestCopyRows32: on oneDNN with two threads, CopyRows32 copies the rows
// (every one, in order, nothing else written); with one thread, or under
// minCopyRows values, it reports false and writes nothing.
func TestCopyRows32(t *testing.T) {
	const n, d = 1000, 301
	src := make([]float32, n*d)
	for i := range src {
		src[i] = float32(i)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	idx := make([]int, 250)
	for i := range idx {
		idx[i] = rng.IntN(n)
	}
	for _, team := range []int{1, 2, 3} {
		useBackend(t, OneDNNName, team)
		dst := make([]float32, (len(idx)+1)*d)
		dst[len(idx)*d] = -1
		if got := CopyRows32(dst, src, idx, d); got != (team >= 2) {
			t.Fatalf("team %d: CopyRows32 = %v", team, got)
		}
		if team == 1 {
			for i, v := range dst[:len(idx)*d] {
				if v != 0 {
					t.Fatalf("team 1: dst[%d] = %v written", i, v)
				}
			}
			continue
		}
		for k, i := range idx {
			for j := range d {
				if dst[k*d+j] != src[i*d+j] {
					t.Fatalf("team %d: row %d col %d = %v, want %v", team, k, j, dst[k*d+j], src[i*d+j])
				}
			}
		}
		if dst[len(idx)*d] != -1 {
			t.Fatalf("team %d: wrote past the rows", team)
		}
		if CopyRows32(dst, src, idx[:10], d) {
			t.Errorf("team %d: CopyRows32 took a copy of %d values, under minCopyRows", team, 10*d)
		}
	}
}
