package serve

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
)

// testModel is a 3-feature, 2-class classifier, for the decoders.
func testModel(t testing.TB) *Model {
	spec := model.Spec{InputDim: 3, Hidden: []int{4}, Activations: []string{"relu"}, Classes: 2, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := model.Save(path, net, nil); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(ModelRef{Name: "m", Path: path}, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tableModel is a classifier of a small table (a numeric column with a
// missing cell, a categorical and a binary one), with the table source's
// fitted schema in its file, for the table decoders.
func tableModel(t testing.TB) *Model {
	tab, err := data.ReadTableFrom(strings.NewReader("x,color,yes,y\n1.5,red,a,p\nNA,blue,b,q\n3,red,a,p\n4,green,b,q\n"), "t.csv", data.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.FitSchema(tab, tab.Column("y"), []string{"p", "q"}, []int{0, 1, 2, 3}, data.FitOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	fitted, err := source.EncodeFitted("table", s)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Width()
	spec := model.Spec{InputDim: w, Hidden: []int{4}, Activations: []string{"relu"}, Classes: 2, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	norm := &data.Normalizer{Mode: data.NormNone, Shift: make([]float32, w), Scale: make([]float32, w), Source: fitted}
	for i := range norm.Scale {
		norm.Scale[i] = 1
	}
	path := filepath.Join(t.TempDir(), "table.safetensors")
	if err := model.Save(path, net, norm); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(ModelRef{Name: "tab", Path: path}, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTableDecoders: the same two records sent as CSV, V1 records and
// OIP V2 (JSON and binary) decode to the same encoded rows, equal to
// what Schema.EncodeTable makes of them; a missing cell (left out, null,
// NaN, NA) imputes as the schema says.
func TestTableDecoders(t *testing.T) {
	m := tableModel(t)
	want, _, _, err := encodeTable([]byte("x,color,yes\n2,blue,b\nNA,purple,a\n"), m, data.TableOptions{}, "w", -1)
	if err != nil {
		t.Fatal(err)
	}
	f32 := func(v float32) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) }
	str := func(s string) []byte { return append(binary.LittleEndian.AppendUint32(nil, uint32(len(s))), s...) }
	bin := append(append(f32(2), f32(float32(math.NaN()))...), append(append(str("blue"), str("purple")...), append(str("b"), str("a")...)...)...)
	head := `{"inputs":[{"name":"x","datatype":"FP32","shape":[2,1],"parameters":{"binary_data_size":8}},` +
		`{"name":"color","datatype":"BYTES","shape":[2],"parameters":{"binary_data_size":18}},` +
		`{"name":"yes","datatype":"BYTES","shape":[2],"parameters":{"binary_data_size":10}}]}`
	for _, c := range []struct {
		what string
		dec  func() (*request, error)
	}{
		{"CSV", func() (*request, error) { return decodeCSV([]byte("yes,color,x,y\nb,blue,2,\na,purple,,q\n"), m, 10) }},
		{"V1", func() (*request, error) {
			return decodeV1([]byte(`{"instances":[{"x":2,"color":"blue","yes":"b"},{"color":"purple","yes":"a","y":"q"}]}`), m, 10)
		}},
		{"V2 JSON", func() (*request, error) {
			return decodeV2([]byte(`{"inputs":[{"name":"yes","datatype":"BYTES","shape":[2,1],"data":[["b"],["a"]]},{"name":"x","datatype":"FP32","shape":[2],"data":[2,null]},{"name":"color","datatype":"BYTES","shape":[2],"data":["blue","purple"]}]}`), -1, m, 10)
		}},
		{"V2 binary", func() (*request, error) { return decodeV2(append([]byte(head), bin...), len(head), m, 10) }},
	} {
		r, err := c.dec()
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if r.n != 2 || len(r.x) != len(want) {
			t.Fatalf("%s: %d rows, %d values; want 2 rows, %d values", c.what, r.n, len(r.x), len(want))
		}
		for i := range want {
			if r.x[i] != want[i] {
				t.Fatalf("%s: value %d = %v, want %v (all: %v, want %v)", c.what, i, r.x[i], want[i], r.x, want)
			}
		}
	}
	// The negative twin: another record decodes to other rows.
	r, err := decodeV1([]byte(`{"instances":[{"x":3,"color":"blue","yes":"b"},{"color":"purple","yes":"a"}]}`), m, 10)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(r.x, want) {
		t.Fatalf("x 3 and x 2 encode the same: %v", r.x)
	}
}

func TestScanMatrix(t *testing.T) {
	for _, c := range []struct {
		in   string
		rows int
		x    []float32
		err  string
	}{
		{"[1,2,3]", 1, []float32{1, 2, 3}, ""},
		{" [ [1, 2 ,3] ,\n[4,5e0,-6.5] ] ", 2, []float32{1, 2, 3, 4, 5, -6.5}, ""},
		{"[1,2,3,4,5,6]", 2, []float32{1, 2, 3, 4, 5, 6}, ""},
		{"[0.1]", 0, nil, "not a whole number of rows of 3"},
		{"[]", 0, nil, "has 0 numbers"},
		{"[[1,2]]", 0, nil, "d[0]: has 2 numbers, the model takes 3"},
		{"[[1,2,3,4]]", 0, nil, "d[0]: has more than 3 numbers, the model takes 3 per row"},
		{"[[1,2,3],4]", 0, nil, "d[1]: expected an array of 3 numbers, got '4'"},
		{`[1,"2",3]`, 0, nil, "d[1]: expected a number, got a string"},
		{`[1,+2,3]`, 0, nil, `d[1]: "+2" is not a JSON number`},
		{`[1,2.,3]`, 0, nil, `d[1]: "2." is not a JSON number`},
		{`[1,null,3]`, 0, nil, "got null"},
		{`[1,true,3]`, 0, nil, "got a boolean"},
		{`[1,{},3]`, 0, nil, "got an object"},
		{`[1,[2],3]`, 0, nil, "got an array"},
		{`[1,2,1e39]`, 0, nil, "1e39 is not a finite FP32 number"},
		{`[1,2,1e400]`, 0, nil, "1e400 is not a finite FP32 number"},
		{`{"a":1}`, 0, nil, "expected an array of numbers, got an object"},
		{"[1,2,3,4,5,6,7,8,9]", 0, nil, "more than 2 rows"},
		{"[[1,2,3],[1,2,3],[1,2,3]]", 0, nil, "more than 2 rows"},
	} {
		x, n, err := scanMatrix([]byte(c.in), 3, 2, "d", nil)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("scanMatrix(%s): %v, want an error containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || n != c.rows || len(x) != len(c.x) {
			t.Errorf("scanMatrix(%s) = %v, %d, %v; want %v, %d", c.in, x, n, err, c.x, c.rows)
			continue
		}
		for i := range x {
			if x[i] != c.x[i] {
				t.Errorf("scanMatrix(%s)[%d] = %v, want %v", c.in, i, x[i], c.x[i])
			}
		}
	}
}

// TestScanMatrixParsesAsPredict: a number becomes the float32 nnfc
// predict's CSV reader makes of it (ParseFloat to float64, then float32),
// including the halfway cases where parsing straight to float32 differs.
func TestScanMatrixParsesAsPredict(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var b strings.Builder
	var want []float32
	b.WriteByte('[')
	for i := range 3000 {
		if i > 0 {
			b.WriteByte(',')
		}
		s := strconv.FormatFloat(r.NormFloat64()*math.Pow(10, float64(r.IntN(20)-10)), 'g', 17, 64)
		b.WriteString(s)
		v, _ := strconv.ParseFloat(s, 64)
		want = append(want, float32(v))
	}
	b.WriteByte(']')
	x, _, err := scanMatrix([]byte(b.String()), 3, 1000, "d", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if x[i] != want[i] {
			t.Fatalf("value %d: %v, want %v", i, x[i], want[i])
		}
	}
}

// FuzzDecoders feeds arbitrary bodies to every request decoder (OIP V2
// JSON and binary, V1 JSON, CSV): none may panic, and whatever one
// accepts is a whole number of rows of finite numbers within the limits,
// with outputs the model has.
func FuzzDecoders(f *testing.F) {
	raw := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5))
	raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(2))
	raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(-3))
	head := `{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}}],"parameters":{"binary_data_output":true}}`
	f.Add([]byte(head+string(raw)), len(head), uint8(0))
	f.Add([]byte(`{"id":"x","inputs":[{"name":"input","shape":[2,3],"datatype":"FP64","data":[[1,2,3],[4,5,6]]}],"outputs":[{"name":"label","parameters":{"binary_data":true}}]}`), -1, uint8(0))
	f.Add([]byte(`{"instances":[[1,2,3],[4,5,6]]}`), -1, uint8(1))
	f.Add([]byte(`{"instances":[{"a":1,"b":2}]}`), -1, uint8(1))
	f.Add([]byte("a,b,c\n1,2,3\n4,5,6\n"), -1, uint8(2))
	f.Add([]byte(`{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[null]},{"name":"color","datatype":"BYTES","shape":[1,1],"data":["red"]},{"name":"yes","datatype":"BYTES","shape":[1],"data":["a"]}]}`), -1, uint8(3))
	f.Add([]byte(`{"instances":[{"x":1,"color":"blue"},{"yes":"b"}]}`), -1, uint8(4))
	f.Add([]byte("x,color,yes\n1,red,a\nNA,,b\n"), -1, uint8(5))
	num, tab := testModel(f), tableModel(f)
	const maxRows = 8
	f.Fuzz(func(t *testing.T, body []byte, headerLen int, kind uint8) {
		var r *request
		var err error
		m := num
		if kind%6 >= 3 {
			m = tab // a table model: records through its schema
		}
		switch kind % 3 {
		case 0:
			r, err = decodeV2(body, headerLen, m, maxRows)
		case 1:
			r, err = decodeV1(body, m, maxRows)
		case 2:
			r, err = decodeCSV(body, m, maxRows)
		}
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		defer r.release()
		if r.n < 1 || r.n > maxRows || len(r.x) != r.n*m.inputDim {
			t.Fatalf("accepted %d rows, %d values", r.n, len(r.x))
		}
		if row, col, ok := m.prepare(r.x); !ok { // the server's 400 for a non-finite value
			if v := r.x[row*m.inputDim+col]; !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
				t.Fatalf("prepare refused row %d, column %d: %v", row, col, v)
			}
			return
		}
		for _, v := range r.x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("accepted %v", v)
			}
		}
		if len(r.outputs) == 0 {
			t.Fatal("no outputs to answer")
		}
		out := run(m.answers[0], r.x, r.n)
		if kind%3 == 0 {
			encodeV2(nil, m, r, out)
		} else {
			encodeV1(nil, r, out)
		}
	})
}

