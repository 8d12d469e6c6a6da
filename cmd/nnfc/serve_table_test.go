package main

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/testfix"
)

// servePenguins are raw penguins as a user has them: NA cells (NA, an
// empty cell, ?), a missing sex, islands training never saw, the columns
// in another order and an extra column.
const servePenguins = `note,island,sex,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,year
a,Torgersen,NA,34.1,18.1,193,3475,2007
b,Atlantis,male,50.0,15.3,220,5550,2009
c,Dream,female,46.5,17.9,192,3500,2007
d,Biscoe,NA,NA,NA,NA,NA,2009
e,Lemuria,,45.2,17.8,198,3950,2007
f,Dream,male,39.2,21.1,196,4150,2007
g,Biscoe,?,47.3,13.8,216,,2009
h,Atlantis,female,NA,18.4,184,3475,2008
`

// penguinColumns are the columns the penguins model takes, numeric or not.
var penguinColumns = []struct {
	name    string
	numeric bool
}{{"island", false}, {"bill_length_mm", true}, {"bill_depth_mm", true}, {"flipper_length_mm", true},
	{"body_mass_g", true}, {"sex", false}, {"year", true}}

// namedPrediction is one row of nnfc predict's answer for a table model.
type namedPrediction struct {
	class string
	probs []float64
}

// TestServeTable trains a model on the real penguins table and serves it:
// raw records — CSV, V1 records (a left-out key is a missing cell), OIP
// V2 with one input per column in JSON and in binary data (NaN and null
// for missing cells) — each get nnfc predict's answer for the same rows
// (label names exactly, probabilities to predict's 6 digits), and bad
// records get a 400 naming the column. Twice: a float32 model, and a
// float64 one, whose rows the server reads in float64 as nnfc predict
// does (numbers FP64 in its metadata and binary requests).
func TestServeTable(t *testing.T) {
	for _, precision := range []string{"float32", "float64"} {
		t.Run(precision, func(t *testing.T) { testServeTable(t, precision) })
	}
}

