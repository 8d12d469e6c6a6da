package onnx

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/internal/rundir"
	datasource "github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/testfix"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/model"
	"google.golang.org/protobuf/proto"
)

// rawPenguins are raw rows as a user has them: NA cells in every
// measurement, a blank and a "?" sex, islands the training data never had
// (Atlantis, Lemuria), white space around cells, the columns in another
// order and an extra column.
const rawPenguins = `note,island,sex,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,year,species
a,Torgersen,NA,34.1,18.1,193,3475,2007,Adelie
b,Atlantis,male,50.0,15.3,220,5550,2009,Gentoo
c,Dream,female,46.5,17.9,192,3500,2007,Chinstrap
d,Biscoe,NA,NA,NA,NA,NA,2009,Gentoo
e,Lemuria,,45.2,17.8,198,3950,2007,Chinstrap
f,Dream,male,39.2,21.1,196,4150,2007,Adelie
g,Biscoe,?,47.3,13.8,216,,2009,Gentoo
h,Atlantis,female,NA,18.4,184,3475,2008,Adelie
` +
	// White space around cells (tabs, a no-break space): nnfc reads every
	// cell trimmed; the graph takes strings as they come (ONNX has no
	// strip op), so its caller trims them, as tableFeeds does.
	"i,\tTorgersen, female\t, 36.7,19.3,193,3450,2007 ,Adelie\n" +
	"j,Dream\u00a0,\u00a0male,51.3,19.2,193,3650,\t2007,Chinstrap\n"

