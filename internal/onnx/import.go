package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/limits"
	"github.com/nnfc/nnfc/pkg/model"
)

// Imported is a plain MLP read from an ONNX file: its spec and, per affine
// layer, W ([out, in], row-major) and b, in float64; Precision is the
// initializers' type (float32 or float64).
type Imported struct {
	Spec      model.Spec
	W, B      [][]float64
	Precision string
}

// ImportFile reads an ONNX file holding a plain MLP, as torch.onnx.export
// writes nn.Sequential(Linear, act, Linear, act, ..., Linear): a chain
// from the one graph input of Gemm nodes (alpha = beta = 1, B an
// initializer, C an initializer or absent), each but the last followed by
// one activation: Relu, LeakyRelu (one alpha for all), Sigmoid, Tanh, or
// swish as Sigmoid(x) then Mul(x, ·) (nn.SiLU below opset 14); a final
// Softmax or LogSoftmax over the classes is accepted (nnfc predicts the
// softmax of the scores anyway). Anything else is refused with one line
// naming the node.
func ImportFile(path string) (*Imported, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	// The file is read whole and decoded: about twice its size in memory.
	if err := limits.Check(path, 2*float64(st.Size())); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	imp, err := Import(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return imp, nil
}

// Import is ImportFile on the file's bytes.
func Import(b []byte) (*Imported, error) {
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("not an ONNX model: %v", err)
	}
	return importGraph(m.GetGraph())
}

