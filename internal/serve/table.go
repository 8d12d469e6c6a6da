package serve

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/pkg/data"
)

// A model with a table schema (data.Schema, stored in the model file by
// the table source) takes raw table records: named columns, numbers,
// strings and missing cells, encoded by the schema exactly as nnfc
// predict encodes a CSV file. The server accepts them three ways:
//
//   - OIP V2, one input per used column, as the model's ONNX export takes
//     them: a numeric column FP32 (or FP64), shape [rows, 1] or [rows],
//     JSON null or (binary data) NaN for a missing cell; a binary or
//     categorical column BYTES (JSON strings, null for missing; binary:
//     4-byte little-endian length + bytes each);
//   - V1 records, {"instances": [{"column": value, ...}, ...]}: a key left
//     out is a missing cell, imputed as training fitted; a key that is
//     not one of the model's columns (or its target) is refused;
//   - a text/csv body with the header row, as nnfc predict reads a file.
//
// The records are written out as CSV text and read back with
// data.ReadTableFrom and Schema.EncodeTable, the reader nnfc predict
// uses, so that a number in a categorical column, an NA string or an
// unseen category is read exactly as it would be from a file.

// tableInputs lists the OIP V2 inputs of a table model: one per column
// the schema uses.
func tableInputs(s *data.Schema, precision string) []TensorMeta {
	var out []TensorMeta
	for _, c := range s.Columns {
		switch c.Type {
		case data.TypeIgnore:
		case data.TypeNumeric:
			out = append(out, TensorMeta{Name: c.Name, Datatype: datatypeOf(precision), Shape: []int{-1, 1}})
		default:
			out = append(out, TensorMeta{Name: c.Name, Datatype: "BYTES", Shape: []int{-1, 1}})
		}
	}
	return out
}

// cell is one raw table cell of a request: its text, or missing.
type cell struct {
	text    string
	missing bool
}

// tableRows are a request's raw records, column by column, in the
// schema's column order (used columns only).
type tableRows struct {
	names []string
	cols  [][]cell
	n     int
}

func newTableRows(s *data.Schema) *tableRows {
	t := &tableRows{}
	for _, c := range s.Columns {
		if c.Type != data.TypeIgnore {
			t.names = append(t.names, c.Name)
		}
	}
	t.cols = make([][]cell, len(t.names))
	return t
}

// decodeTableV2 decodes the inputs of an OIP V2 request for a table model.
func decodeTableV2(r *v2Request, bin []byte, headerLen int, m *Model, maxRows int) (*tableRows, error) {
	rows := newTableRows(m.schema)
	metas := m.Inputs()
	seen := map[string]bool{}
	for i, in := range r.Inputs {
		k := slices.IndexFunc(metas, func(t TensorMeta) bool { return t.Name == in.Name })
		if k < 0 {
			return nil, bad("inputs[%d].name: model %s has no input %q; its inputs are the columns %s", i, m.Name, in.Name, inputNames(metas))
		}
		if seen[in.Name] {
			return nil, bad("inputs[%d].name: %q is given twice", i, in.Name)
		}
		seen[in.Name] = true
		if len(in.Shape) < 1 || len(in.Shape) > 2 || in.Shape[0] < 1 || len(in.Shape) == 2 && in.Shape[1] != 1 {
			return nil, bad("inputs[%d].shape: column %s takes [rows, 1] or [rows] with rows ≥ 1, got %v", i, in.Name, in.Shape)
		}
		n := in.Shape[0]
		if n > maxRows {
			return nil, &badRequest{413, fmt.Sprintf("inputs[%d].shape: %d rows, more than the server's --max-rows %d", i, n, maxRows)}
		}
		if i > 0 && n != rows.n {
			return nil, bad("inputs[%d].shape: %d rows, inputs[0] has %d", i, n, rows.n)
		}
		rows.n = n
		numeric := metas[k].Datatype != "BYTES"
		want := "BYTES"
		if numeric {
			want = "FP32 or FP64"
		}
		if numeric && in.Datatype != "FP32" && in.Datatype != "FP64" || !numeric && in.Datatype != "BYTES" {
			return nil, bad("inputs[%d].datatype: column %s takes %s, got %q", i, in.Name, want, in.Datatype)
		}
		where := fmt.Sprintf("inputs[%d]", i)
		var cells []cell
		var err error
		if size, ok, perr := binarySize(in, where); perr != nil {
			return nil, perr
		} else if ok {
			if headerLen < 0 {
				return nil, bad("%s.parameters.binary_data_size is set, but the Inference-Header-Content-Length header is missing", where)
			}
			if in.Data != nil {
				return nil, bad("%s: has both data and binary_data_size", where)
			}
			if size > len(bin) {
				return nil, bad("binary data: %d bytes left for %s, its binary_data_size says %d", len(bin), where, size)
			}
			cells, err = binaryCells(bin[:size], in.Datatype, n, where)
			bin = bin[size:]
		} else {
			if in.Data == nil {
				return nil, bad("%s.data: missing (and no binary_data_size)", where)
			}
			cells, err = jsonCells(in.Data, numeric, n, where)
		}
		if err != nil {
			return nil, err
		}
		rows.cols[slices.Index(rows.names, in.Name)] = cells
	}
	if len(bin) > 0 {
		return nil, bad("binary data: %d bytes after the inputs' binary_data_size", len(bin))
	}
	for _, name := range rows.names {
		if !seen[name] {
			return nil, bad("inputs: model %s needs an input for column %q (send null cells for missing values); its inputs are %s", m.Name, name, inputNames(metas))
		}
	}
	return rows, nil
}

