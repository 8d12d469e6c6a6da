package onnx

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	datasource "github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/pkg/data"
)

// MetaInputs is the metadata key (ModelProto.metadata_props) of a table
// model's inputs: a JSON array of TableInput, in the schema's order.
const MetaInputs = "nnfc.inputs"

// TableInput describes one graph input of a table model, for the
// metadata: what to feed under the column's name.
type TableInput struct {
	Name string `json:"name"`
	Type string `json:"type"` // numeric, binary or categorical (data.Type*)
	// Tensor is the input's element type: float or double for a numeric
	// column (NaN where the cell is missing), string for the others.
	Tensor string `json:"tensor"`
	// Values are a string column's known values; any other string
	// (a missing cell's NA string or an unseen value) is encoded as
	// nnfc encodes it.
	Values []string `json:"values,omitempty"`
	// Missing lists the strings read as a missing cell (string columns).
	Missing []string `json:"missing,omitempty"`
}

func init() { registerInput("table", tableInput) }

// tableInput declares one input per input column of a table model's
// schema (data.Schema, the table source's fitted preprocessing), named
// as the column, each of shape [N, 1] — the layout of a column in a data
// frame, which scikit-learn's ONNX converters give their per-column inputs
// too; it concatenates along axis 1 with no reshaping — and encodes them
// as data.Schema.Encode does:
//
//	numeric      float (the graph's type), NaN where the cell is missing:
//	             Where(IsNaN(x), Fill, x), then, with an indicator,
//	             Cast(IsNaN(x)) as the next input
//	binary       string: ai.onnx.ml LabelEncoder string→float,
//	             Categories[0] → 0, Categories[1] → 1, any other string
//	             (a missing or unseen value) → Fill
//	categorical  string: LabelEncoder string→int64 slot: a category → its
//	             slot, an NA string → the <missing> slot (or the Fill
//	             category), any other string → <other>; the one-hot
//	             block is Equal(slot, [0, 1, ..., K−1]) cast to float;
//	             with Encoding embed, the slot itself cast to float, one
//	             input the network's embedding layer looks up
//
// The blocks are concatenated in the schema's column order, and the
// numeric inputs standardized, (v − Mean)·(1/Std), by one Sub and one Mul
// over the whole row (0 and 1 for the other inputs: exact).
//
// One-hot as Equal+Cast rather than ONNX's OneHot: OneHot appends the
// class axis ([N, 1] → [N, 1, K], one more Reshape), and the comparison
// is the same two-valued result in float and double graphs alike.
//
// String inputs are compared as nnfc compares a cell after reading it:
// without surrounding spaces, and a number in its shortest form ("1.5",
// not "1.50") when a categorical column holds numbers.
func tableInput(g *graph, s *source, state json.RawMessage) (string, error) {
	sc, err := datasource.TableSchema(state)
	if err != nil {
		return "", err
	}
	if w := sc.Width(); w != s.net.Spec.InputDim {
		return "", fmt.Errorf("the table schema encodes %d inputs, the network takes %d", w, s.net.Spec.InputDim)
	}
	if sc.Target.Kind == data.TargetNumber {
		s.target = targetScaling{Names: sc.Target.Names, Mean: sc.Target.Mean, Std: sc.Target.Std}
	}
	na := naStrings(sc.NAValues)
	var blocks []string
	var meta []TableInput
	for i := range sc.Columns {
		c := &sc.Columns[i]
		if c.Type == data.TypeIgnore {
			continue
		}
		if c.Name == "" || outputNames[c.Name] {
			return "", fmt.Errorf("column %q: an input may not be named %q (an output of the graph, or empty); rename the column to export the model", c.Name, c.Name)
		}
		switch c.Type {
		case data.TypeNumeric:
			// In double, as nnfc reads the number and standardizes it
			// before rounding to float32 (see tableInput).
			double := onnxpb.TensorProto_DOUBLE
			x := g.input(c.Name, double, 1)
			nan := g.node("IsNaN", c.Name+"_missing", []string{x})
			fill := g.typedConstant(c.Name+"_fill", double, []int64{1}, []float64{c.Fill})
			v := g.node("Where", c.Name+"_imputed", []string{nan, fill, x})
			mean := g.typedConstant(c.Name+"_mean", double, []int64{1}, []float64{c.Mean})
			inv := g.typedConstant(c.Name+"_inv_std", double, []int64{1}, []float64{1 / c.Std})
			v = g.node("Mul", c.Name+"_standardized", []string{g.node("Sub", "", []string{v, mean}), inv})
			if g.elem != double {
				v = g.node("Cast", "", []string{v}, attrInt("to", int64(g.elem)))
			}
			blocks = append(blocks, v)
			if c.Indicator {
				blocks = append(blocks, g.node("Cast", c.Name+"_indicator", []string{nan}, attrInt("to", int64(g.elem))))
			}
			meta = append(meta, TableInput{Name: c.Name, Type: c.Type, Tensor: "double"})
		case data.TypeBinary:
			x := g.input(c.Name, onnxpb.TensorProto_STRING, 1)
			v := g.domainNode(DomainML, "LabelEncoder", c.Name+"_value", []string{x},
				attrStrings("keys_strings", c.Categories), attrFloats("values_floats", []float32{0, 1}),
				attrFloat("default_float", float32(c.Fill)))
			if g.elem != onnxpb.TensorProto_FLOAT {
				v = g.node("Cast", "", []string{v}, attrInt("to", int64(g.elem)))
			}
			blocks = append(blocks, v)
			meta = append(meta, TableInput{Name: c.Name, Type: c.Type, Tensor: "string", Values: c.Categories, Missing: na})
		case data.TypeCategorical:
			x := g.input(c.Name, onnxpb.TensorProto_STRING, 1)
			keys, slots, other, err := categorySlots(c, na)
			if err != nil {
				return "", err
			}
			slot := g.domainNode(DomainML, "LabelEncoder", c.Name+"_slot", []string{x},
				attrStrings("keys_strings", keys), attrInts("values_int64s", slots), attrInt("default_int64", other))
			meta = append(meta, TableInput{Name: c.Name, Type: c.Type, Tensor: "string", Values: keys[:len(keys)-len(na)], Missing: na})
			if c.Encoding == data.EncodingEmbed {
				// One input, the slot's index, which the network's
				// embedding layer looks up (layers.go).
				blocks = append(blocks, g.node("Cast", c.Name+"_index", []string{slot}, attrInt("to", int64(g.elem))))
				continue
			}
			k := make([]int64, c.Width)
			for j := range k {
				k[j] = int64(j)
			}
			eq := g.node("Equal", "", []string{slot, g.intConstant(c.Name+"_slots", []int64{int64(c.Width)}, k)})
			blocks = append(blocks, g.node("Cast", c.Name+"_onehot", []string{eq}, attrInt("to", int64(g.elem))))
		default:
			return "", fmt.Errorf("column %q: type %q has no ONNX encoding", c.Name, c.Type)
		}
	}
	x := g.node("Concat", "encoded", blocks, attrInt("axis", 1))
	b, _ := json.Marshal(meta)
	s.meta[MetaInputs] = string(b)
	return x, nil
}

// categorySlots are a categorical column's LabelEncoder keys and values:
// each category (<missing> and <other> aside) to its slot, then each NA
// string to the slot of a missing cell; and the <other> slot, for every
// other string.
func categorySlots(c *data.Column, na []string) (keys []string, slots []int64, other int64, err error) {
	miss, other := int64(c.Fill), int64(-1)
	seen := map[string]bool{}
	for k, v := range c.Categories {
		switch v {
		case data.CatOther:
			other = int64(k)
		case data.CatMissing:
			miss = int64(k)
		default:
			keys, slots = append(keys, v), append(slots, int64(k))
			seen[v] = true
		}
	}
	if other < 0 {
		return nil, nil, 0, fmt.Errorf("column %q: no %s category", c.Name, data.CatOther)
	}
	for _, v := range na {
		if seen[v] {
			return nil, nil, 0, fmt.Errorf("column %q: %q is both a category and a missing value", c.Name, v)
		}
		keys, slots = append(keys, v), append(slots, miss)
	}
	return keys, slots, other, nil
}

// naStrings are the schema's missing-value strings as the table reader
// compares them: trimmed, each once.
func naStrings(na []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range na {
		v = strings.TrimSpace(v)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
