package serve

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The Open Inference Protocol V2 (KServe, Triton, Seldon) inference
// request and response, with Triton's binary tensor data extension: the
// body is a JSON header of Inference-Header-Content-Length bytes followed
// by the raw little-endian tensors of every input whose parameters give a
// binary_data_size, in the order of the inputs.

type v2Input struct {
	Name       string                     `json:"name"`
	Shape      []int                      `json:"shape"`
	Datatype   string                     `json:"datatype"`
	Parameters map[string]json.RawMessage `json:"parameters,omitempty"`
	Data       json.RawMessage            `json:"data,omitempty"`
}

type v2Output struct {
	Name       string                     `json:"name"`
	Parameters map[string]json.RawMessage `json:"parameters,omitempty"`
}

type v2Request struct {
	ID         string                     `json:"id,omitempty"`
	Parameters map[string]json.RawMessage `json:"parameters,omitempty"`
	Inputs     []v2Input                  `json:"inputs"`
	Outputs    []v2Output                 `json:"outputs,omitempty"`
}

// request is a decoded inference request: its rows and what to answer.
type request struct {
	id      string
	x       []float32 // n rows of the model's width, not yet normalized
	x64     []float64 // instead of x, for a model that reads its rows in float64 (Model.wide)
	n       int
	outputs []string        // names to answer, in order
	binary  map[string]bool // outputs to answer as binary data
	// kept is x's buffer when it is one kept for later requests
	// (rowBuffers); release hands it back.
	kept *[]float32
}

// release hands the request's row buffer back for a later request: call
// it once nothing refers to x any more (after its forward pass).
func (r *request) release() {
	if r != nil && r.kept != nil {
		rowBuffers.put(r.kept)
		r.kept, r.x = nil, nil
	}
}

// badRequest is a client error: its status and one-line message.
type badRequest struct {
	code int
	msg  string
}

func (e *badRequest) Error() string { return e.msg }

func bad(format string, a ...any) error { return &badRequest{400, fmt.Sprintf(format, a...)} }