// TestParseNumber: parseNumber's fast path returns exactly strconv's
// float64 (bit for bit, signed zeros included) on numbers it takes, and
// hands the rest to strconv: short decimals, integers, exponents near the
// limits of the fast path (|e| 22, 15 digits) and beyond them.
func TestParseNumber(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := []string{"0", "-0", "0.0", "-0.0", "1", "255", "-7", "0.1", "0.3", "1e22", "1e23", "1e-22", "1e-23",
		"123456789012345", "1234567890123456", "0.000000000000001", "9007199254740993", "4.35", "2.5e-3",
		"1E5", "1e+5", "1.5e-300", "17976931348623157e292", "1e0001", "1e", "1.", "-", "1.2.3", "1-2", "--1", "1e+-2"}
	for range 20000 {
		var s string
		switch r.IntN(4) {
		case 0:
			s = strconv.Itoa(r.IntN(256))
		case 1:
			s = strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(10)-5)), 'f', r.IntN(12), 64)
		case 2:
			s = strconv.FormatFloat(r.NormFloat64(), 'g', 1+r.IntN(17), 64)
		default:
			s = strconv.FormatFloat(r.NormFloat64()*math.Pow(10, float64(r.IntN(60)-30)), 'e', r.IntN(16), 64)
		}
		cases = append(cases, s)
	}
	for _, s := range cases {
		got, gerr := parseNumber([]byte(s))
		want, werr := strconv.ParseFloat(s, 64)
		if (gerr == nil) != (werr == nil) || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("parseNumber(%q) = %v (%v), strconv.ParseFloat = %v (%v)", s, got, gerr, want, werr)
		}
	}
}

