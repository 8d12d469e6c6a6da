package onnx

import (
	"encoding/json"
	"fmt"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	datasource "github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/pkg/data"
)

// InputName is the graph input of a model trained on a numeric matrix:
// [N, input_dim] raw features, as nnfc predict reads them (MNIST's pixels
// 0..255), in the graph's element type.
const InputName = "input"

// A fittedInput declares the graph inputs of a model whose data source
// fitted preprocessing of its own (data.Normalizer.Source: a table's
// column types, vocabularies and imputation values) and encodes them as
// that source does; state is the source's stored JSON. It returns the
// encoded value, [N, spec.InputDim] in the graph's element type, before
// the normalizer. Each such source is one file that registers its
// exporter (table.go).
type fittedInput func(g *graph, s *source, state json.RawMessage) (string, error)

var fittedInputs = map[string]fittedInput{}

func registerInput(source string, e fittedInput) { fittedInputs[source] = e }

// fittedSource is the name of the source whose fitted preprocessing the
// model reads its inputs through, "" for none.
func fittedSource(norm *data.Normalizer) (string, json.RawMessage, error) {
	if norm == nil {
		return "", nil, nil
	}
	return datasource.DecodeFitted(norm.Source)
}

// modelInput declares the graph's inputs and returns the value the
// network reads: the raw matrix "input", or a fitted source's inputs
// encoded in the graph, then the normalizer.
func modelInput(g *graph, s *source) (string, error) {
	dim := s.net.Spec.InputDim
	name, state, err := fittedSource(s.norm)
	if err != nil {
		return "", err
	}
	if name == "" {
		x, _, _ := numericInput(g, dim, s.norm)
		return x, nil
	}
	e, ok := fittedInputs[name]
	if !ok {
		return "", fmt.Errorf("the model reads its inputs through the %q source's fitted preprocessing, which the ONNX exporter does not write", name)
	}
	x, err := e(g, s, state)
	if err != nil {
		return "", err
	}
	x, _, _ = normalize(g, x, dim, s.norm)
	return x, nil
}

// numericInput declares the input matrix and applies the model's input
// normalizer (normalize). It returns the normalized value (the input
// itself with no normalizer or mode none) and the constants' names (""
// when there is no normalizer).
func numericInput(g *graph, dim int, norm *data.Normalizer) (x, shift, scale string) {
	return normalize(g, g.input(InputName, g.elem, dim), dim, norm)
}

// normalize applies the normalizer, x' = (x − shift)·scale per feature,
// as two nodes (Sub, Mul) rather than folded into the first Gemm: the file
// then shows its preprocessing, and computes it in the order nnfc does,
// so the normalized values round the same way.
func normalize(g *graph, x string, dim int, norm *data.Normalizer) (out, shift, scale string) {
	if norm == nil || norm.Mode == data.NormNone || identity(norm) {
		return x, "", ""
	}
	shift = g.constant("norm_shift", []int64{int64(dim)}, widen(norm.Shift))
	scale = g.constant("norm_scale", []int64{int64(dim)}, widen(norm.Scale))
	out = g.node("Mul", "normalized", []string{g.node("Sub", "", []string{x, shift}), scale})
	return out, shift, scale
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