// decodeV2 decodes an OIP V2 inference request for model m; headerLen is
// the Inference-Header-Content-Length header (-1 when absent).
func decodeV2(body []byte, headerLen int, m *Model, maxRows int) (*request, error) {
	head, bin := body, []byte(nil)
	if headerLen >= 0 {
		if headerLen > len(body) {
			return nil, bad("Inference-Header-Content-Length: %d is longer than the body (%d bytes)", headerLen, len(body))
		}
		head, bin = body[:headerLen], body[headerLen:]
	}
	var r v2Request
	// The numbers of inputs[0].data are most of a JSON request: cut them
	// out before encoding/json checks the rest, and scan them below with
	// scanMatrix, which checks them itself.
	rest, data := spliceData(head)
	if err := strictJSON(rest, &r); err != nil {
		if data != nil {
			err = strictJSON(head, &v2Request{}) // the error at its offset in the body sent
			if err == nil {
				err = bad("malformed request")
			}
		}
		return nil, err
	}
	if data != nil && len(r.Inputs) > 0 {
		r.Inputs[0].Data = data
	}
	if m.schema != nil {
		rows, err := decodeTableV2(&r, bin, headerLen, m, maxRows)
		if err != nil {
			return nil, err
		}
		req := &request{id: r.ID}
		if req.x, req.x64, req.n, err = rows.encode(m, "inputs"); err != nil {
			return nil, err
		}
		return req, chooseOutputs(&r, m, req)
	}
	if len(r.Inputs) != 1 {
		return nil, bad("inputs: model %s takes 1 input (%q), got %d", m.Name, "input", len(r.Inputs))
	}
	in := r.Inputs[0]
	if in.Name != "input" {
		return nil, bad("inputs[0].name: model %s has no input %q; its input is %q", m.Name, in.Name, "input")
	}
	d := m.inputDim
	if len(in.Shape) != 2 || in.Shape[1] != d || in.Shape[0] < 1 {
		return nil, bad("inputs[0].shape: model %s takes [rows, %d] with rows ≥ 1, got %v", m.Name, d, in.Shape)
	}
	n := in.Shape[0]
	if n > maxRows {
		return nil, &badRequest{413, fmt.Sprintf("inputs[0].shape: %d rows, more than the server's --max-rows %d", n, maxRows)}
	}
	var size int
	switch in.Datatype {
	case "FP32":
		size = 4
	case "FP64":
		size = 8
	default:
		return nil, bad("inputs[0].datatype: model %s takes FP32 or FP64, got %q", m.Name, in.Datatype)
	}
	req := &request{id: r.ID, n: n}
	binSize := -1
	for k, v := range in.Parameters {
		if k != "binary_data_size" {
			continue
		}
		if err := json.Unmarshal(v, &binSize); err != nil || binSize < 0 {
			return nil, bad("inputs[0].parameters.binary_data_size: expected a byte count, got %s", v)
		}
	}
	switch {
	case binSize >= 0:
		if headerLen < 0 {
			return nil, bad("inputs[0].parameters.binary_data_size is set, but the Inference-Header-Content-Length header is missing")
		}
		if in.Data != nil {
			return nil, bad("inputs[0]: has both data and binary_data_size")
		}
		if want := n * d * size; binSize != want {
			return nil, bad("inputs[0].parameters.binary_data_size: %d bytes, but shape %v of %s is %d bytes", binSize, in.Shape, in.Datatype, want)
		}
		if len(bin) != binSize {
			return nil, bad("binary data: %d bytes after the JSON header, inputs[0].parameters.binary_data_size says %d", len(bin), binSize)
		}
		// The rows are the body's own bytes when it can be (FP32 on a
		// little-endian host, aligned: readBody aligns the binary part),
		// else a converted copy; finiteness is checked, and the rows
		// normalized, in one pass by Model.prepare.
		if size == 4 {
			req.x = float32View(bin)
		} else {
			req.x = float32sOf64(bin)
		}
	default:
		if len(bin) > 0 {
			return nil, bad("binary data: %d bytes after the JSON header, but no input has a binary_data_size", len(bin))
		}
		if in.Data == nil {
			return nil, bad("inputs[0].data: missing (and no binary_data_size)")
		}
		buf := rowBuffers.get(n * d)
		x, rows, err := scanMatrix(in.Data, d, maxRows, "inputs[0].data", *buf)
		if err != nil || rows != n {
			rowBuffers.put(buf)
		}
		if err != nil {
			if re, ok := err.(*rowsError); ok {
				return nil, &badRequest{413, re.Error()}
			}
			return nil, bad("%v", err)
		}
		if rows != n {
			return nil, bad("inputs[0].data: holds %d values, shape %v needs %d", rows*d, in.Shape, n*d)
		}
		req.x, req.kept = x, buf
	}
	return req, chooseOutputs(&r, m, req)
}

// chooseOutputs sets the outputs a request asks for (all by default), and
// which of them are answered as binary data.
func chooseOutputs(r *v2Request, m *Model, req *request) error {
	all := false
	if v, ok := r.Parameters["binary_data_output"]; ok {
		if err := json.Unmarshal(v, &all); err != nil {
			return bad("parameters.binary_data_output: expected true or false, got %s", v)
		}
	}
	outs := m.Outputs()
	req.binary = map[string]bool{}
	if len(r.Outputs) == 0 {
		for _, o := range outs {
			req.outputs = append(req.outputs, o.Name)
			req.binary[o.Name] = all
		}
		return nil
	}
	for i, o := range r.Outputs {
		if !slices.ContainsFunc(outs, func(t TensorMeta) bool { return t.Name == o.Name }) {
			return bad("outputs[%d].name: model %s has no output %q; it has %s", i, m.Name, o.Name, outputNames(outs))
		}
		if _, dup := req.binary[o.Name]; dup {
			return bad("outputs[%d].name: %q is asked for twice", i, o.Name)
		}
		b := all
		if v, ok := o.Parameters["binary_data"]; ok {
			if err := json.Unmarshal(v, &b); err != nil {
				return bad("outputs[%d].parameters.binary_data: expected true or false, got %s", i, v)
			}
		}
		req.outputs = append(req.outputs, o.Name)
		req.binary[o.Name] = b
	}
	return nil
}

