package onnx

import (
	"encoding/json"
	"fmt"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/pkg/data"
)

// InputName is the graph input of a model trained on a numeric matrix:
// [N, input_dim] raw features, as nnfc predict reads them (MNIST's pixels
// 0..255), in the graph's element type.
const InputName = "input"

// checkInput refuses a model whose data source fitted preprocessing of its
// own before the normalizer (data.Normalizer.Source: a CSV schema's
// column types, vocabularies and imputation values): the graph would take
// the encoded matrix, not the raw rows nnfc predict takes. A source's
// preprocessing becomes exportable with an input exporter of its own
// (ai.onnx.ml Imputer, OneHotEncoder/LabelEncoder per column).
func checkInput(norm *data.Normalizer) error {
	if norm == nil || len(norm.Source) == 0 {
		return nil
	}
	var f struct {
		Source string `json:"source"` // as internal/source.EncodeFitted writes it
	}
	_ = json.Unmarshal(norm.Source, &f)
	return fmt.Errorf("the model reads its inputs through the %q source's fitted preprocessing (column types, categories, missing values), which the ONNX exporter does not write yet", f.Source)
}

// numericInput declares the input matrix and applies the model's input
// normalizer, x' = (x − shift)·scale per feature, as two nodes (Sub, Mul)
// rather than folded into the first Gemm: the file then shows its
// preprocessing, and computes it in the order nnfc does, so the
// normalized values round the same way. It returns the normalized value
// (the input itself with no normalizer or mode none) and the constants'
// names ("" when there is no normalizer).
func numericInput(g *graph, dim int, norm *data.Normalizer) (x, shift, scale string) {
	x = g.input(InputName, g.elem, dim)
	if norm == nil || norm.Mode == data.NormNone || identity(norm) {
		return x, "", ""
	}
	shift = g.constant("norm_shift", []int64{int64(dim)}, widen(norm.Shift))
	scale = g.constant("norm_scale", []int64{int64(dim)}, widen(norm.Scale))
	x = g.node("Mul", "normalized", []string{g.node("Sub", "", []string{x, shift}), scale})
	return x, shift, scale
}

// identity reports whether the normalizer maps every feature to itself.
func identity(n *data.Normalizer) bool {
	for j := range n.Shift {
		if n.Shift[j] != 0 || n.Scale[j] != 1 {
			return false
		}
	}
	return true
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// elemType is the ONNX element type of a precision name.
func elemType(precision string) onnxpb.TensorProto_DataType {
	if precision == "float64" {
		return onnxpb.TensorProto_DOUBLE
	}
	return onnxpb.TensorProto_FLOAT
}
