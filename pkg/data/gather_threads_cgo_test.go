//go:build cgo && !purego

package data_test

import (
	"math/rand/v2"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/pkg/data"
)

// TestGatherThreads: Gather gives the same rows and labels whether the
// rows are copied on the oneDNN backend's two threads (a batch large
// enough for blasbackend.CopyRows32, which must take it) or by the loop.
func TestGatherThreads(t *testing.T) {
	const n, d, batch = 3000, 301, 200
	ds := &data.Dataset{N: n, D: d, X: make([]float32, n*d), Y: make([]int32, n)}
	for i := range ds.X {
		ds.X[i] = float32(i)
	}
	for i := range ds.Y {
		ds.Y[i] = int32(i % 10)
	}
	idx := rand.New(rand.NewPCG(5, 6)).Perm(n)[:batch]
	if err := blasbackend.Select(blasbackend.OneDNNName); err != nil {
		t.Fatal(err)
	}
	defer blasbackend.Select("")
	if err := blasbackend.Init(2); err != nil {
		t.Fatal(err)
	}
	defer blasbackend.Init(1)
	if !blasbackend.CopyRows32(make([]float32, batch*d), ds.X, idx, d) {
		t.Fatal("CopyRows32 declined a 2-thread copy of a 200×301 batch")
	}
	x, y := make([]float32, batch*d), make([]int32, batch)
	data.CopyRows = blasbackend.CopyRows32 // as internal/train injects it
	defer func() { data.CopyRows = nil }()
	data.Gather(ds, idx, x, y)
	for k, i := range idx {
		if y[k] != ds.Y[i] {
			t.Fatalf("y[%d] = %d, want %d", k, y[k], ds.Y[i])
		}
		for j := range d {
			if x[k*d+j] != ds.X[i*d+j] {
				t.Fatalf("x[%d][%d] = %v, want %v", k, j, x[k*d+j], ds.X[i*d+j])
			}
		}
	}
}