// trainTable trains the run the YAML describes (its out_dir is
// dir/name) as nnfc train does, and returns its model file.
func trainTable(t *testing.T, dir, name, yaml string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cfg := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(cfg, []byte(yaml+fmt.Sprintf("train: {epochs: 20, batch_size: 16, out_dir: %s}\n", out)), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := train.Start(context.Background(), c, train.Options{Stdout: io.Discard, Stderr: io.Discard, Progress: "none"}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return filepath.Join(out, rundir.Model)
}

// nnfcPredictTable runs nnfc predict's code on a raw CSV: the source's
// fitted reader (the stored schema), the model in its precision, softmax
// and arg-max; with the class names.
func nnfcPredictTable(t *testing.T, path, csvPath string) (probs []float64, labels []int32, names []string) {
	t.Helper()
	m, err := infer.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ds, err := datasource.ReadInput(csvPath, datasource.InputOptions{Dim: m.Spec.InputDim, Fitted: m.Norm.Source, Float64: m.TypeName() == "float64"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Prepare(ds, false); err != nil {
		t.Fatal(err)
	}
	err = m.Predict(ds, 1000, func(row int, p infer.Prediction) error {
		probs = append(probs, p.Probs...)
		labels = append(labels, p.Class)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return probs, labels, m.ClassNames
}

// ortFeed is one named input of a job (tools/ort/run.js): float data
// with nil for NaN, or strings.
type ortFeed struct {
	Type string `json:"type"`
	Dims []int  `json:"dims"`
	Data []any  `json:"data"`
}

// tableFeeds turns the rows [lo, hi) of a CSV into the graph inputs the
// exported file's metadata lists, as a user of the file would: a numeric
// cell as a number (NaN when it is not one: NA, blank), a string cell as
// it is, without surrounding spaces. Each input is [rows, 1].
func tableFeeds(t *testing.T, csvPath string, m *onnxpb.ModelProto, lo, hi int) map[string]ortFeed {
	t.Helper()
	var inputs []TableInput
	if err := json.Unmarshal([]byte(Metadata(m)[MetaInputs]), &inputs); err != nil {
		t.Fatalf("metadata %s: %v", MetaInputs, err)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if hi < 0 {
		hi = len(recs) - 1
	}
	feeds := map[string]ortFeed{}
	for _, in := range inputs {
		col := slices.Index(recs[0], in.Name)
		if col < 0 {
			t.Fatalf("%s has no column %q", csvPath, in.Name)
		}
		feed := ortFeed{Type: "string", Dims: []int{hi - lo, 1}}
		switch in.Tensor {
		case "float":
			feed.Type = "float32"
		case "double":
			feed.Type = "float64"
		}
		for _, r := range recs[1+lo : 1+hi] {
			cell := strings.TrimSpace(r[col])
			if feed.Type == "string" {
				feed.Data = append(feed.Data, cell)
				continue
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				feed.Data = append(feed.Data, nil) // NaN: missing
			} else {
				feed.Data = append(feed.Data, v)
			}
		}
		feeds[in.Name] = feed
	}
	return feeds
}

// TestTableInONNXRuntime trains table models on the real penguins and
// breast cancer tables as nnfc train does, exports them, and runs the
// files in ONNX Runtime on raw rows — every row of the file (penguins has
// NA cells) and rows with NA, blank and "?" cells, unseen islands, extra
// and reordered columns, fed per column as the file's metadata lists its
// inputs — against nnfc predict's code on the same CSV: probabilities
// within 1e-5 relative (+1e-7 absolute), labels and class names equal.
// Configurations: penguins as configs/penguins.yaml (island one-hot, sex
// binary with the missing share, numeric mean imputation); penguins with
// missing indicators, mode imputation, year and sex as categories;
// penguins with island and sex in learned embeddings (data.embed: an
// embedding layer first, Gather in the graph); penguins trained in
// float64 (1e-12 relative);
// breast cancer (30 numeric columns); and the first penguins model as a
// double graph. Negative twins: the island categories in the wrong
// order, the imputation of bill length removed, and two rows of the
// island embedding swapped, must fail the same comparison. Debian's
// onnx.checker accepts every file. A column named as an output ("label")
// is refused.
func TestTableInONNXRuntime(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.csv")
	if err := os.WriteFile(raw, []byte(rawPenguins), 0o644); err != nil {
		t.Fatal(err)
	}
	penguins, cancer := testfix.TableFile(t, "penguins.csv"), testfix.TableFile(t, "breast_cancer.csv")
	type tcase struct {
		name, model, prec string
		inputs            []string // CSV files
	}
	cases := []tcase{
		{name: "penguins", prec: "", inputs: []string{penguins, raw}, model: trainTable(t, dir, "penguins", fmt.Sprintf(`seed: 1
data: {source: table, train: %s, target: species, val_fraction: 0}
model: {hidden: [16], activation: relu}
optimizer: {rule: adam, lr: 0.01}
`, testfix.TableFile(t, "penguins-train.csv")))},
		{name: "penguins-indicator-mode", prec: "", inputs: []string{penguins, raw}, model: trainTable(t, dir, "penguins2", fmt.Sprintf(`seed: 2
data:
  source: table
  train: %s
  target: species
  val_fraction: 0
  types: {year: categorical, sex: categorical}
  impute: {indicator: true, categorical: mode, columns: {island: missing}}
model: {hidden: [12, 8], activation: swish}
optimizer: {rule: adam, lr: 0.01}
`, penguins))},
		{name: "penguins-embed", prec: "", inputs: []string{penguins, raw}, model: trainTable(t, dir, "penguins3", fmt.Sprintf(`seed: 3
data: {source: table, train: %s, target: species, val_fraction: 0, embed: {island: 2, sex: 3}}
model: {hidden: [16], activation: relu}
optimizer: {rule: adam, lr: 0.01}
`, testfix.TableFile(t, "penguins-train.csv")))},
		{name: "penguins-float64", prec: "", inputs: []string{penguins, raw}, model: trainTable(t, dir, "penguins64", fmt.Sprintf(`seed: 4
precision: float64
data: {source: table, train: %s, target: species, val_fraction: 0, impute: {indicator: true}}
model: {hidden: [16], activation: tanh}
optimizer: {rule: adam, lr: 0.01}
`, testfix.TableFile(t, "penguins-train.csv")))},
		{name: "breast-cancer", prec: "", inputs: []string{cancer}, model: trainTable(t, dir, "cancer", fmt.Sprintf(`seed: 1
data: {source: table, train: %s, target: diagnosis, val_fraction: 0}
model: {hidden: [32], activation: tanh}
optimizer: {rule: adam, lr: 0.001}
`, testfix.TableFile(t, "breast_cancer-train.csv")))},
	}
	cases = append(cases, tcase{name: "penguins-double", prec: "float64", inputs: cases[0].inputs, model: cases[0].model})

	type want struct {
		probs  []float64
		labels []int32
		names  []string
		job    int
	}
	var jobs []ortJob
	var files []string
	var embedModel *onnxpb.ModelProto
	embedWant := -1
	var wants []want
	for _, c := range cases {
		m, err := ExportFile(c.model, Options{Precision: c.prec})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out := filepath.Join(dir, c.name+".onnx")
		if err := Write(out, m); err != nil {
			t.Fatal(err)
		}
		files = append(files, out)
		if c.name == "penguins-embed" {
			nodeByOutput(t, m, "embed_1") // the graph looks sex up in its table
			embedModel = m
		}
		if c.name == "penguins-embed" {
			embedWant = len(wants) // its run on penguins.csv
		}
		for _, in := range c.inputs {
			w := want{job: len(jobs)}
			w.probs, w.labels, w.names = nnfcPredictTable(t, c.model, in)
			jobs = append(jobs, ortJob{Model: out, Feeds: tableFeeds(t, in, m, 0, -1)})
			wants = append(wants, w)
		}
		// One row: the batch dimension is dynamic.
		jobs = append(jobs, ortJob{Model: out, Feeds: tableFeeds(t, c.inputs[0], m, 0, 1)})
	}

	// The negative twins, from the first penguins model.
	twins := map[string]func(m *onnxpb.ModelProto){
		"island categories swapped": func(m *onnxpb.ModelProto) {
			// Biscoe and Dream trade one-hot slots.
			nd := m.Graph.Node[nodeByOutput(t, m, "island_slot")]
			for _, a := range nd.Attribute {
				if a.GetName() == "values_int64s" {
					a.Ints[0], a.Ints[1] = a.Ints[1], a.Ints[0]
				}
			}
		},
		"bill length not imputed": func(m *onnxpb.ModelProto) {
			// Where(IsNaN(x), fill, x) becomes Identity(x): NaN stays.
			nd := m.Graph.Node[nodeByOutput(t, m, "bill_length_mm_imputed")]
			op := "Identity"
			nd.OpType, nd.Input = &op, nd.Input[2:]
		},
	}
	twinJob := map[string]int{}
	{
		// The embedding model with its island table's first two rows
		// (Biscoe's and Dream's) swapped.
		m := proto.Clone(embedModel).(*onnxpb.ModelProto)
		for _, init := range m.Graph.Initializer {
			if init.GetName() == "embed_0_weight" {
				row := 4 * int(init.Dims[1])
				tmp := slices.Clone(init.RawData[:row])
				copy(init.RawData[:row], init.RawData[row:2*row])
				copy(init.RawData[row:2*row], tmp)
			}
		}
		out := filepath.Join(dir, "twin-embedding.onnx")
		if err := Write(out, m); err != nil {
			t.Fatal(err)
		}
		twinJob["island embedding rows swapped"] = len(jobs)
		jobs = append(jobs, ortJob{Model: out, Feeds: tableFeeds(t, penguins, m, 0, -1)})
	}
	for name, mutate := range twins {
		m, err := ExportFile(cases[0].model, Options{})
		if err != nil {
			t.Fatal(err)
		}
		mutate(m)
		out := filepath.Join(dir, "twin-"+strings.ReplaceAll(name, " ", "_")+".onnx")
		if err := Write(out, m); err != nil {
			t.Fatal(err)
		}
		twinJob[name] = len(jobs)
		jobs = append(jobs, ortJob{Model: out, Feeds: tableFeeds(t, penguins, m, 0, -1)})
	}

	res := runORT(t, jobs)
	k := 0
	for _, c := range cases {
		for _, in := range c.inputs {
			w := wants[k]
			k++
			r := res[w.job]
			tol := tol32
			if strings.HasSuffix(c.name, "float64") {
				tol = tol64
			}
			if msg := compareClassifier(t, r, w.probs, w.labels, w.names, tol); msg != "" {
				t.Errorf("%s on %s: %s", c.name, filepath.Base(in), msg)
				continue
			}
			got := r.floats(t, OutProbabilities)
			t.Logf("%-24s %-22s %3d rows: probabilities within %.2g relative of nnfc predict's (%.2g absolute), labels and class names equal",
				c.name, filepath.Base(in), len(w.labels), relErr(got, w.probs), absErr(got, w.probs))
		}
		w := wants[k-len(c.inputs)]
		classes := len(w.names)
		if msg := compareClassifier(t, res[w.job+len(c.inputs)], w.probs[:classes], w.labels[:1], w.names, tol32); msg != "" {
			t.Errorf("%s, batch of 1: %s", c.name, msg)
		}
	}
	for name, j := range twinJob {
		ref := wants[0]
		if strings.Contains(name, "embedding") {
			ref = wants[embedWant]
		}
		msg := compareClassifier(t, res[j], ref.probs, ref.labels, ref.names, tol32)
		if msg == "" {
			t.Errorf("negative twin %q: ONNX Runtime's outputs still match nnfc's: the comparison cannot fail", name)
		} else {
			t.Logf("negative twin %q fails as it must: %s", name, msg)
		}
	}
	checkONNX(t, files...)

	// A column named as an output of the graph is refused, naming it.
	net, norm, err := model.Load[float32](cases[0].model)
	if err != nil {
		t.Fatal(err)
	}
	norm.Source = []byte(strings.Replace(string(norm.Source), `"name":"island"`, `"name":"label"`, 1))
	clash := filepath.Join(dir, "clash.safetensors")
	if err := model.Save(clash, net, norm); err != nil {
		t.Fatal(err)
	}
	_, err = ExportFile(clash, Options{})
	if want := `column "label": an input may not be named "label"`; err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("a column named label: error %v, want one line containing %q", err, want)
	}
}

// nodeByOutput is the index of the node that writes the value out.
func nodeByOutput(t *testing.T, m *onnxpb.ModelProto, out string) int {
	t.Helper()
	for i, nd := range m.Graph.Node {
		if slices.Contains(nd.Output, out) {
			return i
		}
	}
	t.Fatalf("no node writes %q", out)
	return -1
}