func inputNames(ts []TensorMeta) string {
	var s []string
	for _, t := range ts {
		s = append(s, strconv.Quote(t.Name))
	}
	return strings.Join(s, ", ")
}

// binarySize returns an input's parameters.binary_data_size, if set.
func binarySize(in v2Input, where string) (int, bool, error) {
	v, ok := in.Parameters["binary_data_size"]
	if !ok {
		return 0, false, nil
	}
	var n int
	if err := json.Unmarshal(v, &n); err != nil || n < 0 {
		return 0, false, bad("%s.parameters.binary_data_size: expected a byte count, got %s", where, v)
	}
	return n, true, nil
}

// binaryCells reads n cells of a binary tensor: FP32/FP64 little-endian
// (NaN is a missing cell; ±Inf is refused), or BYTES as 4-byte
// little-endian lengths each followed by that many bytes.
func binaryCells(b []byte, datatype string, n int, where string) ([]cell, error) {
	cells := make([]cell, n)
	switch datatype {
	case "FP32", "FP64":
		size := 4
		if datatype == "FP64" {
			size = 8
		}
		if len(b) != n*size {
			return nil, bad("%s.parameters.binary_data_size: %d bytes, but %d rows of %s are %d bytes", where, len(b), n, datatype, n*size)
		}
		for i := range cells {
			var v float64
			if size == 4 {
				v = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
			} else {
				v = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
			if err := numberCell(&cells[i], v, 8*size, where, i); err != nil {
				return nil, err
			}
		}
	default:
		for i := range cells {
			if len(b) < 4 {
				return nil, bad("%s: binary BYTES data ends before element %d of %d", where, i, n)
			}
			k := int(binary.LittleEndian.Uint32(b))
			if k > len(b)-4 {
				return nil, bad("%s: binary BYTES element %d says %d bytes, %d are left", where, i, k, len(b)-4)
			}
			cells[i].text = string(b[4 : 4+k])
			b = b[4+k:]
		}
		if len(b) > 0 {
			return nil, bad("%s: %d bytes of binary BYTES data after its %d elements", where, len(b), n)
		}
	}
	return cells, nil
}

// numberCell sets a numeric cell from v, a float of bits 32 or 64: NaN is
// missing, ±Inf refused. The text is the shortest that reads back as the
// same float of that size (an FP32 34.1 is "34.1", as in a file).
func numberCell(c *cell, v float64, bits int, where string, i int) error {
	switch {
	case math.IsNaN(v):
		c.missing = true
	case math.IsInf(v, 0):
		return bad("%s: row %d is %v: a numeric column takes finite numbers (NaN or null for a missing cell)", where, i, v)
	default:
		c.text = strconv.FormatFloat(v, 'g', -1, bits)
	}
	return nil
}

// jsonCells reads n cells of a JSON data array, flat or one array of one
// value per row: numbers for a numeric column, strings for the others,
// null for a missing cell.
func jsonCells(raw json.RawMessage, numeric bool, n int, where string) ([]cell, error) {
	var vals []json.RawMessage
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, bad("%s.data: expected an array of %d values: %v", where, n, err)
	}
	if len(vals) != n {
		return nil, bad("%s.data: holds %d values, its shape needs %d", where, len(vals), n)
	}
	cells := make([]cell, n)
	for i, v := range vals {
		v = bytes.TrimSpace(v)
		if len(v) > 0 && v[0] == '[' { // [[v], [v], ...]
			var one []json.RawMessage
			if err := json.Unmarshal(v, &one); err != nil || len(one) != 1 {
				return nil, bad("%s.data[%d]: expected one value (or an array of one), got %s", where, i, v)
			}
			v = bytes.TrimSpace(one[0])
		}
		var err error
		cells[i], err = jsonCell(v, numeric, fmt.Sprintf("%s.data[%d]", where, i))
		if err != nil {
			return nil, err
		}
	}
	return cells, nil
}

// jsonCell reads one JSON value as a cell: null is missing; a number
// keeps its JSON text (read as a CSV cell would be); a string its value.
// numeric: the column takes numbers; else strings (a V1 record, numeric
// < 0 handled by the caller, takes either).
func jsonCell(v json.RawMessage, numeric bool, where string) (cell, error) {
	switch {
	case string(v) == "null":
		return cell{missing: true}, nil
	case len(v) > 0 && v[0] == '"':
		if numeric {
			return cell{}, bad("%s: a numeric column takes numbers (null for a missing cell), got the string %s", where, v)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return cell{}, bad("%s: %v", where, err)
		}
		return cell{text: s}, nil
	case len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9'):
		if !numeric {
			return cell{}, bad("%s: a BYTES column takes strings (null for a missing cell), got %s", where, v)
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) {
			return cell{}, bad("%s: %s is not a finite number", where, v)
		}
		return cell{text: string(v)}, nil
	}
	return cell{}, bad("%s: expected a number, a string or null, got %s", where, kindAt(v, 0))
}