func outputNames(outs []TensorMeta) string {
	var s []string
	for _, o := range outs {
		s = append(s, strconv.Quote(o.Name))
	}
	return strings.Join(s, ", ")
}

// spliceData finds the value of inputs[0].data in a request's JSON and,
// when it is an array of nothing but numbers, returns the JSON with that
// value replaced by null, and the value. Otherwise (not found, or anything
// but numbers inside: strings, objects, bad syntax) it returns head and
// nil, and encoding/json reports what is wrong.
func spliceData(head []byte) ([]byte, []byte) {
	start := dataOffset(head)
	if start < 0 {
		return head, nil
	}
	end := numberArrayEnd(head, start)
	if end < 0 {
		return head, nil
	}
	rest := make([]byte, 0, len(head)-(end-start)+4)
	rest = append(append(append(rest, head[:start]...), "null"...), head[end:]...)
	return rest, head[start:end]
}

// dataOffset returns the offset of the value of inputs[0].data in the
// JSON object b, or -1 when it has none or is not well-formed up to it.
// A small hand-written walk: encoding/json's Decoder.Token allocated per
// token and was a sixth of a one-row request's CPU time.
func dataOffset(b []byte) int {
	v := memberOffset(b, skipSpace(b, 0), "inputs")
	if v < 0 || b[v] != '[' {
		return -1
	}
	return memberOffset(b, skipSpace(b, v+1), "data")
}

// memberOffset returns the offset of the value of key in the JSON object
// starting at b[i], or -1 when it has none or is not well-formed up to
// it (a key with escapes counts as another key: the caller then leaves
// the request to encoding/json).
func memberOffset(b []byte, i int, key string) int {
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		k := i + 1
		for k < len(b) && b[k] != '"' && b[k] != '\\' {
			k++
		}
		if k >= len(b) || b[k] != '"' {
			return -1
		}
		name := b[i+1 : k]
		i = skipSpace(b, k+1)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		v := skipSpace(b, i+1)
		if v >= len(b) {
			return -1
		}
		if string(name) == key {
			return v
		}
		if i = skipValue(b, v); i < 0 {
			return -1
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return -1
		}
		i = skipSpace(b, i+1)
	}
	return -1
}

// skipValue returns the offset after the JSON value at b[i] (checked only
// as far as finding its end), or -1.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i++
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(b) {
				return -1
			}
			i++
			if depth == 0 {
				return i
			}
		case '{', '[':
			depth++
			i++
		case '}', ']':
			if depth == 0 {
				return i // the end of the object or array holding a literal
			}
			depth--
			i++
			if depth == 0 {
				return i
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
			i++
		default: // numbers, true, false, null
			i++
		}
	}
	if depth == 0 {
		return i
	}
	return -1
}

// numberArrayEnd returns the index after the JSON array starting at
// b[i] when it holds only nested arrays, commas, whitespace and number
// characters, else -1.
func numberArrayEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '[' {
		return -1
	}
	depth := 0
	for ; i < len(b); i++ {
		switch numberArrayByte[b[i]] {
		case 0:
			return -1
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// numberArrayByte classifies the bytes of a number array for
// numberArrayEnd: '[' and ']' for themselves, 1 for the others it may
// hold (commas, whitespace, number characters), 0 for any other byte.
var numberArrayByte = func() (t [256]byte) {
	for _, c := range []byte(",\t\n\r 0123456789-+.eE") {
		t[c] = 1
	}
	t['['], t[']'] = '[', ']'
	return t
}()

// strictJSON decodes one JSON value into v, refusing unknown fields and
// trailing data, with an error naming the field or byte offset.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		switch e := err.(type) {
		case *json.SyntaxError:
			return bad("malformed JSON at byte %d: %v", e.Offset, e)
		case *json.UnmarshalTypeError:
			return bad("field %s: expected %s, got a JSON %s", e.Field, e.Type, e.Value)
		}
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return bad("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return bad("malformed JSON: %v", err)
	}
	if dec.More() {
		return bad("malformed JSON: data after the request's JSON value")
	}
	return nil
}