func importGraph(g *onnxpb.GraphProto) (*Imported, error) {
	inits := map[string]*onnxpb.TensorProto{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = t
	}
	var inputs []string
	for _, in := range g.GetInput() {
		if inits[in.GetName()] == nil {
			inputs = append(inputs, in.GetName())
		}
	}
	if len(inputs) != 1 {
		return nil, fmt.Errorf("the graph has %d inputs besides its initializers, a plain MLP has 1", len(inputs))
	}
	consumers := map[string][]*onnxpb.NodeProto{}
	for _, n := range g.GetNode() {
		if len(n.GetOutput()) != 1 {
			return nil, fmt.Errorf("node %s has %d outputs: a plain MLP's nodes have one", describe(n), len(n.GetOutput()))
		}
		for _, in := range n.GetInput() {
			consumers[in] = append(consumers[in], n)
		}
	}
	// next is the one node that reads v (nil at the graph's output, or
	// where only output heads read it: Softmax, LogSoftmax, ArgMax, as
	// nnfc export writes them).
	next := func(v string) (*onnxpb.NodeProto, error) {
		c := consumers[v]
		switch {
		case len(c) == 0:
			return nil, nil
		case len(c) > 1 && allHeads(c):
			return nil, nil
		case len(c) == 1:
			return c[0], nil
		case len(c) == 2 && isSwish(c, v):
			for _, n := range c {
				if n.GetOpType() == "Sigmoid" {
					return n, nil
				}
			}
		}
		for _, n := range c {
			if !supported[n.GetOpType()] {
				return nil, unsupported(n)
			}
		}
		return nil, fmt.Errorf("value %q feeds %d nodes (%s first), a plain MLP is a chain", v, len(c), describe(c[0]))
	}
	imp := &Imported{}
	visited := map[*onnxpb.NodeProto]bool{}
	spec := model.Spec{Loss: "softmax", Init: "he"}
	leaky := math.NaN()
	v := inputs[0]
	ended := false
	for {
		n, err := next(v)
		if err != nil {
			return nil, err
		}
		if n == nil {
			break
		}
		if visited[n] {
			return nil, fmt.Errorf("node %s is reached twice: the graph has a cycle", describe(n))
		}
		visited[n] = true
		if ended {
			return nil, fmt.Errorf("node %s after the final %s: a plain MLP ends there", describe(n), "Softmax")
		}
		switch n.GetOpType() {
		case "Gemm":
			if len(imp.W) > 0 && len(spec.Activations) != len(imp.W) {
				return nil, fmt.Errorf("node %s follows a Gemm without an activation between them: nnfc's hidden layers each have one", describe(n))
			}
			w, b, prec, err := gemmLayer(n, v, inits)
			if err != nil {
				return nil, err
			}
			if imp.Precision != "" && prec != imp.Precision {
				return nil, fmt.Errorf("node %s: %s weights after %s ones", describe(n), prec, imp.Precision)
			}
			imp.Precision = prec
			out, in := len(b), len(w)/len(b)
			if len(imp.W) == 0 {
				spec.InputDim = in
			} else if prev := len(imp.B[len(imp.B)-1]); prev != in {
				return nil, fmt.Errorf("node %s takes %d inputs, the layer before gives %d", describe(n), in, prev)
			}
			imp.W, imp.B = append(imp.W, w), append(imp.B, b)
			spec.Hidden = append(spec.Hidden, out)
			v = n.GetOutput()[0]
			continue
		case "Relu", "Sigmoid", "Tanh", "LeakyRelu":
			if len(imp.W) == 0 || len(spec.Activations) == len(imp.W) {
				return nil, fmt.Errorf("node %s is not right after a Gemm: nnfc's layers are affine, then one activation", describe(n))
			}
			act := map[string]string{"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "LeakyRelu": "leaky_relu"}[n.GetOpType()]
			if n.GetOpType() == "Sigmoid" {
				if mul := swishMul(consumers, v, n); mul != nil {
					visited[mul] = true
					spec.Activations = append(spec.Activations, "swish")
					v = mul.GetOutput()[0]
					continue
				}
			}
			if n.GetOpType() == "LeakyRelu" {
				alpha := 0.01 // ONNX's default
				for _, a := range n.GetAttribute() {
					if a.GetName() == "alpha" {
						alpha = float64(a.GetF())
					}
				}
				if !math.IsNaN(leaky) && alpha != leaky {
					return nil, fmt.Errorf("node %s: LeakyRelu alpha %g after %g, nnfc's model has one alpha", describe(n), alpha, leaky)
				}
				leaky, spec.LeakyAlpha = alpha, alpha
			}
			spec.Activations = append(spec.Activations, act)
			v = n.GetOutput()[0]
			continue
		case "Softmax", "LogSoftmax":
			if len(imp.W) == 0 || len(spec.Activations) == len(imp.W) {
				return nil, fmt.Errorf("node %s does not follow the last Gemm", describe(n))
			}
			ended = true
			v = n.GetOutput()[0]
			continue
		}
		return nil, unsupported(n)
	}
	// What reads the end of the chain: output heads only, and after
	// ArgMax a LabelEncoder of class names; no other node may exist.
	for _, h := range consumers[v] {
		visited[h] = true
		for _, l := range consumers[h.GetOutput()[0]] {
			if h.GetOpType() == "ArgMax" && l.GetOpType() == "LabelEncoder" {
				visited[l] = true
			}
		}
	}
	for _, n := range g.GetNode() {
		if !visited[n] {
			return nil, unsupported(n)
		}
	}
	if len(imp.W) == 0 {
		return nil, fmt.Errorf("no Gemm node: not an MLP")
	}
	if len(spec.Activations) == len(imp.W) {
		return nil, fmt.Errorf("the last layer has an activation (%s): nnfc's classifier ends in an affine layer", spec.Activations[len(spec.Activations)-1])
	}
	spec.Classes = spec.Hidden[len(spec.Hidden)-1]
	spec.Hidden = spec.Hidden[:len(spec.Hidden)-1]
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("the MLP is not an nnfc classifier: %v", err)
	}
	imp.Spec = spec
	return imp, nil
}

// supported are the op types a plain MLP's graph may hold.
var supported = map[string]bool{"Gemm": true, "Relu": true, "LeakyRelu": true, "Sigmoid": true, "Tanh": true,
	"Mul": true, "Softmax": true, "LogSoftmax": true, "ArgMax": true, "LabelEncoder": true}

