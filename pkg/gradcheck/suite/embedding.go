package suite

import (
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
)

// The embedding layer on a batch of 6 rows of 5 inputs: dense columns 0,
// 2 and 4, index columns 1 (vocabulary 4, dimension 3) and 3 (vocabulary
// 3, dimension 2). The indices repeat within the batch, so a table row
// collects the gradient of several rows.
var embedCols = []layers.EmbedColumn{{Col: 1, Vocab: 4, Dim: 3}, {Col: 3, Vocab: 3, Dim: 2}}

func embeddingCheck() Check {
	return Check{
		Name: "layer/embedding",
		Doc: "input and table gradients of the embedding lookup (6×5 batch, tables 4×3 and 3×2, indices repeated in the batch); " +
			"negative: a table row keeps only the last row's gradient (= instead of +=)",
		Run:      func() []gradcheck.Result { return runEmbedding(false) },
		Negative: func() []gradcheck.Result { return runEmbedding(true) },
	}
}

func runEmbedding(wrong bool) []gradcheck.Result {
	rng := rand.New(rand.NewPCG(23, 24))
	e := layers.NewEmbedding[float64]("", 5, embedCols)
	for _, p := range e.Params() {
		for i := range p.Data {
			p.Data[i] = rng.NormFloat64()
		}
	}
	x := randMatrix(rng, 6, 5)
	for i := range x.Rows {
		x.Data[i*5+1] = float64([]int{0, 3, 3, 1, 0, 3}[i])
		x.Data[i*5+3] = float64([]int{2, 2, 0, 1, 2, 0}[i])
	}
	var l layers.Layer[float64] = e
	if wrong {
		l = &embeddingMistake{Embedding: e}
	}
	return gradcheck.Layer("layer/embedding", l, x, rng, threshold)
}

// embeddingMistake overwrites a table row's gradient with each row's
// instead of adding: right for indices seen once, wrong for repeats.
type embeddingMistake struct {
	*layers.Embedding[float64]
	x *layers.Matrix[float64]
}

func (m *embeddingMistake) Forward(x *layers.Matrix[float64]) *layers.Matrix[float64] {
	m.x = x
	return m.Embedding.Forward(x)
}

func (m *embeddingMistake) Backward(dout *layers.Matrix[float64]) *layers.Matrix[float64] {
	dx := m.Embedding.Backward(dout)
	for _, t := range m.Tables {
		clear(t.Grad)
	}
	dense := m.In - len(m.Cols)
	for i := range dout.Rows {
		o := dense
		for k, c := range m.Cols {
			r := int(m.x.At(i, c.Col))
			copy(m.Tables[k].Grad[r*c.Dim:(r+1)*c.Dim], dout.Row(i)[o:o+c.Dim])
			o += c.Dim
		}
	}
	return dx
}
