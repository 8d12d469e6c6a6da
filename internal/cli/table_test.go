package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/testfix"
)

// rawPenguins are raw rows as a user has them: NA cells in every
// measurement, a missing sex, islands the training data never had, the
// columns in another order and an extra column. The species column holds
// the truth, for eval.
const rawPenguins = `note,island,sex,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,year,species
a,Torgersen,NA,34.1,18.1,193,3475,2007,Adelie
b,Atlantis,male,50.0,15.3,220,5550,2009,Gentoo
c,Dream,female,46.5,17.9,192,3500,2007,Chinstrap
d,Biscoe,NA,NA,NA,NA,NA,2009,Gentoo
e,Lemuria,,45.2,17.8,198,3950,2007,Chinstrap
f,Dream,male,39.2,21.1,196,4150,2007,Adelie
g,Biscoe,?,47.3,13.8,216,,2009,Gentoo
h,Atlantis,female,NA,18.4,184,3475,2008,Adelie
`

// TestTablePenguinsRoundTrip trains on the real Palmer penguins table,
// then predicts on raw rows (NA cells, unseen islands, an extra column,
// the target column optional) and evaluates the same rows: predict's
// classes give exactly eval's confusion matrix, by class name.
func TestTablePenguinsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "penguins.yaml", fmt.Sprintf(`seed: 1
data: {source: table, train: %s, target: species, stratify: true, val_fraction: 0.2}
model: {hidden: [16]}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 30, batch_size: 16, out_dir: %s}
`, testfix.TableFile(t, "penguins.csv"), filepath.Join(dir, "run")))
	ctx := context.Background()
	code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	// The first lines show the schema the run inferred.
	for _, want := range []string{"target species: 3 classes: Adelie (", "island ", "categorical inferred", "sex ", "binary", "\"female\"=0, \"male\"=1", "body_mass_g", "numeric"} {
		if !strings.Contains(out, want) {
			t.Fatalf("train output lacks %q:\n%s", want, out)
		}
	}
	model := filepath.Join(dir, "run", "model.safetensors")
	raw := writeFile(t, dir, "raw.csv", rawPenguins)
	predictIsEval(t, ctx, dir, model, raw)
	// The text table names the classes.
	code, evalText, _ := nnfc(t, ctx, "eval", "--model", model, "--data", raw)
	if code != ExitOK || !strings.Contains(evalText, "Chinstrap") || !strings.Contains(evalText, "Adelie ") {
		t.Fatalf("eval table without class names:\n%s", evalText)
	}

	// A column the model needs, missing, is one line naming it.
	truth, err := csv.NewReader(strings.NewReader(rawPenguins)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var noMass strings.Builder
	for _, r := range truth {
		noMass.WriteString(strings.Join(append(append([]string{}, r[:6]...), r[7:]...), ",") + "\n")
	}
	code, _, errOut = nnfc(t, ctx, "predict", "--model", model, "--input", writeFile(t, dir, "nomass.csv", noMass.String()))
	if code == ExitOK || !strings.Contains(errOut, `no column "body_mass_g", which the model takes as a numeric input`) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Fatalf("missing column: exit %d, %q", code, errOut)
	}
}

