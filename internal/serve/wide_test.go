package serve

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
)

// TestFloat64TableAsPredict: a float64 table model answers every request
// form (CSV, V1 records, OIP V2 JSON, OIP V2 binary FP64) with exactly
// the probabilities nnfc predict's code computes — source.ReadInput with
// Float64 (its X64), infer.Model.Prepare and Predict — bit for bit. The
// twin: the same rows through the float32 path (rounded before the
// normalization) give other bits, so the comparison can tell.
func TestFloat64TableAsPredict(t *testing.T) {
	tab, err := data.ReadTableFrom(strings.NewReader("x,color,z,y\n1.5,red,10.25,p\nNA,blue,-3.5,q\n3,red,0.125,p\n4,green,7,q\n"), "t.csv", data.TableOptions{})
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
	m, path := saveWide(t, model.Spec{InputDim: w, Hidden: []int{16}, Activations: []string{"swish"}, Classes: 2, Loss: "softmax", Init: "he"}, fitted)
	if m.Precision != "float64" || !m.wide() {
		t.Fatalf("model precision %s, wide %v: want a float64 model read in float64", m.Precision, m.wide())
	}

	want := predictProbs(t, path, w, fitted)
	csvText, head, bin := wideCSV, "{"+wideInputs+"}", wideBinary()
	probs := func(what string, r *request) []float64 {
		t.Helper()
		out := answerRows(t, m, what, r)
		p := tensorNamed(out, "probabilities")
		if p.Datatype != "FP64" || len(p.F64) != len(want) {
			t.Fatalf("%s: probabilities %s of %d values, want FP64 of %d", what, p.Datatype, len(p.F64), len(want))
		}
		return p.F64
	}
	for _, c := range []struct {
		what string
		dec  func() (*request, error)
	}{
		{"CSV", func() (*request, error) { return decodeCSV([]byte(csvText), m, 10) }},
		{"V1 records", func() (*request, error) {
			return decodeV1([]byte(`{"instances":[{"x":2.123456789012345,"color":"blue","z":-1.0000001192092896},{"color":"purple","z":3.3333333333333335},{"x":0.1,"color":"red","z":1e-7}]}`), m, 10)
		}},
		{"V2 JSON", func() (*request, error) {
			return decodeV2([]byte(`{"inputs":[{"name":"x","datatype":"FP64","shape":[3,1],"data":[2.123456789012345,null,0.1]},{"name":"color","datatype":"BYTES","shape":[3],"data":["blue","purple","red"]},{"name":"z","datatype":"FP64","shape":[3],"data":[-1.0000001192092896,3.3333333333333335,1e-7]}]}`), -1, m, 10)
		}},
		{"V2 binary", func() (*request, error) { return decodeV2(append([]byte(head), bin...), len(head), m, 10) }},
	} {
		r, err := c.dec()
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if r.x64 == nil || r.x != nil {
			t.Fatalf("%s: rows decoded in float32, want float64", c.what)
		}
		got := probs(c.what, r)
		for i, v := range want {
			if math.Float64bits(got[i]) != math.Float64bits(v) {
				t.Errorf("%s: row %d p%d = %v, nnfc predict's code %v", c.what, i/2, i%2, got[i], v)
			}
		}
	}
	// The twin: rounded to float32 first, the answer is not predict's.
	r, err := decodeCSV([]byte(csvText), m, 10)
	if err != nil {
		t.Fatal(err)
	}
	r.x = make([]float32, len(r.x64))
	for i, v := range r.x64 {
		r.x[i] = float32(v)
	}
	r.x64 = nil
	got, differ := probs("float32 twin", r), 0
	for i, v := range want {
		if got[i] != v {
			differ++
		}
	}
	if differ == 0 {
		t.Fatal("rows rounded to float32 answer predict's float64 probabilities exactly: the comparison cannot tell")
	}
}