func unsupported(n *onnxpb.NodeProto) error {
	return fmt.Errorf("node %s: op %s is not part of a plain MLP (Gemm, Relu, LeakyRelu, Sigmoid, Tanh, Sigmoid+Mul as SiLU, a final Softmax)", describe(n), safe(n.GetOpType()))
}

// allHeads reports whether every node of c is an output head.
func allHeads(c []*onnxpb.NodeProto) bool {
	for _, n := range c {
		switch n.GetOpType() {
		case "Softmax", "LogSoftmax", "ArgMax":
		default:
			return false
		}
	}
	return true
}

// isSwish reports whether the two readers of v are Sigmoid(v) and
// Mul(v, Sigmoid(v)).
func isSwish(c []*onnxpb.NodeProto, v string) bool {
	var sig, mul *onnxpb.NodeProto
	for _, n := range c {
		switch n.GetOpType() {
		case "Sigmoid":
			sig = n
		case "Mul":
			mul = n
		}
	}
	if sig == nil || mul == nil || len(mul.Input) != 2 {
		return false
	}
	s := sig.GetOutput()[0]
	return (mul.Input[0] == v && mul.Input[1] == s) || (mul.Input[1] == v && mul.Input[0] == s)
}

// swishMul returns the Mul that makes Sigmoid node sig (of v) a swish.
func swishMul(consumers map[string][]*onnxpb.NodeProto, v string, sig *onnxpb.NodeProto) *onnxpb.NodeProto {
	if !isSwish(consumers[v], v) {
		return nil
	}
	for _, n := range consumers[v] {
		if n.GetOpType() == "Mul" {
			return n
		}
	}
	return nil
}

// gemmLayer reads a Gemm node x·op(B)·alpha + C·beta whose input is x and
// whose B (and C) are initializers, as nnfc's W [out, in] and b [out].
func gemmLayer(n *onnxpb.NodeProto, x string, inits map[string]*onnxpb.TensorProto) (w, b []float64, prec string, err error) {
	in := n.GetInput()
	if len(in) < 2 || in[0] != x {
		return nil, nil, "", fmt.Errorf("node %s: its first input is not the previous layer's output", describe(n))
	}
	var transA, transB int64
	alpha, beta := float32(1), float32(1)
	for _, a := range n.GetAttribute() {
		switch a.GetName() {
		case "transA":
			transA = a.GetI()
		case "transB":
			transB = a.GetI()
		case "alpha":
			alpha = a.GetF()
		case "beta":
			beta = a.GetF()
		}
	}
	if transA != 0 || alpha != 1 || beta != 1 {
		return nil, nil, "", fmt.Errorf("node %s: Gemm with transA %d, alpha %g, beta %g; a linear layer has 0, 1, 1", describe(n), transA, alpha, beta)
	}
	bt := inits[in[1]]
	if bt == nil || len(bt.GetDims()) != 2 {
		return nil, nil, "", fmt.Errorf("node %s: its weight %q is not a 2-D initializer", describe(n), in[1])
	}
	vals, prec, err := tensorValues(bt)
	if err != nil {
		return nil, nil, "", fmt.Errorf("node %s: %v", describe(n), err)
	}
	r, c := int(bt.Dims[0]), int(bt.Dims[1])
	out := r // transB = 1: B is [out, in], nnfc's layout
	if transB == 0 {
		out = c
		t := make([]float64, len(vals))
		for i := range r {
			for j := range c {
				t[j*r+i] = vals[i*c+j]
			}
		}
		vals = t
	}
	b = make([]float64, out)
	if len(in) > 2 && in[2] != "" {
		ct := inits[in[2]]
		if ct == nil {
			return nil, nil, "", fmt.Errorf("node %s: its bias %q is not an initializer", describe(n), in[2])
		}
		cv, cprec, err := tensorValues(ct)
		if err != nil {
			return nil, nil, "", fmt.Errorf("node %s: %v", describe(n), err)
		}
		if len(cv) != out || cprec != prec {
			return nil, nil, "", fmt.Errorf("node %s: bias of %d %s values for %d outputs of %s weights", describe(n), len(cv), cprec, out, prec)
		}
		copy(b, cv)
	}
	return vals, b, prec, nil
}