// predictIsEval predicts rawPenguins (written at raw) with model and
// evaluates the same rows: predict's classes give exactly eval's
// confusion matrix by class name, the rows without the target column
// predict the same, and at least 7 of the 8 are right.
func predictIsEval(t *testing.T, ctx context.Context, dir, model, raw string) {
	t.Helper()

	code, pred, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", raw)
	if code != ExitOK {
		t.Fatalf("predict: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"column(s) note not used by the model: ignored", "3 cell(s) of column island unseen in training, encoded as <other>"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("predict notes lack %q:\n%s", want, errOut)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(pred)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"row", "class", "p_Adelie", "p_Chinstrap", "p_Gentoo"}; !reflect.DeepEqual(recs[0], want) {
		t.Fatalf("predict header %q, expected %q", recs[0], want)
	}
	truth, err := csv.NewReader(strings.NewReader(rawPenguins)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]int{"Adelie": 0, "Chinstrap": 1, "Gentoo": 2}
	fromPredict := make([][]int, 3)
	for i := range fromPredict {
		fromPredict[i] = make([]int, 3)
	}
	if len(recs) != len(truth) {
		t.Fatalf("predict wrote %d rows for %d", len(recs)-1, len(truth)-1)
	}
	right := 0
	for i, r := range recs[1:] {
		p, ok := classes[r[1]]
		if !ok {
			t.Fatalf("row %d: class %q is not a species", i, r[1])
		}
		y := classes[truth[i+1][8]]
		fromPredict[y][p]++
		if p == y {
			right++
		}
	}
	// The same rows without the target column predict the same.
	var noTarget strings.Builder
	for _, r := range truth {
		noTarget.WriteString(strings.Join(r[:8], ",") + "\n")
	}
	code, pred2, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", writeFile(t, dir, "notarget.csv", noTarget.String()))
	if code != ExitOK || pred2 != pred {
		t.Fatalf("predict without the target: exit %d, output\n%s\nexpected\n%s\n%s", code, pred2, pred, errOut)
	}

	code, evalOut, errOut := nnfc(t, ctx, "eval", "--model", model, "--data", raw, "--json")
	if code != ExitOK {
		t.Fatalf("eval: exit %d\n%s", code, errOut)
	}
	var ev struct {
		N         int     `json:"n"`
		Accuracy  float64 `json:"accuracy"`
		Confusion [][]int `json:"confusion"`
	}
	if err := json.Unmarshal([]byte(evalOut), &ev); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, evalOut)
	}
	if ev.N != 8 || !reflect.DeepEqual(ev.Confusion, fromPredict) {
		t.Fatalf("eval: %d rows, confusion %v; predict's classes give %v", ev.N, ev.Confusion, fromPredict)
	}
	if ev.Accuracy != float64(right)/8 || right < 7 {
		t.Fatalf("eval accuracy %v, predict %d/8 right (expected at least 7: these are real penguins)", ev.Accuracy, right)
	}
}

// TestTableConfigErrors: the table keys' one-line errors, before anything
// is written.
func TestTableConfigErrors(t *testing.T) {
	dir := t.TempDir()
	pen := testfix.TableFile(t, "penguins.csv")
	for _, tc := range []struct{ name, data, want string }{
		{"unknown target", "target: specie", `data.target: ` + pen + ` has no column "specie" (did you mean "species"?)`},
		{"unknown type", "target: species, types: {island: text}", `data.types.island: must be one of numeric, categorical, binary, ignore, got "text"`},
		{"numeric strings", "target: species, types: {island: numeric}", `data.types.island: numeric, but ` + pen + ` line 2 holds "Torgersen", not a number`},
		{"one class", "target: species, features: [island], exclude: [], types: {}, na_values: [Adelie, Gentoo, Chinstrap]", `data.target: column species of ` + pen + ` holds no value, expected at least 2 classes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeFile(t, dir, "c.yaml", fmt.Sprintf("data: {source: table, train: %s, %s}\ntrain: {epochs: 1, out_dir: %s}\n", pen, tc.data, filepath.Join(dir, "run-"+strings.ReplaceAll(tc.name, " ", "-"))))
			code, out, errOut := nnfc(t, context.Background(), "train", "--config", cfg, "--progress", "none")
			if code == ExitOK || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q, expected %q\n%s", code, errOut, tc.want, out)
			}
		})
	}
	cfg := writeFile(t, dir, "m.yaml", "data: {source: mnist, target: species}\n")
	code, _, errOut := nnfc(t, context.Background(), "train", "--config", cfg)
	if code == ExitOK || !strings.Contains(errOut, "data.target: applies to data.source table only, the config's source is mnist") {
		t.Fatalf("table key with mnist: exit %d, %q", code, errOut)
	}
}