func testServeTable(t *testing.T, precision string) {
	dir := t.TempDir()
	num := "FP32" // the datatype of the model's numeric inputs
	if precision == "float64" {
		num = "FP64"
	}
	cfg := writeFile(t, filepath.Join(dir, "penguins.yaml"), []byte(fmt.Sprintf(`seed: 1
precision: %s
data: {source: table, train: %s, target: species, val_fraction: 0}
model: {hidden: [8]}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 5, batch_size: 16, out_dir: %s}
`, precision, testfix.TableFile(t, "penguins.csv"), filepath.Join(dir, "run"))))
	if o := run(t, 2*time.Minute, nil, "train", "--config", cfg, "--progress", "none"); o.code != 0 {
		t.Fatalf("nnfc train: exit %d\n%s", o.code, o.stderr)
	}
	modelPath := filepath.Join(dir, "run", "model.safetensors")
	in := writeFile(t, filepath.Join(dir, "raw.csv"), []byte(servePenguins))
	o := run(t, time.Minute, nil, "predict", "--model", modelPath, "--input", in)
	if o.code != 0 {
		t.Fatalf("nnfc predict: exit %d\n%s", o.code, o.stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(o.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var want []namedPrediction
	classes := map[string]bool{}
	for _, r := range recs[1:] {
		p := namedPrediction{class: r[1]}
		for _, f := range r[2:] {
			v, _ := strconv.ParseFloat(f, 64)
			p.probs = append(p.probs, v)
		}
		want = append(want, p)
		classes[p.class] = true
	}
	if len(want) != 8 || len(classes) < 2 {
		t.Fatalf("nnfc predict answered %d rows of %d classes, want 8 rows of 2 classes or more:\n%s", len(want), len(classes), o.stdout)
	}
	raw, err := csv.NewReader(strings.NewReader(servePenguins)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := raw[0], raw[1:]
	cellOf := func(row []string, col string) string {
		for k, h := range header {
			if h == col {
				return row[k]
			}
		}
		t.Fatalf("no column %s", col)
		return ""
	}
	isNA := func(s string) bool { return s == "" || s == "NA" || s == "?" }

	p := startServe(t, "--model", "peng="+modelPath)

	// The metadata lists one input per column, BYTES for strings.
	var meta struct {
		Inputs  []map[string]any `json:"inputs"`
		Classes []string         `json:"classes"`
	}
	if err := json.Unmarshal(p.do("GET", "/v2/models/peng", nil).body, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Inputs) != len(penguinColumns) || len(meta.Classes) != 3 {
		t.Fatalf("metadata: %d inputs and classes %v, want %d inputs and 3 classes", len(meta.Inputs), meta.Classes, len(penguinColumns))
	}
	for k, c := range penguinColumns {
		dt := num
		if !c.numeric {
			dt = "BYTES"
		}
		if meta.Inputs[k]["name"] != c.name || meta.Inputs[k]["datatype"] != dt {
			t.Errorf("metadata input %d: %v, want %s %s", k, meta.Inputs[k], c.name, dt)
		}
	}

	check := func(what string, a answer) {
		t.Helper()
		if a.code != 200 {
			t.Fatalf("%s: %s", what, a)
		}
		var names []string
		var probs [][]float64
		if bytes.HasPrefix(a.body, []byte(`{"predictions"`)) {
			var r struct {
				Predictions []struct {
					Probabilities []float64 `json:"probabilities"`
					LabelName     string    `json:"label_name"`
				} `json:"predictions"`
			}
			if err := json.Unmarshal(a.body, &r); err != nil {
				t.Fatalf("%s: %v: %s", what, err, a.body)
			}
			for _, p := range r.Predictions {
				names, probs = append(names, p.LabelName), append(probs, p.Probabilities)
			}
		} else {
			var r v2Resp
			if err := json.Unmarshal(a.body, &r); err != nil {
				t.Fatalf("%s: %v: %s", what, err, a.body)
			}
			var flat []float64
			for _, o := range r.Outputs {
				switch o.Name {
				case "probabilities":
					json.Unmarshal(o.Data, &flat)
				case "label_name":
					json.Unmarshal(o.Data, &names)
				}
			}
			for i := 0; i+3 <= len(flat); i += 3 {
				probs = append(probs, flat[i:i+3])
			}
		}
		if len(names) != len(want) || len(probs) != len(want) {
			t.Fatalf("%s: %d label names and %d rows of probabilities, want %d: %s", what, len(names), len(probs), len(want), a.body)
		}
		for i := range want {
			if names[i] != want[i].class {
				t.Errorf("%s row %d: %s, nnfc predict says %s", what, i, names[i], want[i].class)
			}
			sameAsPredict(t, what, i, 0, probs[i], predicted{probs: want[i].probs})
		}
	}

	// CSV, as the file nnfc predict read.
	check("CSV", p.do("POST", "/v1/models/peng/predict", []byte(servePenguins), "Content-Type", "text/csv"))

	// V1 records: numbers as numbers, a missing cell left out (sex) or
	// null (the others), the extra column dropped.
	var records []map[string]any
	for _, row := range rows {
		r := map[string]any{}
		for _, c := range penguinColumns {
			v := cellOf(row, c.name)
			switch {
			case isNA(v) && c.name == "sex":
			case isNA(v):
				r[c.name] = nil
			case c.numeric:
				r[c.name] = json.Number(v)
			default:
				r[c.name] = v
			}
		}
		records = append(records, r)
	}
	body, _ := json.Marshal(map[string]any{"instances": records})
	check("V1 records", p.do("POST", "/v1/models/peng/predict", body))

	// OIP V2, one input per column: JSON ([rows, 1], null for missing),
	// and binary data (FP32 or FP64 NaN and the NA string for missing).
	number := func(raw []byte, v float64) []byte {
		if num == "FP64" {
			return binary.LittleEndian.AppendUint64(raw, math.Float64bits(v))
		}
		return binary.LittleEndian.AppendUint32(raw, math.Float32bits(float32(v)))
	}
	var inputs []map[string]any
	var binInputs []map[string]any
	var bin []byte
	for _, c := range penguinColumns {
		var vals []any
		var raw []byte
		for _, row := range rows {
			v := cellOf(row, c.name)
			switch {
			case c.numeric && isNA(v):
				vals = append(vals, nil)
				raw = number(raw, math.NaN())
			case c.numeric:
				vals = append(vals, json.Number(v))
				f, _ := strconv.ParseFloat(v, 64)
				raw = number(raw, f)
			case isNA(v):
				vals = append(vals, nil)
				raw = append(binary.LittleEndian.AppendUint32(raw, 2), "NA"...)
			default:
				vals = append(vals, v)
				raw = append(binary.LittleEndian.AppendUint32(raw, uint32(len(v))), v...)
			}
		}
		dt := "BYTES"
		if c.numeric {
			dt = num
		}
		inputs = append(inputs, map[string]any{"name": c.name, "datatype": dt, "shape": []int{len(rows), 1}, "data": vals})
		binInputs = append(binInputs, map[string]any{"name": c.name, "datatype": dt, "shape": []int{len(rows)},
			"parameters": map[string]any{"binary_data_size": len(raw)}})
		bin = append(bin, raw...)
	}
	body, _ = json.Marshal(map[string]any{"inputs": inputs})
	check("V2 JSON", p.do("POST", "/v2/models/peng/infer", body))
	head, _ := json.Marshal(map[string]any{"inputs": binInputs})
	check("V2 binary", p.do("POST", "/v2/models/peng/infer", append(head, bin...), "Inference-Header-Content-Length", strconv.Itoa(len(head))))

	// Bad records: 400, one line naming what is wrong.
	for _, c := range []struct {
		what, path, ctype, body, msg string
	}{
		{"unknown column", "/v1/models/peng/predict", "", `{"instances":[{"island":"Dream","beak":3}]}`, `instances[0]: unknown column "beak"`},
		{"text in a numeric column", "/v1/models/peng/predict", "", `{"instances":[{"island":"Dream"},{"bill_length_mm":"long"}]}`, `instances[1]: column bill_length_mm: "long" is not a number`},
		{"an object as a cell", "/v1/models/peng/predict", "", `{"instances":[{"island":{"name":"Dream"}}]}`, `instances[0].island: expected a number, a string or null, got an object`},
		{"rows of numbers", "/v1/models/peng/predict", "", `{"instances":[[1,2,3]]}`, `model peng takes records`},
		{"CSV without a used column", "/v1/models/peng/predict", "text/csv", "island,sex\nDream,male\n", `no column "bill_length_mm"`},
		{"V2 input missing", "/v2/models/peng/infer", "", `{"inputs":[{"name":"island","datatype":"BYTES","shape":[1],"data":["Dream"]}]}`, `needs an input for column "bill_length_mm"`},
		{"V2 unknown input", "/v2/models/peng/infer", "", `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}`, `model peng has no input "input"`},
		{"V2 number for BYTES", "/v2/models/peng/infer", "", `{"inputs":[{"name":"island","datatype":"FP32","shape":[1],"data":[1]}]}`, `inputs[0].datatype: column island takes BYTES`},
		{"V2 string for a number", "/v2/models/peng/infer", "", `{"inputs":[{"name":"year","datatype":"FP32","shape":[1],"data":["2007"]}]}`, `inputs[0].data[0]: a numeric column takes numbers`},
		{"V2 rows differ", "/v2/models/peng/infer", "", `{"inputs":[{"name":"year","datatype":"FP32","shape":[1],"data":[2007]},{"name":"sex","datatype":"BYTES","shape":[2],"data":["male","female"]}]}`, `inputs[1].shape: 2 rows, inputs[0] has 1`},
	} {
		headers := []string{}
		if c.ctype != "" {
			headers = []string{"Content-Type", c.ctype}
		}
		a := p.do("POST", c.path, []byte(c.body), headers...)
		var e struct{ Error string }
		json.Unmarshal(a.body, &e)
		if a.code != 400 || !strings.Contains(e.Error, c.msg) || bytes.Count(bytes.TrimSpace(a.body), []byte("\n")) > 0 {
			t.Errorf("%s: %s, want 400 with %q", c.what, a, c.msg)
		}
	}
	check("after the bad requests, CSV", p.do("POST", "/v1/models/peng/predict", []byte(servePenguins), "Content-Type", "text/csv"))
}