// TestSpliceData: the value of inputs[0].data is found wherever it sits
// (other members before it, strings holding brackets, quotes and the word
// data, nested objects), and not found where it is not inputs[0]'s or
// not an array of numbers.
func TestSpliceData(t *testing.T) {
	for _, c := range []struct{ in, data string }{
		{`{"inputs":[{"name":"input","data":[1,2,3]}]}`, `[1,2,3]`},
		{` { "id" : "a\"data\":[9]}" , "parameters":{"x":[{"data":[7]}],"y":true},"inputs" : [ { "shape":[1,3], "datatype":"FP32", "data" : [[1, 2e-3,-3]] , "name":"input"}],"outputs":[]}`, `[[1, 2e-3,-3]]`},
		{`{"id":1.5,"inputs":[{"parameters":{"data":[5]},"data":[4]}]}`, `[4]`},
		{`{"inputs":[{"name":"input","data":[1,"2",3]}]}`, ``},
		{`{"inputs":[{"name":"input"},{"data":[1]}]}`, ``},
		{`{"outputs":[{"data":[1]}]}`, ``},
		{`{"x":{"inputs":[{"data":[1]}]}}`, ``},
		{`{"in\u0070uts":[{"data":[1]}]}`, ``},
		{`{"inputs":[{"data":[1,2]`, `[1,2]`}, // encoding/json then finds the JSON cut short
		{`[{"inputs":[{"data":[1]}]}]`, ``},
	} {
		rest, data := spliceData([]byte(c.in))
		if string(data) != c.data {
			t.Errorf("spliceData(%s): data %q, want %q", c.in, data, c.data)
			continue
		}
		if c.data == "" {
			if string(rest) != c.in {
				t.Errorf("spliceData(%s): changed the JSON to %s without finding data", c.in, rest)
			}
			continue
		}
		if want := strings.Replace(c.in, c.data, "null", 1); string(rest) != want {
			t.Errorf("spliceData(%s): rest %s, want %s", c.in, rest, want)
		}
	}
}