// encodeV2 writes the response to r: the JSON, and after it the binary
// outputs (then the JSON's length is returned for the
// Inference-Header-Content-Length header; -1 for a JSON-only answer).
//
// It appends to b, best of capacity responseSize (a kept buffer: responses).
func encodeV2(b []byte, m *Model, r *request, out []Tensor) ([]byte, int) {
	b = append(b, `{"model_name":`...)
	b = strconv.AppendQuote(b, m.Name)
	b = append(b, `,"model_version":`...)
	b = strconv.AppendQuote(b, m.Version)
	if r.id != "" {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, r.id)
	}
	b = append(b, `,"outputs":[`...)
	var bin []byte
	for k, name := range r.outputs {
		t := tensorNamed(out, name)
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = strconv.AppendQuote(b, t.Name)
		b = append(b, `,"datatype":"`...)
		b = append(b, t.Datatype...)
		b = append(b, `","shape":[`...)
		for i, s := range t.Shape {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(s), 10)
		}
		b = append(b, ']')
		if r.binary[name] {
			n0 := len(bin)
			bin = appendBinary(bin, t)
			b = append(b, `,"parameters":{"binary_data_size":`...)
			b = strconv.AppendInt(b, int64(len(bin)-n0), 10)
			b = append(b, "}}"...)
			continue
		}
		b = append(b, `,"data":`...)
		b = appendData(b, t, 0, -1)
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	if bin == nil {
		return b, -1
	}
	h := len(b)
	return append(b, bin...), h
}

// responseSize is the room an answer to r needs (encodeV2, encodeV1): at
// most the longest text of each number (float32 'g' -1: 15 bytes with its
// comma; float64: 25; int64: 21), strings as they are with their quotes,
// the binary outputs' bytes, and the names around them per row (V1) or
// per output (V2). Only strings that need escapes can take more.
func responseSize(m *Model, r *request, out []Tensor) int {
	n := 64 + len(m.Name) + len(m.Version) + len(r.id) + 3*r.n
	for _, name := range r.outputs {
		t := tensorNamed(out, name)
		n += 2*len(name) + 80 + r.n*(len(name)+6)
		switch {
		case r.binary[name]:
			n += 8*(len(t.F32)+len(t.F64)+len(t.I64)) + 4*len(t.Str)
			for _, s := range t.Str {
				n += len(s)
			}
		case t.F32 != nil:
			n += 15 * len(t.F32)
		case t.F64 != nil:
			n += 25 * len(t.F64)
		case t.I64 != nil:
			n += 21 * len(t.I64)
		default:
			for _, s := range t.Str {
				n += len(s) + 3
			}
		}
	}
	return n
}

func tensorNamed(out []Tensor, name string) Tensor {
	for _, t := range out {
		if t.Name == name {
			return t
		}
	}
	panic("serve: no output " + name)
}

// appendData appends elements lo..hi of t (hi -1: all) as a flat JSON array.
func appendData(b []byte, t Tensor, lo, hi int) []byte {
	b = append(b, '[')
	switch {
	case t.F32 != nil || t.Datatype == "FP32":
		if hi < 0 {
			hi = len(t.F32)
		}
		for i, v := range t.F32[lo:hi] {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
		}
	case t.F64 != nil || t.Datatype == "FP64":
		if hi < 0 {
			hi = len(t.F64)
		}
		for i, v := range t.F64[lo:hi] {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
	case t.I64 != nil || t.Datatype == "INT64":
		if hi < 0 {
			hi = len(t.I64)
		}
		for i, v := range t.I64[lo:hi] {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, v, 10)
		}
	default:
		if hi < 0 {
			hi = len(t.Str)
		}
		for i, v := range t.Str[lo:hi] {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
	}
	return append(b, ']')
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// appendBinary appends t's raw little-endian bytes; BYTES elements are
// each a 4-byte little-endian length and the bytes, as Triton sends them.
func appendBinary(b []byte, t Tensor) []byte {
	switch {
	case t.Datatype == "FP32":
		for _, v := range t.F32 {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	case t.Datatype == "FP64":
		for _, v := range t.F64 {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	case t.Datatype == "INT64":
		for _, v := range t.I64 {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	default:
		for _, v := range t.Str {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		}
	}
	if b == nil {
		b = []byte{}
	}
	return b
}