// TestFloat64MultilabelAsPredict: a float64 multilabel table model's
// served probabilities are nnfc predict's bit for bit (its reader's X64,
// infer.Model.Prepare and Predict), in the JSON and the binary FP64
// outputs of OIP V2 and in V1's JSON, for CSV and OIP V2 binary requests.
// Before, its answerer had no Answer64 and serve read the rows in float32.
func TestFloat64MultilabelAsPredict(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	if err := os.WriteFile(train, []byte("x,color,z,tags\n1.5,red,10.25,a;b\n,blue,-3.5,b\n3,red,0.125,\n4,green,7,a;c\n2,blue,1,c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	td, err := data.LoadTable(data.TableConfig{Train: train, Fit: data.FitOptions{Target: "tags", Targets: []string{"tags"}}, TargetKind: data.TargetLabels}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	fitted, err := source.EncodeFitted("table", td.Schema)
	if err != nil {
		t.Fatal(err)
	}
	w, k := td.Schema.Width(), len(td.Schema.Target.Classes)
	m, path := saveWide(t, model.Spec{Kind: model.KindMultilabel, InputDim: w, Hidden: []int{16}, Activations: []string{"swish"},
		Classes: k, Loss: model.LossBCE, PosWeight: 1, Threshold: 0.5, Init: "he"}, fitted)

	want := predictProbs(t, path, w, fitted)
	same := func(what string, got []float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d probabilities, want %d", what, len(got), len(want))
		}
		for i, v := range want {
			if math.Float64bits(got[i]) != math.Float64bits(v) {
				t.Errorf("%s: row %d label %d: %v, nnfc predict's code %v", what, i/k, i%k, got[i], v)
			}
		}
	}
	for _, binOut := range []bool{false, true} {
		head := fmt.Sprintf(`{%s,"parameters":{"binary_data_output":%v}}`, wideInputs, binOut)
		r, err := decodeV2(append([]byte(head), wideBinary()...), len(head), m, 10)
		if err != nil {
			t.Fatal(err)
		}
		resp, h := encodeV2(nil, m, r, answerRows(t, m, "V2 binary", r))
		var got []float64
		if binOut {
			if h < 0 {
				t.Fatal("binary_data_output: answered JSON only")
			}
			// probabilities is the first output: its FP64 values lead the binary part.
			for b := resp[h:]; len(got) < len(want) && len(b) >= 8; b = b[8:] {
				got = append(got, math.Float64frombits(binary.LittleEndian.Uint64(b)))
			}
		} else {
			var v struct {
				Outputs []struct {
					Name, Datatype string
					Data           json.RawMessage
				}
			}
			if err := json.Unmarshal(resp, &v); err != nil {
				t.Fatal(err)
			}
			if o := v.Outputs[0]; o.Name != "probabilities" || o.Datatype != "FP64" || json.Unmarshal(o.Data, &got) != nil {
				t.Fatalf("V2 JSON outputs[0]: %s %s %s", o.Name, o.Datatype, o.Data)
			}
		}
		same(fmt.Sprintf("V2 binary request, binary output %v", binOut), got)
	}
	r, err := decodeCSV([]byte(wideCSV), m, 10)
	if err != nil {
		t.Fatal(err)
	}
	var v1 struct {
		Predictions []struct{ Probabilities []float64 }
	}
	if err := json.Unmarshal(encodeV1(nil, r, answerRows(t, m, "CSV", r)), &v1); err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, p := range v1.Predictions {
		got = append(got, p.Probabilities...)
	}
	same("CSV, V1 JSON output", got)
}

// wideCSV holds three raw rows of x, color and z with values float32
// would round (and a missing x); wideInputs and wideBinary are the same
// rows as an OIP V2 binary request's inputs and tensors.
const (
	wideCSV    = "x,color,z\n2.123456789012345,blue,-1.0000001192092896\n,purple,3.3333333333333335\n0.1,red,1e-7\n"
	wideInputs = `"inputs":[{"name":"x","datatype":"FP64","shape":[3,1],"parameters":{"binary_data_size":24}},` +
		`{"name":"color","datatype":"BYTES","shape":[3],"parameters":{"binary_data_size":25}},` +
		`{"name":"z","datatype":"FP64","shape":[3],"parameters":{"binary_data_size":24}}]`
)

func wideBinary() []byte {
	f64 := func(vs ...float64) (b []byte) {
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	str := func(ss ...string) (b []byte) {
		for _, s := range ss {
			b = append(binary.LittleEndian.AppendUint32(b, uint32(len(s))), s...)
		}
		return b
	}
	return append(append(f64(2.123456789012345, math.NaN(), 0.1), str("blue", "purple", "red")...), f64(-1.0000001192092896, 3.3333333333333335, 1e-7)...)
}

// predictProbs is nnfc predict's answer for the rows of wideCSV with the
// model at path (w inputs, its table source's fitted state): its reader
// (in float64: Dataset.X64), preparation and prediction, every row's
// probabilities one after another.
func predictProbs(t *testing.T, path string, w int, fitted json.RawMessage) []float64 {
	t.Helper()
	in := filepath.Join(t.TempDir(), "rows.csv")
	if err := os.WriteFile(in, []byte(wideCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	im, err := infer.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := source.ReadInput(in, source.InputOptions{Dim: w, Fitted: fitted, Float64: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Prepare(ds, false); err != nil {
		t.Fatal(err)
	}
	var want []float64
	if err := im.Predict(ds, ds.N, func(_ int, p infer.Prediction) error {
		want = append(want, p.Probs...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return want
}

// saveWide saves a float64 network of spec (seeded) with a standardizing
// normalization beside the table source's fitted state, and opens it to
// serve; it returns the model and its file.
func saveWide(t *testing.T, spec model.Spec, fitted json.RawMessage) (*Model, string) {
	t.Helper()
	net, err := model.New[float64](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	w := spec.InputDim
	norm := &data.Normalizer{Mode: data.NormStandardize, Shift: make([]float32, w), Scale: make([]float32, w), Source: fitted}
	for i := range norm.Scale {
		norm.Shift[i], norm.Scale[i] = 0.3+0.1*float32(i), 1.7-0.1*float32(i)
	}
	path := filepath.Join(t.TempDir(), "wide.safetensors")
	if err := model.Save(path, net, norm); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(ModelRef{Name: "wide", Path: path}, "")
	if err != nil {
		t.Fatal(err)
	}
	return m, path
}

// answerRows prepares the request's rows and runs the model's task on
// them, as the server does.
func answerRows(t *testing.T, m *Model, what string, r *request) []Tensor {
	t.Helper()
	if _, _, v, ok := m.prepareRequest(r); !ok {
		t.Fatalf("%s: %v refused", what, v)
	}
	out, err := runTask(m, 0, r.x, r.x64, r.n)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return out
}