// decodeTableRecords decodes V1 records for a table model.
func decodeTableRecords(raw []byte, m *Model, maxRows int) (*tableRows, error) {
	var recs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, bad("instances: expected an array of records, {\"column\": value, ...}: %v", err)
	}
	if len(recs) == 0 {
		return nil, bad("instances: no records")
	}
	if len(recs) > maxRows {
		return nil, &badRequest{413, fmt.Sprintf("instances: %d records, more than the server's --max-rows %d", len(recs), maxRows)}
	}
	s := m.schema
	rows := newTableRows(s)
	rows.n = len(recs)
	known := map[string]bool{s.Target.Name: true}
	for _, c := range s.Columns {
		known[c.Name] = true
	}
	for k, name := range rows.names {
		rows.cols[k] = make([]cell, len(recs))
		for i, rec := range recs {
			v, ok := rec[name]
			if !ok {
				rows.cols[k][i].missing = true
				continue
			}
			v = bytes.TrimSpace(v)
			numeric := len(v) > 0 && v[0] != '"' // either kind: the schema decides
			switch {
			case string(v) == "true", string(v) == "false":
				rows.cols[k][i] = cell{text: string(v)}
				continue
			case len(v) > 0 && (v[0] == '{' || v[0] == '['):
				return nil, bad("instances[%d].%s: expected a number, a string or null, got %s", i, name, kindAt(v, 0))
			}
			c, err := jsonCell(v, numeric, fmt.Sprintf("instances[%d].%s", i, name))
			if err != nil {
				return nil, err
			}
			rows.cols[k][i] = c
		}
	}
	for i, rec := range recs {
		for key := range rec {
			if !known[key] {
				return nil, bad("instances[%d]: unknown column %q; model %s takes the columns %s", i, key, m.Name, quoteAll(rows.names))
			}
		}
	}
	return rows, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// encode writes the rows as CSV text and reads them back through the
// schema, as nnfc predict reads a file: the encoded, not yet normalized,
// rows: float32, or float64 for a model that reads its rows in float64
// (Model.wide), as nnfc predict reads them (data.Dataset.X64).
func (t *tableRows) encode(m *Model, where string) ([]float32, []float64, int, error) {
	s := m.schema
	na := s.NAValues
	if na == nil {
		na = data.DefaultNAValues
	}
	missing := ""
	if len(na) > 0 {
		missing = na[0]
		if slices.Contains(na, "") {
			missing = ""
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(t.names); err != nil {
		return nil, nil, 0, bad("%s: %v", where, err)
	}
	rec := make([]string, len(t.names))
	for i := 0; i < t.n; i++ {
		for k := range t.names {
			c := t.cols[k][i]
			if c.missing {
				if len(na) == 0 {
					return nil, nil, 0, bad("%s: row %d, column %s is missing, but the model reads no cell as missing (its data.na_values is empty)", where, i, t.names[k])
				}
				rec[k] = missing
				continue
			}
			rec[k] = c.text
		}
		if err := w.Write(rec); err != nil {
			return nil, nil, 0, bad("%s: %v", where, err)
		}
	}
	w.Flush()
	return encodeTable(buf.Bytes(), m, data.TableOptions{Delimiter: ',', NAValues: s.NAValues}, where, 0)
}

// encodeTable reads CSV text (a header row, then records) with the
// model's schema; lineBase maps the text's lines to the request's rows
// in errors (0: the records of a request, line 2 is row 0; -1: a CSV
// body, whose lines are named as they are).
func encodeTable(text []byte, m *Model, opt data.TableOptions, where string, lineBase int) ([]float32, []float64, int, error) {
	t, err := data.ReadTableFrom(bytes.NewReader(text), where, opt)
	if err != nil {
		return nil, nil, 0, bad("%s", requestLines(err.Error(), where, lineBase))
	}
	wide := m.wide()
	ds, _, err := m.schema.EncodeTableAs(t, false, wide)
	if err != nil {
		return nil, nil, 0, bad("%s", requestLines(err.Error(), where, lineBase))
	}
	if wide {
		return nil, ds.X64, ds.N, nil
	}
	return ds.X, nil, ds.N, nil
}

// requestLines rewrites "WHERE:LINE:" in a table reader's message as the
// request's row, "WHERE[ROW]:", for records written out as CSV text.
func requestLines(msg, where string, lineBase int) string {
	if lineBase < 0 {
		return msg
	}
	re := regexp.MustCompile(regexp.QuoteMeta(where) + `:(\d+):`)
	return re.ReplaceAllStringFunc(msg, func(s string) string {
		line, _ := strconv.Atoi(re.FindStringSubmatch(s)[1])
		return fmt.Sprintf("%s[%d]:", where, line-2)
	})
}