// TestRowBuffersReused: the rows of a JSON request decode into a buffer
// kept from an earlier request (rowBuffers, release); what it held before
// must not leak into the next request's rows. A buffer full of NaN given
// to scanMatrix yields the same bits as a fresh one, and requests decoded
// one after another, each released, equal their fresh decodes (V2 nested
// and flat, V1), with sizes over the pool's minimum.
func TestRowBuffersReused(t *testing.T) {
	m := testModel(t)
	const n, d = 6000, 3 // 18,000 values ≥ rowBuffers.min
	rng := rand.New(rand.NewPCG(7, 8))
	body := func(v1, flat bool) ([]byte, []float32) {
		var b strings.Builder
		var want []float32
		if v1 {
			b.WriteString(`{"instances":[`)
		} else {
			b.WriteString(`{"inputs":[{"name":"input","shape":[6000,3],"datatype":"FP32","data":[`)
		}
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			if !flat {
				b.WriteByte('[')
			}
			for j := range d {
				if j > 0 {
					b.WriteByte(',')
				}
				s := strconv.FormatFloat(rng.NormFloat64()*100, 'g', -1, 32)
				v, _ := strconv.ParseFloat(s, 64)
				want = append(want, float32(v))
				b.WriteString(s)
			}
			if !flat {
				b.WriteByte(']')
			}
		}
		if v1 {
			b.WriteString("]}")
		} else {
			b.WriteString("]}]}")
		}
		return []byte(b.String()), want
	}
	same := func(what string, got, want []float32) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: value %d is %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	// scanMatrix into a used buffer (length and capacity full of NaN).
	raw, want := body(true, false)
	dirty := make([]float32, n*d)
	for i := range dirty {
		dirty[i] = float32(math.NaN())
	}
	v := raw[len(`{"instances":`) : len(raw)-1]
	x, rows, err := scanMatrix(v, d, n, "instances", dirty)
	if err != nil || rows != n {
		t.Fatalf("scanMatrix into a used buffer: %d rows, %v", rows, err)
	}
	same("scanMatrix into a used buffer", x, want)
	// Requests one after another, each released after use.
	for k := range 6 {
		v1, flat := k%2 == 1, k == 2 // V1 rows are arrays; V2 data may be flat
		raw, want := body(v1, flat)
		var r *request
		if v1 {
			r, err = decodeV1(raw, m, n)
		} else {
			r, err = decodeV2(raw, -1, m, n)
		}
		if err != nil {
			t.Fatalf("request %d: %v", k, err)
		}
		if r.kept == nil {
			t.Fatalf("request %d: %d values not in a kept buffer", k, len(r.x))
		}
		same("request "+strconv.Itoa(k), r.x, want)
		r.release()
		if r.x != nil || r.kept != nil {
			t.Fatalf("request %d: rows still held after release", k)
		}
	}
}

