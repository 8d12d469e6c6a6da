package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
)

// Opset versions the exported files import: the default domain at 13 (the
// widest runtime support; Swish only exists from 24, so swish is written
// as Mul(x, Sigmoid(x))), ai.onnx.ml at 2 (LabelEncoder with int64 keys
// and string values), in IR version 8 (what onnx 1.12's checker knows).
const (
	Opset     = 13
	OpsetML   = 2
	IRVersion = 8
	// DomainML is the domain of ONNX's classical machine learning ops.
	DomainML = "ai.onnx.ml"
)

// Batch is the name of the dynamic batch dimension of every input and
// output.
const Batch = "N"

// graph is an ONNX graph under construction. Constants keep their values
// as float64 until the graph is finished, so that a later layer may fold
// itself into them (batch normalization into the Gemm before it); they are
// written in the graph's element type (float or double).
type graph struct {
	elem     onnxpb.TensorProto_DataType // FLOAT or DOUBLE: the type of every float tensor
	nodes    []*onnxpb.NodeProto
	consts   map[string]*constant
	order    []string // constants in the order they were added
	producer map[string]*onnxpb.NodeProto
	uses     map[string]int // how many node inputs name the value
	names    map[string]bool
	inputs   []*onnxpb.ValueInfoProto
	outputs  []*onnxpb.ValueInfoProto
	domains  map[string]bool
}

// constant is an initializer: a float tensor, of the graph's element type
// unless elem says otherwise, or (ints != nil) an int64 one.
type constant struct {
	shape []int64
	vals  []float64
	ints  []int64
	elem  onnxpb.TensorProto_DataType // FLOAT or DOUBLE; 0: the graph's
}

func newGraph(elem onnxpb.TensorProto_DataType) *graph {
	return &graph{elem: elem, consts: map[string]*constant{}, producer: map[string]*onnxpb.NodeProto{},
		uses: map[string]int{}, names: map[string]bool{}, domains: map[string]bool{"": true}}
}

// name returns base if no value has it yet, else base_1, base_2, ...
func (g *graph) name(base string) string {
	n := base
	for k := 1; g.names[n]; k++ {
		n = base + "_" + strconv.Itoa(k)
	}
	g.names[n] = true
	return n
}

// constant adds a float initializer of the graph's element type.
func (g *graph) constant(base string, shape []int64, vals []float64) string {
	if n := product(shape); n != len(vals) {
		panic(fmt.Sprintf("onnx: constant %s of shape %v with %d values", base, shape, len(vals)))
	}
	n := g.name(base)
	g.consts[n] = &constant{shape: shape, vals: vals}
	g.order = append(g.order, n)
	return n
}

// typedConstant adds a float initializer of element type elem (FLOAT or
// DOUBLE) whatever the graph's.
func (g *graph) typedConstant(base string, elem onnxpb.TensorProto_DataType, shape []int64, vals []float64) string {
	n := g.constant(base, shape, vals)
	g.consts[n].elem = elem
	return n
}

// intConstant adds an int64 initializer.
func (g *graph) intConstant(base string, shape []int64, vals []int64) string {
	n := g.name(base)
	g.consts[n] = &constant{shape: shape, ints: vals}
	g.order = append(g.order, n)
	return n
}

// node adds a node of the default domain with one output, named out (or
// after the op when out is ""; with a suffix _1, _2, ... when a value has
// that name already), and returns the output's name.
func (g *graph) node(op, out string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	return g.domainNode("", op, out, inputs, attrs...)
}

// domainNode is node for an op of another domain (DomainML).
func (g *graph) domainNode(domain, op, out string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	if out == "" {
		out = lowerOp(op)
	}
	out = g.name(out)
	nd := &onnxpb.NodeProto{OpType: &op, Input: inputs, Output: []string{out}, Attribute: attrs}
	nodeName := g.name("node_" + out)
	nd.Name = &nodeName
	if domain != "" {
		nd.Domain = &domain
	}
	g.domains[domain] = true
	for _, in := range inputs {
		g.uses[in]++
	}
	g.nodes = append(g.nodes, nd)
	g.producer[out] = nd
	return out
}

