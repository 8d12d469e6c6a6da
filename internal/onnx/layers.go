package onnx

import (
	"fmt"
	"math"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/pkg/layers"
)

// layer adds the nodes of one inference-mode layer reading the value x and
// returns the name of its output. It is the one place where nnfc's layer
// kinds map to ONNX: a new layer kind is one more case here and one
// function beside the others below.
func layer(g *graph, l layers.Layer[float64], x string) (string, error) {
	switch l := l.(type) {
	case *layers.Affine[float64]:
		return affine(g, l, x), nil
	case *layers.Embedding[float64]:
		return embedding(g, l, x), nil
	case *layers.BatchNorm[float64]:
		return batchNorm(g, l, x)
	case *layers.Dropout[float64]:
		return x, nil // the identity at inference (inverted dropout scales in training)
	case *layers.ReLU[float64]:
		return g.node("Relu", "", []string{x}), nil
	case *layers.LeakyReLU[float64]:
		return g.node("LeakyRelu", "", []string{x}, attrFloat("alpha", float32(l.Alpha))), nil
	case *layers.Sigmoid[float64]:
		return g.node("Sigmoid", "", []string{x}), nil
	case *layers.Tanh[float64]:
		return g.node("Tanh", "", []string{x}), nil
	case *layers.Swish[float64]:
		return swish(g, x), nil
	}
	return "", fmt.Errorf("layer %T has no ONNX exporter", l)
}

// affine is out = x·Wᵀ + b: Gemm with transB = 1, since nnfc's W is
// [out, in] like nn.Linear's.
func affine(g *graph, l *layers.Affine[float64], x string) string {
	w := g.constant("W", []int64{int64(l.Out), int64(l.In)}, append([]float64(nil), l.W.Data...))
	b := g.constant("b", []int64{int64(l.Out)}, append([]float64(nil), l.B.Data...))
	return g.node("Gemm", "", []string{x, w, b}, attrInt("transB", 1))
}

// embedding is the lookup of a table network's first layer: its output
// row is the input's dense columns in order, then for each index column
// c_k the row of table E_k it names:
//
//	out = Concat(Gather(x, dense, axis 1), Gather(E_0, Cast(x[:, c_0])), ...)
//
// Gather with a scalar column index gives the [N] indices, Cast makes
// them int64 (nnfc rounds; the encoder writes exact small integers, the
// same either way), and Gather on axis 0 of the [Vocab, Dim] table the
// [N, Dim] rows. An index outside the table is an error in ONNX Runtime
// as in nnfc.
func embedding(g *graph, l *layers.Embedding[float64], x string) string {
	var dense []int64
	isIndex := make([]bool, l.In)
	for _, c := range l.Cols {
		isIndex[c.Col] = true
	}
	for j := range l.In {
		if !isIndex[j] {
			dense = append(dense, int64(j))
		}
	}
	var parts []string
	if len(dense) > 0 {
		cols := g.intConstant("dense_columns", []int64{int64(len(dense))}, dense)
		parts = append(parts, g.node("Gather", "dense", []string{x, cols}, attrInt("axis", 1)))
	}
	for k, c := range l.Cols {
		col := g.intConstant(fmt.Sprintf("embed_%d_column", k), []int64{}, []int64{int64(c.Col)})
		idx := g.node("Cast", fmt.Sprintf("embed_%d_index", k), []string{g.node("Gather", "", []string{x, col}, attrInt("axis", 1))},
			attrInt("to", int64(onnxpb.TensorProto_INT64)))
		e := g.constant(fmt.Sprintf("embed_%d_weight", k), []int64{int64(c.Vocab), int64(c.Dim)}, append([]float64(nil), l.Tables[k].Data...))
		parts = append(parts, g.node("Gather", fmt.Sprintf("embed_%d", k), []string{e, idx}, attrInt("axis", 0)))
	}
	return g.node("Concat", "embedded", parts, attrInt("axis", 1))
}

// batchNorm folds inference-mode batch normalization into the Gemm that
// produces x: out = γ·(x·Wᵀ + b − μ)/√(σ²+eps) + β is the Gemm with each
// row j of W scaled by s_j = γ_j/√(σ²_j+eps) and bias (b_j − μ_j)·s_j + β_j,
// exact in real arithmetic (the folded values are computed in float64 and
// rounded once to the graph's type). nnfc puts batch normalization right
// after an affine layer only; anything else is refused.
func batchNorm(g *graph, l *layers.BatchNorm[float64], x string) (string, error) {
	gemm := g.producer[x]
	if gemm == nil || gemm.GetOpType() != "Gemm" || len(gemm.Input) != 3 || g.uses[x] != 0 {
		return "", fmt.Errorf("batch normalization %s does not follow an affine layer: it cannot be folded", l.Gamma.Name)
	}
	w, b := g.consts[gemm.Input[1]], g.consts[gemm.Input[2]]
	if w == nil || b == nil || g.uses[gemm.Input[1]] != 1 || g.uses[gemm.Input[2]] != 1 || len(w.shape) != 2 || int(w.shape[0]) != l.D {
		return "", fmt.Errorf("batch normalization %s does not follow an affine layer of %d outputs: it cannot be folded", l.Gamma.Name, l.D)
	}
	in := int(w.shape[1])
	for j := range l.D {
		s := l.Gamma.Data[j] / math.Sqrt(l.RunningVar.Data[j]+l.Eps)
		row := w.vals[j*in : (j+1)*in]
		for k := range row {
			row[k] *= s
		}
		b.vals[j] = (b.vals[j]-l.RunningMean.Data[j])*s + l.Beta.Data[j]
	}
	return x, nil
}

// swish is h = x·σ(x) (ONNX's Swish op exists only from opset 24):
// Mul(x, Sigmoid(x)) in a float graph, which ONNX Runtime fuses into its
// QuickGelu kernel. That kernel is float only, and ORT 1.30 fuses double
// graphs too, which then fail to load ("Failed to find kernel for
// com.microsoft.QuickGelu"), so a double graph computes x/(1 + e^(−x))
// instead: the same function (for x → −∞, e^(−x) overflows to +Inf and h
// to −0, as x·σ(x) underflows to −0).
func swish(g *graph, x string) string {
	if g.elem != onnxpb.TensorProto_DOUBLE {
		return g.node("Mul", "swish", []string{x, g.node("Sigmoid", "", []string{x})})
	}
	one := g.constant("one", []int64{}, []float64{1})
	e := g.node("Exp", "", []string{g.node("Neg", "", []string{x})})
	return g.node("Div", "swish", []string{x, g.node("Add", "", []string{one, e})})
}
