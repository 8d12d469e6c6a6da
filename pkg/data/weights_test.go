package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestBalancedWeights: scikit-learn's compute_class_weight("balanced"),
// n_samples / (n_classes · count_c): 90 rows of class 0 and 10 of class 1
// weigh 100/180 and 100/20, and the rows' weights sum to n_samples.
func TestBalancedWeights(t *testing.T) {
	y := make([]int32, 100)
	for i := 90; i < 100; i++ {
		y[i] = 1
	}
	w, err := BalancedWeights(y, 2, nil)
	if err != nil || math.Abs(w[0]-100.0/180) > 1e-15 || w[1] != 5 {
		t.Fatalf("weights %v, %v; want [0.5556 5]", w, err)
	}
	if s := 90*w[0] + 10*w[1]; math.Abs(s-100) > 1e-12 {
		t.Errorf("rows' weights sum to %g, want 100", s)
	}
	if _, err := BalancedWeights(y, 3, []string{"a", "b", "c"}); err == nil || !strings.Contains(err.Error(), "class c has no row in the training split") {
		t.Errorf("empty class: %v", err)
	}
}

// TestResolveClassWeights: names exactly or but for case (YAML keys come
// lowercased), indices when the classes have no names, 1 for the rest;
// an unknown class is an error with a suggestion.
func TestResolveClassWeights(t *testing.T) {
	w, err := ResolveClassWeights(map[string]float64{"m": 3}, 2, []string{"B", "M"})
	if err != nil || !slices.Equal(w, []float64{1, 3}) {
		t.Errorf("by name: %v, %v", w, err)
	}
	w, err = ResolveClassWeights(map[string]float64{"9": 4}, 10, nil)
	if err != nil || w[9] != 4 || w[0] != 1 {
		t.Errorf("by index: %v, %v", w, err)
	}
	_, err = ResolveClassWeights(map[string]float64{"malignant": 3}, 2, []string{"B", "M"})
	if err == nil || err.Error() != `train.class_weights.malignant: no class "malignant", the classes are B, M` {
		t.Errorf("unknown class: %v", err)
	}
	_, err = ResolveClassWeights(map[string]float64{"adeli": 3}, 3, []string{"Adelie", "Chinstrap", "Gentoo"})
	if err == nil || !strings.Contains(err.Error(), `(did you mean "Adelie"?)`) {
		t.Errorf("typo: %v", err)
	}
}

// TestWeightColumn: the weight column weighs the rows (through the split
// and the drop of rows without a target), is no input, and a blank, a
// word or a negative weight is one line naming the column and the line.
func TestWeightColumn(t *testing.T) {
	p := writeTable(t, "w.csv", "y,x,w\na,1,0.5\nb,2,2\nNA,3,7\na,4,1\nb,5,0\na,6,3\n")
	td, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "y", WeightColumn: "w"}, ValCount: 2}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if td.Schema.WeightColumn != "w" || td.Schema.Width() != 1 || len(td.Schema.Columns) != 1 || td.Schema.Columns[0].Name != "x" {
		t.Fatalf("schema: weight column %q, columns %+v", td.Schema.WeightColumn, td.Schema.Columns)
	}
	// Each row's weight follows its input x (x = k+1 in line k+2; the NA
	// row, x = 3, is dropped).
	want := map[float64]float32{1: 0.5, 2: 2, 4: 1, 5: 0, 6: 3}
	for _, ds := range []*Dataset{td.Train, td.Val} {
		if len(ds.W) != ds.N {
			t.Fatalf("%s: %d weights for %d rows", ds.Name, len(ds.W), ds.N)
		}
		for i := range ds.N {
			x := float64(ds.Row(i)[0])*td.Schema.Columns[0].Std + td.Schema.Columns[0].Mean
			if w := want[math.Round(x)]; ds.W[i] != w {
				t.Errorf("%s row %d (x %g): weight %g, want %g", ds.Name, i, x, ds.W[i], w)
			}
		}
	}
	// eval reads the weights too; predict does not need the column.
	tb, _ := ReadTable(p, TableOptions{})
	ev, _, err := td.Schema.EncodeTable(tb, true)
	if err != nil || len(ev.W) != 5 || ev.W[4] != 3 {
		t.Errorf("eval weights %v, %v", ev.W, err)
	}
	for name, text := range map[string]string{
		"blank":    "y,x,w\na,1,1\nb,2,\n",
		"word":     "y,x,w\na,1,1\nb,2,heavy\n",
		"negative": "y,x,w\na,1,1\nb,2,-1\n",
	} {
		q := writeTable(t, name+".csv", text)
		_, err := LoadTable(TableConfig{Train: q, Fit: FitOptions{Target: "y", WeightColumn: "w"}}, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.HasPrefix(err.Error(), "data.weight_column: "+q+":3: column w: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s weight: %v", name, err)
		}
	}
	for opt, want := range map[*FitOptions]string{
		{Target: "y", WeightColumn: "wt"}:                         `data.weight_column: ` + p + ` has no column "wt"`,
		{Target: "y", WeightColumn: "y"}:                          `data.weight_column: "y" is the target column (data.target), it cannot weigh the rows`,
		{Target: "y", WeightColumn: "w", Features: []string{"w"}}: `data.features: "w" is the weight column (data.weight_column), it cannot be an input`,
	} {
		_, err := LoadTable(TableConfig{Train: p, Fit: *opt}, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v, want one line starting %s", *opt, err, want)
		}
	}
	// Every target of a number target with several columns is refused,
	// not only the first.
	q := writeTable(t, "two.csv", "y,z,x\n1,2,3\n4,5,6\n7,8,9\n")
	for _, w := range []string{"y", "z"} {
		_, err := LoadTable(TableConfig{Train: q, Fit: FitOptions{Target: "y", Targets: []string{"y", "z"}, WeightColumn: w}, TargetKind: TargetNumber}, rand.New(rand.NewPCG(1, 1)))
		want := `data.weight_column: "` + w + `" is a target column (data.target), it cannot weigh the rows`
		if err == nil || err.Error() != want {
			t.Errorf("targets y, z, weight column %s: %v, want %s", w, err, want)
		}
	}
}

// TestPositiveLast: data.positive numbers the named value last (class 1
// of two); an unknown value is an error listing the values.
func TestPositiveLast(t *testing.T) {
	p := writeTable(t, "bc.csv", "d,x\nM,1\nB,2\nM,3\nB,4\nB,5\n")
	for _, tc := range []struct {
		pos     string
		classes []string
	}{{"", []string{"B", "M"}}, {"M", []string{"B", "M"}}, {"B", []string{"M", "B"}}} {
		td, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "d"}, Positive: tc.pos}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(td.Schema.Target.Classes, tc.classes) {
			t.Errorf("positive %q: classes %v, want %v", tc.pos, td.Schema.Target.Classes, tc.classes)
		}
		// Row 0 is M.
		if got := td.Schema.Target.Classes[td.Train.Y[0]]; got != "M" {
			t.Errorf("positive %q: row 0 is %s, want M", tc.pos, got)
		}
	}
	_, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "d"}, Positive: "malignant"}, rand.New(rand.NewPCG(1, 1)))
	if err == nil || err.Error() != `data.positive: column d has no value "malignant", its values are B, M` {
		t.Errorf("unknown positive: %v", err)
	}
}
