package layers

import (
	"fmt"
	"math"
)

// EmbedColumn is one categorical input of an Embedding: the input column
// holding a category index (0..Vocab-1, as a float), looked up in a
// Vocab×Dim table.
type EmbedColumn struct {
	Col   int `json:"col"`   // 0-based input column holding the index
	Vocab int `json:"vocab"` // rows of the table: the number of categories
	Dim   int `json:"dim"`   // columns of the table: the embedding size
}

// Embedding is a learned lookup table for high-cardinality categorical
// inputs (fastai's and Keras's entity embeddings), as the first layer of
// a table network. Its input row mixes dense values and index columns; its
// output keeps the dense values in their order and puts, after them, each
// index column's table row:
//
//	x is (N, In): In = dense columns + len(Cols) index columns
//	out is (N, In − len(Cols) + Σ Dim): [dense... | E_0[x[:,c_0]] | E_1[...] ...]
//
// An index is rounded to the nearest integer and must lie in [0, Vocab):
// the table encoder (pkg/data) writes exact small integers, and anything
// else is a programmer error (panic). Table k is the parameter
// prefix+"embed.k.weight" of shape [Vocab_k, Dim_k] (PyTorch's
// nn.Embedding(Vocab_k, Dim_k).weight in an nn.ModuleList named embed),
// initialized by the caller.
type Embedding[T Float] struct {
	In     int
	Cols   []EmbedColumn
	Tables []*Param[T]
	// SkipInputGrad leaves dx uncomputed (Backward returns nil): the
	// layer is the first of its network, and nothing needs ∂loss/∂x.
	SkipInputGrad bool
	// OverwriteGrad makes Backward write the tables' gradients (clear,
	// then accumulate over the batch) instead of adding to them, as
	// Affine.OverwriteGrad does for a network that zeroes no gradient.
	OverwriteGrad bool

	dense   []int      // input columns copied through, in order
	isIndex []bool     // per input column
	idx     [][]int32  // cache: the rounded indices of the last Forward, per table
	x       *Matrix[T] // cache: the last input (not a copy)
	out, dx *Matrix[T]
}

// NewEmbedding returns an embedding layer over In input columns with zero
// tables.
func NewEmbedding[T Float](prefix string, in int, cols []EmbedColumn) *Embedding[T] {
	e := &Embedding[T]{In: in, Cols: cols, isIndex: make([]bool, in)}
	for k, c := range cols {
		if c.Col < 0 || c.Col >= in || c.Vocab <= 0 || c.Dim <= 0 || e.isIndex[c.Col] {
			panic(fmt.Sprintf("layers: NewEmbedding: column %+v invalid for %d inputs (or repeated)", c, in))
		}
		e.isIndex[c.Col] = true
		e.Tables = append(e.Tables, NewParam[T](fmt.Sprintf("%sembed.%d.weight", prefix, k), true, c.Vocab, c.Dim))
	}
	for j := range in {
		if !e.isIndex[j] {
			e.dense = append(e.dense, j)
		}
	}
	e.idx = make([][]int32, len(cols))
	return e
}

// OutDim is the width of the output: dense columns plus every Dim.
func (e *Embedding[T]) OutDim() int {
	n := len(e.dense)
	for _, c := range e.Cols {
		n += c.Dim
	}
	return n
}

// Forward: x is (N, In); out is (N, OutDim()): out[i] = [x[i, dense] |
// E_k[round(x[i, c_k])] for each k].
func (e *Embedding[T]) Forward(x *Matrix[T]) *Matrix[T] {
	if x.Cols != e.In {
		panic(fmt.Sprintf("layers: embedding expects %d input columns, got %d", e.In, x.Cols))
	}
	e.x = x
	D := e.OutDim()
	e.out = ensure(e.out, x.Rows, D)
	for k, c := range e.Cols {
		if cap(e.idx[k]) < x.Rows {
			e.idx[k] = make([]int32, x.Rows)
		}
		e.idx[k] = e.idx[k][:x.Rows]
		for i := range x.Rows {
			v := math.Round(float64(x.Data[i*x.Cols+c.Col]))
			if !(v >= 0 && v < float64(c.Vocab)) {
				panic(fmt.Sprintf("layers: embedding %s: row %d index %v out of range [0, %d)", e.Tables[k].Name, i, x.Data[i*x.Cols+c.Col], c.Vocab))
			}
			e.idx[k][i] = int32(v)
		}
	}
	for i := range x.Rows {
		xi, oi := x.Row(i), e.out.Row(i)
		for o, j := range e.dense {
			oi[o] = xi[j]
		}
		o := len(e.dense)
		for k, c := range e.Cols {
			r := int(e.idx[k][i])
			copy(oi[o:o+c.Dim], e.Tables[k].Data[r*c.Dim:(r+1)*c.Dim])
			o += c.Dim
		}
	}
	return e.out
}

// Backward: forward copied x[i, dense] and the rows E_k[idx_k[i]], so
// dx[i, dense] = dout[i, :len(dense)], dx[i, c_k] = 0 (an index has no
// gradient), and dE_k[idx_k[i]] += dout[i, its block] — accumulated, as a
// category seen in several rows of a batch gets the sum of their
// gradients (and with OverwriteGrad the tables' gradients are cleared
// first). With SkipInputGrad, dx is not computed and Backward returns
// nil.
func (e *Embedding[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	x := e.x
	if dout.Rows != x.Rows || dout.Cols != e.OutDim() {
		panic(fmt.Sprintf("layers: embedding backward got dout %d×%d, want %d×%d", dout.Rows, dout.Cols, x.Rows, e.OutDim()))
	}
	if e.OverwriteGrad {
		for _, t := range e.Tables {
			clear(t.Grad)
		}
	}
	dense := len(e.dense)
	for i := range dout.Rows {
		di := dout.Row(i)
		o := dense
		for k, c := range e.Cols {
			r := int(e.idx[k][i])
			g := e.Tables[k].Grad[r*c.Dim : (r+1)*c.Dim]
			for d, v := range di[o : o+c.Dim] {
				g[d] += v
			}
			o += c.Dim
		}
	}
	if e.SkipInputGrad {
		return nil
	}
	e.dx = ensure(e.dx, x.Rows, e.In)
	clear(e.dx.Data)
	for i := range dout.Rows {
		di, dxi := dout.Row(i), e.dx.Row(i)
		for o, j := range e.dense {
			dxi[j] = di[o]
		}
	}
	return e.dx
}

// BackwardUpdate is Backward with the optimizer step u applied to each
// table inside it (see Update): the table's gradient is written (cleared,
// then accumulated over the batch as Backward does), decay·E is added
// (the L2 term; decay = 0 adds none), and u updates the whole table —
// every row, as PyTorch's dense nn.Embedding gradient does, so that a
// rule with state (momentum, Adam's moments) treats a row absent from the
// batch exactly as Step would after Backward.
func (e *Embedding[T]) BackwardUpdate(dout *Matrix[T], u Update[T], decay T) *Matrix[T] {
	overwrite := e.OverwriteGrad
	e.OverwriteGrad = true
	dx := e.Backward(dout)
	e.OverwriteGrad = overwrite
	for _, t := range e.Tables {
		if decay != 0 {
			for i, w := range t.Data {
				t.Grad[i] += decay * w
			}
		}
		u.Apply(t, 0, len(t.Data))
	}
	return dx
}

// Params returns the tables.
func (e *Embedding[T]) Params() []*Param[T] { return e.Tables }
