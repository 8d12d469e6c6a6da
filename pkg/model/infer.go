package model

import (
	"os"
	"strconv"
	"sync"

	"github.com/nnfc/nnfc/pkg/layers"
)

// InferBlockRows is the fewest rows per block for which Infer cuts a
// batch into blocks run at once (see Infer); 0 or less: never (each
// product then runs on the Packer's threads). A variable for benchmarks;
// NNFC_INFER_BLOCK_ROWS sets it at start, to compare the two.
var InferBlockRows = envInt("NNFC_INFER_BLOCK_ROWS", 64)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// inference holds Infer's buffers: one output matrix per layer that
// changes the width (an affine or fused stage), kept between calls.
type inference[T layers.Float] struct {
	out []*layers.Matrix[T] // per layer index; nil for layers computed in place
}

// Pack hands every affine layer's weights to the registered Packer
// (layers.SetPacker) for Infer, and returns how many it packed (0 for a
// float64 network, or without a Packer). Call it once the weights stop
// changing (a model opened for inference): Infer does not see a later
// change until the next Pack, and Unpack returns it to the plain path.
func (n *Net[T]) Pack() int {
	k := 0
	for _, a := range n.Affine {
		if a.Pack() {
			k++
		}
	}
	return k
}

// Unpack drops every packed copy Pack made.
func (n *Net[T]) Unpack() {
	for _, a := range n.Affine {
		a.Unpack()
	}
}

// Infer runs the forward pass for inference on x (N×InputDim) and returns
// the outputs (N×Classes; the autoencoder's reconstruction), owned by the
// network and overwritten by the next Infer (buffers of its own: Scores'
// are left as they are). It computes evaluation mode whatever SetTraining
// says (dropout is the identity, batch normalization uses its running
// statistics) and keeps nothing for a backward pass: activation, batch
// normalization and dropout layers work in place on the affine layers'
// outputs (layers.InPlace), and swish stores no σ. Without packed weights
// its outputs are Scores' in evaluation mode bit for bit; with them
// (Pack) each affine product adds its bias inside the packed GEMM, equal
// to float32 rounding.
//
// With packed weights in every affine layer, every layer computed in
// place, a Packer on T > 1 threads (layers.PackThreads) and at least
// InferBlockRows rows per thread, the batch is cut into T blocks of rows
// run at once, each on one thread from its first layer to its last: no
// thread waits for another between layers, and the element-wise layers
// run on every thread too.
func (n *Net[T]) Infer(x *layers.Matrix[T]) *layers.Matrix[T] {
	if n.inf == nil {
		n.inf = &inference[T]{out: make([]*layers.Matrix[T], len(n.Layers))}
	}
	rows := x.Rows
	// Size the buffers for the whole batch first: the blocks write their
	// rows of the same matrices.
	split := n.inferBlocks(rows)
	if split <= 1 {
		return n.inferRows(x, 0, rows, 0)
	}
	// The calling goroutine runs the first block itself: one goroutine
	// fewer to wake, and its thread is the one already running.
	var wg sync.WaitGroup
	for b := 1; b < split; b++ {
		lo, hi := blockRows(rows, b, split)
		wg.Go(func() { n.inferRows(x, lo, hi, 1) })
	}
	lo, hi := blockRows(rows, 0, split)
	n.inferRows(x, lo, hi, 1)
	wg.Wait()
	return n.inf.whole(len(n.Layers), rows)
}

// inferBlocks is how many blocks of rows Infer runs at once for a batch
// of rows (1: the whole batch in one pass), and sizes the buffers.
func (n *Net[T]) inferBlocks(rows int) int {
	packed, inPlace := true, true
	for i := 0; i < len(n.Layers); i++ {
		switch l := n.Layers[i].(type) {
		case *layers.Affine[T]:
			packed = packed && l.Packed()
			n.inf.size(i, rows, l.Out)
			if n.fusedAt(i) != nil {
				i++ // the ReLU runs in the stage
			}
		case layers.InPlace[T]:
		default:
			inPlace = false
		}
	}
	t := layers.PackThreads()
	if !packed || !inPlace || t <= 1 || InferBlockRows <= 0 || rows < t*InferBlockRows {
		return 1
	}
	return t
}

// blockRows is block b of k of rows: contiguous, 16-row aligned shares.
func blockRows(rows, b, k int) (lo, hi int) {
	units := (rows + 15) / 16
	lo, hi = units*b/k*16, units*(b+1)/k*16
	return min(lo, rows), min(hi, rows)
}

func (f *inference[T]) size(i, rows, cols int) {
	if f.out[i] == nil {
		f.out[i] = &layers.Matrix[T]{}
	}
	f.out[i].Resize(rows, cols)
}

// whole is the output of the last width-changing layer before layer end,
// over all rows.
func (f *inference[T]) whole(end, rows int) *layers.Matrix[T] {
	for i := end - 1; i >= 0; i-- {
		if m := f.out[i]; m != nil {
			return m
		}
	}
	panic("model: Infer without an affine layer")
}

// inferRows runs rows [lo, hi) of x through the network, writing rows
// [lo, hi) of the buffers inferBlocks sized (threads: the packed products' thread count,
// 0 for the default), and returns the last layer's output for those rows
// (a layer without an inference pass returns its Forward's).
func (n *Net[T]) inferRows(x *layers.Matrix[T], lo, hi, threads int) *layers.Matrix[T] {
	h := rowView(x, lo, hi)
	for i := 0; i < len(n.Layers); i++ {
		switch l := n.Layers[i].(type) {
		case *layers.Affine[T]:
			out := rowView(n.inf.out[i], lo, hi)
			if f := n.fusedAt(i); f != nil {
				f.Infer(h, out, threads)
				i++
			} else {
				l.Infer(h, out, threads)
			}
			h = out
		case layers.InPlace[T]:
			l.InferInPlace(h)
		default:
			h = l.Forward(h)
		}
	}
	return h
}

// rowView is rows [lo, hi) of m, sharing its data.
func rowView[T layers.Float](m *layers.Matrix[T], lo, hi int) *layers.Matrix[T] {
	if lo == 0 && hi == m.Rows {
		return m
	}
	return &layers.Matrix[T]{Rows: hi - lo, Cols: m.Cols, Data: m.Data[lo*m.Cols : hi*m.Cols]}
}
