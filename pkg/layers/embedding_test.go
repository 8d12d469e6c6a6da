package layers

import (
	"slices"
	"testing"
)

// TestEmbeddingForward checks the lookup by hand: dense columns first, in
// order, then each index column's table row; an index out of range panics.
func TestEmbeddingForward(t *testing.T) {
	e := NewEmbedding[float32]("", 3, []EmbedColumn{{Col: 1, Vocab: 3, Dim: 2}})
	copy(e.Tables[0].Data, []float32{10, 11, 20, 21, 30, 31})
	x := &Matrix[float32]{Rows: 2, Cols: 3, Data: []float32{0.5, 2, -1, 7, 0, 8}}
	out := e.Forward(x)
	if want := []float32{0.5, -1, 30, 31, 7, 8, 10, 11}; out.Cols != 4 || !slices.Equal(out.Data, want) {
		t.Fatalf("out %v (%d cols), expected %v", out.Data, out.Cols, want)
	}
	dout := &Matrix[float32]{Rows: 2, Cols: 4, Data: []float32{1, 2, 3, 4, 5, 6, 7, 8}}
	dx := e.Backward(dout)
	if want := []float32{1, 0, 2, 5, 0, 6}; !slices.Equal(dx.Data, want) {
		t.Fatalf("dx %v, expected %v", dx.Data, want)
	}
	if want := []float32{7, 8, 0, 0, 3, 4}; !slices.Equal(e.Tables[0].Grad, want) {
		t.Fatalf("dE %v, expected %v", e.Tables[0].Grad, want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("index 3 of a vocabulary of 3 did not panic")
		}
	}()
	x.Data[1] = 3
	e.Forward(x)
}