// input declares a graph input of shape [N, dims...] of type t.
func (g *graph) input(name string, t onnxpb.TensorProto_DataType, dims ...int) string {
	if g.names[name] {
		panic("onnx: input " + name + " defined twice")
	}
	g.names[name] = true
	g.inputs = append(g.inputs, valueInfo(name, t, dims))
	return name
}

// output declares value as a graph output of shape [N, dims...] of type t.
func (g *graph) output(value string, t onnxpb.TensorProto_DataType, dims ...int) {
	g.outputs = append(g.outputs, valueInfo(value, t, dims))
}

func valueInfo(name string, t onnxpb.TensorProto_DataType, dims []int) *onnxpb.ValueInfoProto {
	batch := Batch
	shape := &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
		{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: batch}}}}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{
			Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	elem := int32(t)
	return &onnxpb.ValueInfoProto{Name: &name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: &elem, Shape: shape}}}}
}

// ops lists the op types the graph uses, by domain ("" for ONNX's).
func (g *graph) ops() []string {
	seen := map[string]bool{}
	var ops []string
	for _, n := range g.nodes {
		if !seen[n.GetOpType()] {
			seen[n.GetOpType()] = true
			ops = append(ops, n.GetOpType())
		}
	}
	return ops
}

// finish returns the graph as a GraphProto, its constants written in
// the element type, little-endian raw data.
func (g *graph) finish(name, doc string) *onnxpb.GraphProto {
	gp := &onnxpb.GraphProto{Name: &name, Node: g.nodes, Input: g.inputs, Output: g.outputs}
	if doc != "" {
		gp.DocString = &doc
	}
	for _, n := range g.order {
		c := g.consts[n]
		if c == nil {
			continue // folded away
		}
		name := n
		t := &onnxpb.TensorProto{Name: &name, Dims: c.shape}
		elem := g.elem
		if c.elem != 0 {
			elem = c.elem
		}
		var dt onnxpb.TensorProto_DataType
		switch {
		case c.ints != nil:
			dt = onnxpb.TensorProto_INT64
			t.RawData = make([]byte, 8*len(c.ints))
			for i, v := range c.ints {
				binary.LittleEndian.PutUint64(t.RawData[8*i:], uint64(v))
			}
		case elem == onnxpb.TensorProto_DOUBLE:
			dt = elem
			t.RawData = make([]byte, 8*len(c.vals))
			for i, v := range c.vals {
				binary.LittleEndian.PutUint64(t.RawData[8*i:], math.Float64bits(v))
			}
		default:
			dt = onnxpb.TensorProto_FLOAT
			t.RawData = make([]byte, 4*len(c.vals))
			for i, v := range c.vals {
				binary.LittleEndian.PutUint32(t.RawData[4*i:], math.Float32bits(float32(v)))
			}
		}
		d := int32(dt)
		t.DataType = &d
		gp.Initializer = append(gp.Initializer, t)
	}
	return gp
}

// opsetImports lists the domains the graph uses with their versions.
func (g *graph) opsetImports() []*onnxpb.OperatorSetIdProto {
	var ds []string
	for d := range g.domains {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	var out []*onnxpb.OperatorSetIdProto
	for _, d := range ds {
		v := int64(Opset)
		if d == DomainML {
			v = OpsetML
		}
		out = append(out, &onnxpb.OperatorSetIdProto{Domain: &d, Version: &v})
	}
	return out
}

func product(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

func lowerOp(op string) string {
	b := []byte(op)
	if len(b) > 0 && b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// Attribute helpers.

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_INT
	return &onnxpb.AttributeProto{Name: &name, Type: &t, I: &v}
}

func attrFloat(name string, v float32) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_FLOAT
	return &onnxpb.AttributeProto{Name: &name, Type: &t, F: &v}
}

func attrString(name, v string) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_STRING
	return &onnxpb.AttributeProto{Name: &name, Type: &t, S: []byte(v)}
}

func attrInts(name string, v []int64) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_INTS
	return &onnxpb.AttributeProto{Name: &name, Type: &t, Ints: v}
}

func attrStrings(name string, v []string) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_STRINGS
	a := &onnxpb.AttributeProto{Name: &name, Type: &t}
	for _, s := range v {
		a.Strings = append(a.Strings, []byte(s))
	}
	return a
}

func attrFloats(name string, v []float32) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_FLOATS
	return &onnxpb.AttributeProto{Name: &name, Type: &t, Floats: v}
}
