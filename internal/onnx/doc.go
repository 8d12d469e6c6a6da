// Package onnx exports nnfc models as ONNX files that ONNX Runtime (and any
// other ONNX runtime) runs with the preprocessing inside: raw features in,
// class probabilities, the class index and the class name out (or, for the
// tied autoencoder, the code and the reconstruction in the input's units).
//
// The graph is opset 13 (ai.onnx.ml 2 for the class names), IR version 8,
// with a dynamic batch dimension N, in the model's precision (float or
// double tensors). The exporter walks the network once:
//
//   - the input normalizer becomes Sub and Mul (input.go);
//   - a model trained on a table takes one input per column, [N, 1],
//     numeric columns as double (NaN: missing), the others as strings,
//     and the graph encodes them as the stored schema does: Where(IsNaN)
//     imputation and standardization, ai.onnx.ml LabelEncoder for the
//     categories, one-hot as Equal+Cast, Concat in the schema's order
//     (table.go; a source with fitted preprocessing registers its input
//     exporter as table.go does);
//   - each layer kind maps to its nodes in one function (layers.go):
//     affine → Gemm (transB = 1, nnfc's W is [out, in]); batch
//     normalization folded into the Gemm before it; dropout omitted; ReLU,
//     LeakyReLU, Sigmoid, Tanh as themselves, swish as Mul(x, Sigmoid(x));
//   - each model kind is one task exporter in its own file (classifier.go,
//     autoencoder.go) that declares the outputs.
//
// The other direction, ImportFile (import.go), reads a plain MLP as
// torch.onnx.export writes nn.Sequential(Linear, act, ..., Linear) back
// into an nnfc model file, refusing any other node by name.
//
// The ONNX protobuf types are generated from onnx-ml.proto into package
// onnxpb (see there). The tests run every exported file in ONNX Runtime
// 1.30 (onnxruntime-node under Node, installed by make deps into
// tools/ort) and compare its outputs with nnfc's own forward pass, and
// check every file with Debian's onnx.checker.
package onnx