// TestResponseSized: the response buffer (responseSize) holds the longest
// answers whole, so encodeV2 and encodeV1 never grow it: every number at
// its longest text (float32 and float64 with 17/9 digits and a 3-digit
// exponent, the most negative int64), names, V1's per-row keys, binary
// outputs; 1 and 1,000 rows. Nor is the room more than twice the V2
// JSON answer (V1 repeats the names per row, V2 does not).
func TestResponseSized(t *testing.T) {
	m := testModel(t)
	for _, n := range []int{1, 1000} {
		f32, f64, i64, str := make([]float32, 3*n), make([]float64, 2*n), make([]int64, n), make([]string, n)
		for i := range f32 {
			f32[i] = -1.1754944e-38
		}
		for i := range f64 {
			f64[i] = -2.2250738585072014e-308
		}
		for i := range i64 {
			i64[i] = math.MinInt64
			str[i] = "a label name"
		}
		out := []Tensor{
			{Name: "probabilities", Datatype: "FP32", Shape: []int{n, 3}, F32: f32},
			{Name: "values", Datatype: "FP64", Shape: []int{n, 2}, F64: f64},
			{Name: "label", Datatype: "INT64", Shape: []int{n}, I64: i64},
			{Name: "label_name", Datatype: "BYTES", Shape: []int{n}, Str: str},
		}
		for _, binOut := range []bool{false, true} {
			r := &request{id: "request-7", n: n, binary: map[string]bool{}}
			for _, o := range out {
				r.outputs = append(r.outputs, o.Name)
				r.binary[o.Name] = binOut
			}
			size := responseSize(m, r, out)
			if v2, _ := encodeV2(nil, m, r, out); len(v2) > size {
				t.Errorf("%d rows, binary %v: V2 answer of %d bytes, responseSize %d", n, binOut, len(v2), size)
			} else if !binOut && 2*len(v2) < size {
				t.Errorf("%d rows: V2 answer of %d bytes, responseSize %d: far too much room", n, len(v2), size)
			}
			if binOut {
				continue
			}
			if v1 := encodeV1(nil, r, out); len(v1) > size {
				t.Errorf("%d rows: V1 answer of %d bytes, responseSize %d", n, len(v1), size)
			}
		}
	}
}
