package serve

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/pkg/data"
)

// The simple JSON front door, KServe's V1 protocol:
// {"instances": [[...], ...]} in, {"predictions": [{...}, ...]} out; or a
// CSV body (Content-Type text/csv), one row per line, features only, a
// header row allowed (detected as nnfc predict detects it).

type v1Request struct {
	Instances json.RawMessage `json:"instances"`
}

// decodeV1 decodes a V1 JSON body for model m.
func decodeV1(body []byte, m *Model, maxRows int) (*request, error) {
	var r v1Request
	// As decodeV2 does: an array of numbers is cut out before
	// encoding/json checks the rest, and scanned by scanMatrix.
	var rows []byte
	if v := memberOffset(body, skipSpace(body, 0), "instances"); v >= 0 {
		if end := numberArrayEnd(body, v); end >= 0 {
			rest := make([]byte, 0, len(body)-(end-v)+4)
			rest = append(append(append(rest, body[:v]...), "null"...), body[end:]...)
			if strictJSON(rest, &r) == nil {
				rows = body[v:end]
			}
		}
	}
	if rows != nil {
		r.Instances = rows
	} else if err := strictJSON(body, &r); err != nil {
		return nil, err
	}
	if r.Instances == nil {
		return nil, bad("instances: missing; expected {\"instances\": [[%d numbers], ...]}", m.inputDim)
	}
	raw := bytes.TrimSpace(r.Instances)
	if m.schema != nil {
		if first := skipSpace(raw, 1); len(raw) == 0 || raw[0] != '[' || first >= len(raw) || raw[first] != '{' {
			return nil, bad("instances: model %s takes records, {\"column\": value, ...}, with the columns %s", m.Name, quoteAll(newTableRows(m.schema).names))
		}
		rows, err := decodeTableRecords(raw, m, maxRows)
		if err != nil {
			return nil, err
		}
		req := &request{}
		if req.x, req.x64, req.n, err = rows.encode(m, "instances"); err != nil {
			return nil, err
		}
		return allOutputs(req, m), nil
	}
	if first := skipSpace(raw, 1); len(raw) > 0 && raw[0] == '[' && first < len(raw) && raw[first] == '{' {
		return nil, decodeRecords(raw, m)
	}
	if len(raw) == 0 || raw[0] != '[' || raw[skipSpace(raw, 1)] != '[' {
		return nil, bad("instances: expected an array of rows, each an array of %d numbers", m.inputDim)
	}
	// At least 2 bytes a number ("0,"): room for all of them, as many
	// rows as the limit allows.
	buf := rowBuffers.get(min(len(raw)/2, maxRows*m.inputDim))
	x, n, err := scanMatrix(raw, m.inputDim, maxRows, "instances", *buf)
	if err != nil {
		rowBuffers.put(buf)
		if re, ok := err.(*rowsError); ok {
			return nil, &badRequest{413, re.Error()}
		}
		return nil, bad("%v", err)
	}
	return allOutputs(&request{x: x, n: n, kept: buf}, m), nil
}

// decodeRecords refuses {"column": value} records for a model of plain
// numeric rows (no table schema names its columns), naming their keys; a
// table model's records are decodeTableRecords'.
func decodeRecords(raw []byte, m *Model) error {
	var recs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &recs); err != nil {
		return bad("instances: expected an array of records (objects) or of rows (arrays): %v", err)
	}
	var keys []string
	for k := range recs[0] {
		keys = append(keys, strconv.Quote(k))
	}
	if len(keys) > 3 {
		keys = append(keys[:3], "...")
	}
	return bad("instances[0]: a record with columns %s, but model %s has no table schema naming its columns: send rows of %d numbers", strings.Join(keys, ", "), m.Name, m.inputDim)
}

// decodeCSV decodes a text/csv body: one row per line, every field a
// number, a first row that is not all numbers taken as the header.
func decodeCSV(body []byte, m *Model, maxRows int) (*request, error) {
	if m.schema != nil {
		// A table model's CSV is read as nnfc predict reads its file.
		x, x64, n, err := encodeTable(body, m, data.TableOptions{NAValues: m.schema.NAValues, NoHeader: m.schema.NoHeader}, "CSV", -1)
		if err != nil {
			return nil, err
		}
		if n > maxRows {
			return nil, &badRequest{413, fmt.Sprintf("CSV: %d rows, more than the server's --max-rows %d", n, maxRows)}
		}
		return allOutputs(&request{x: x, x64: x64, n: n}, m), nil
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	d := m.inputDim
	var x []float32
	n := 0
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad("CSV: %v", err)
		}
		if line == 1 && !allNumbers(rec) {
			continue // a header row
		}
		if len(rec) != d {
			return nil, bad("CSV line %d: %d columns, model %s takes %d", line, len(rec), m.Name, d)
		}
		if n >= maxRows {
			return nil, &badRequest{413, fmt.Sprintf("CSV: more than %d rows (the server's --max-rows)", maxRows)}
		}
		for j, f := range rec {
			f = strings.TrimSpace(f)
			v, err := strconv.ParseFloat(f, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, bad("CSV line %d, column %d: %q is not a number", line, j+1, f)
			}
			if v32 := float32(v); err != nil || math.IsNaN(v) || math.IsInf(float64(v32), 0) {
				return nil, bad("CSV line %d, column %d: %q is not a finite FP32 number", line, j+1, f)
			}
			x = append(x, float32(v))
		}
		n++
	}
	if n == 0 {
		return nil, bad("CSV: no data rows")
	}
	return allOutputs(&request{x: x, n: n}, m), nil
}

func allNumbers(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

func allOutputs(r *request, m *Model) *request {
	for _, o := range m.Outputs() {
		r.outputs = append(r.outputs, o.Name)
	}
	return r
}

// encodeV1 writes {"predictions": [...]}: one object per row holding
// each output's value for that row (a number or string for a one-value
// output, an array for a vector).
func encodeV1(b []byte, r *request, out []Tensor) []byte {
	b = append(b, `{"predictions":[`...)
	for i := 0; i < r.n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for k, name := range r.outputs {
			t := tensorNamed(out, name)
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, name)
			b = append(b, ':')
			w := 1
			if len(t.Shape) > 1 {
				w = t.Shape[1]
			}
			at := len(b)
			b = appendData(b, t, i*w, (i+1)*w)
			if len(t.Shape) == 1 { // the one element, not an array
				b = append(b[:at], b[at+1:len(b)-1]...)
			}
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}