// maxValues caps an imported initializer (2^28 values, 2 GiB as float64),
// before any is decoded.
const maxValues = 1 << 28

// tensorValues decodes a float or double initializer.
func tensorValues(t *onnxpb.TensorProto) ([]float64, string, error) {
	n := 1
	for _, d := range t.GetDims() {
		if d <= 0 || d > maxValues || n*int(d) > maxValues {
			return nil, "", fmt.Errorf("initializer %q has shape %v: every dimension must be ≥ 1, at most %d values", t.GetName(), t.GetDims(), maxValues)
		}
		n *= int(d)
	}
	dt := onnxpb.TensorProto_DataType(t.GetDataType())
	raw := t.GetRawData()
	var out []float64
	switch dt {
	case onnxpb.TensorProto_FLOAT:
		if raw != nil {
			if len(raw) != 4*n {
				return nil, "", fmt.Errorf("initializer %q: %d bytes for %d floats", t.GetName(), len(raw), n)
			}
			for i := range n {
				out = append(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))))
			}
		} else {
			for _, v := range t.GetFloatData() {
				out = append(out, float64(v))
			}
		}
	case onnxpb.TensorProto_DOUBLE:
		if raw != nil {
			if len(raw) != 8*n {
				return nil, "", fmt.Errorf("initializer %q: %d bytes for %d doubles", t.GetName(), len(raw), n)
			}
			for i := range n {
				out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
			}
		} else {
			out = append(out, t.GetDoubleData()...)
		}
	default:
		return nil, "", fmt.Errorf("initializer %q has data type %s, not float or double", t.GetName(), dt)
	}
	if len(out) != n {
		return nil, "", fmt.Errorf("initializer %q: %d values for shape %v", t.GetName(), len(out), t.GetDims())
	}
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, "", fmt.Errorf("initializer %q element %d is %v, expected a finite number", t.GetName(), i, v)
		}
	}
	prec := "float32"
	if dt == onnxpb.TensorProto_DOUBLE {
		prec = "float64"
	}
	return out, prec, nil
}

func describe(n *onnxpb.NodeProto) string {
	if n.GetName() != "" {
		return fmt.Sprintf("%q (%s)", n.GetName(), safe(n.GetOpType()))
	}
	return fmt.Sprintf("%s → %q", safe(n.GetOpType()), n.GetOutput())
}

// safe is s as is when it is a short run of printable ASCII (an op type),
// else quoted, so that a hostile file's names cannot break the one-line
// error.
func safe(s string) string {
	for _, r := range s {
		if r < ' ' || r > '~' {
			return strconv.QuoteToASCII(s)
		}
	}
	if len(s) > 64 {
		return strconv.QuoteToASCII(s[:64]) + "…"
	}
	return s
}

// Save writes the imported MLP as an nnfc model file (atomically, in its
// precision, without a normalizer: the model takes its inputs as the ONNX
// graph did).
func (imp *Imported) Save(path string) error {
	if imp.Precision == "float64" {
		return saveImported[float64](path, imp)
	}
	return saveImported[float32](path, imp)
}

func saveImported[T layers.Float](path string, imp *Imported) error {
	net, err := model.New[T](imp.Spec, nil)
	if err != nil {
		return err
	}
	for i, a := range net.Affine {
		for k, v := range imp.W[i] {
			a.W.Data[k] = T(v)
		}
		for k, v := range imp.B[i] {
			a.B.Data[k] = T(v)
		}
	}
	return model.Save(path, net, (*data.Normalizer)(nil))
}
