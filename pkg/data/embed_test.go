package data

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestFitEmbedByHand: data.embed turns a categorical column into one
// input holding its slot index (the slot one-hot would set: <missing>
// and <other> kept), the schema lists it as an embedding input, and the
// encoding survives the schema's JSON round trip and predict-time rows.
func TestFitEmbedByHand(t *testing.T) {
	text := "species,island,mass\na,X,1\na,Y,3\nb,,2\nb,Z,5\nc,X,7\n"
	tb, err := ReadTable(writeTable(t, "t.csv", text), TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tc, _ := ResolveTarget(tb, "species")
	_, classes := ClassLabels(tc)
	s, err := FitSchema(tb, tc, classes, rowsOf(5), FitOptions{Target: "species", Embed: map[string]int{"island": 2}})
	if err != nil {
		t.Fatal(err)
	}
	isl := s.Columns[0]
	// X, Y, Z, <missing> (row 3 is blank), <other>.
	if isl.Type != TypeCategorical || isl.Encoding != EncodingEmbed || isl.EmbedDim != 2 || isl.Width != 1 ||
		!slices.Equal(isl.Categories, []string{"X", "Y", "Z", CatMissing, CatOther}) {
		t.Fatalf("island: %+v", isl)
	}
	if got := s.EmbedInputs(); !slices.Equal(got, []EmbedInput{{Col: 0, Vocab: 5, Dim: 2}}) {
		t.Fatalf("EmbedInputs %v", got)
	}
	if err := s.Validate(2); err != nil {
		t.Fatal(err)
	}
	cols, _, _ := s.Bind(tb)
	x := make([]float32, 5*2)
	if _, err := s.Encode(tb, cols, rowsOf(5), x); err != nil {
		t.Fatal(err)
	}
	for i, want := range []float32{0, 1, 3, 2, 0} {
		if x[2*i] != want {
			t.Fatalf("row %d: island input %v, expected %v (x = %v)", i, x[2*i], want, x)
		}
	}
	if d := strings.Join(s.Describe(), "\n"); !strings.Contains(d, "embedding 5×2: X, Y, Z, <missing>, <other>") {
		t.Errorf("Describe:\n%s", d)
	}
	// Stored and read back: an unseen island is <other> (4), a blank
	// one <missing> (3); the data set lists its index input.
	b, _ := json.Marshal(s)
	var back Schema
	if err := json.Unmarshal(b, &back); err != nil || back.Validate(2) != nil {
		t.Fatalf("JSON round trip: %v %v", err, back.Validate(2))
	}
	p, _ := ReadTable(writeTable(t, "p.csv", "mass,island\n4,W\n4,\n4,Z\n"), TableOptions{})
	ds, notes, err := back.EncodeTable(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := []float32{ds.X[0], ds.X[2], ds.X[4]}; !slices.Equal(got, []float32{4, 3, 2}) {
		t.Fatalf("predict-time indices %v, expected [4 3 2]", got)
	}
	if !slices.Equal(ds.Embed, []EmbedInput{{Col: 0, Vocab: 5, Dim: 2}}) {
		t.Errorf("Dataset.Embed %v", ds.Embed)
	}
	if !strings.Contains(strings.Join(notes, "|"), "1 cell(s) of column island unseen") {
		t.Errorf("notes %q", notes)
	}
	// A stored schema whose embedding is not a categorical column's, or
	// has no width, is refused by name.
	bad := back
	bad.Columns = slices.Clone(back.Columns)
	bad.Columns[0].EmbedDim = 0
	if err := bad.Validate(2); err == nil || !strings.Contains(err.Error(), `column "island": encoding "embed"`) {
		t.Errorf("embed_dim 0: %v", err)
	}
}

// TestEmbedAbove: data.embed_above embeds every categorical column with
// more categories, fastai's width; data.embed wins; a column of integer
// codes named in data.embed is categorical, not numeric.
func TestEmbedAbove(t *testing.T) {
	var b strings.Builder
	b.WriteString("y,city,code,small\n")
	for i := range 60 {
		b.WriteString([]string{"a", "b"}[i%2] + ",c" + string(rune('A'+i%20)) + "," + string(rune('0'+i%7)) + "," + []string{"p", "q", "r"}[i%3] + "\n")
	}
	p := writeTable(t, "t.csv", b.String())
	td, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "y", EmbedAbove: 5, Embed: map[string]int{"code": 3}}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	city, code, small := td.Schema.Columns[0], td.Schema.Columns[1], td.Schema.Columns[2]
	// 20 cities + <other>: 21 categories, width round(1.6·21^0.56) = 9.
	if city.Encoding != EncodingEmbed || len(city.Categories) != 21 || city.EmbedDim != 9 || EmbedSize(21) != 9 {
		t.Errorf("city: %s with %d categories, width %d (EmbedSize(21) = %d)", city.Encoding, len(city.Categories), city.EmbedDim, EmbedSize(21))
	}
	if code.Type != TypeCategorical || code.Encoding != EncodingEmbed || code.EmbedDim != 3 || len(code.Categories) != 8 {
		t.Errorf("code: %+v", code)
	}
	if small.Encoding != "" || small.Width != 4 {
		t.Errorf("small (4 categories, not above 5): %+v", small)
	}
	if td.Train.D != 1+1+4 || !slices.Equal(td.Train.Embed, []EmbedInput{{0, 21, 9}, {1, 8, 3}}) || !slices.Equal(td.Val.Embed, td.Train.Embed) {
		t.Errorf("train D %d, Embed %v (val %v)", td.Train.D, td.Train.Embed, td.Val.Embed)
	}
	// Encoded indices are the categories' slots, integers in range.
	for i := range td.Train.N {
		for _, e := range td.Train.Embed {
			v := td.Train.X[i*td.Train.D+e.Col]
			if v != float32(math.Trunc(float64(v))) || v < 0 || int(v) >= e.Vocab {
				t.Fatalf("row %d input %d: %v is not an index of %d categories", i, e.Col, v, e.Vocab)
			}
		}
	}
}

// TestEmbedErrors: the data.embed keys' one-line errors.
func TestEmbedErrors(t *testing.T) {
	p := writeTable(t, "t.csv", tinyTable)
	for _, tc := range []struct {
		name string
		opt  FitOptions
		want string
	}{
		{"unknown column", FitOptions{Target: "species", Embed: map[string]int{"islnd": 2}}, `data.embed.islnd: ` + p + ` has no column "islnd" (did you mean "island"?)`},
		{"target", FitOptions{Target: "species", Embed: map[string]int{"species": 2}}, `data.embed.species: "species" is the target column`},
		{"width", FitOptions{Target: "species", Embed: map[string]int{"island": 0}}, `data.embed.island: the embedding width must be in 1..4096, got 0`},
		{"numeric type", FitOptions{Target: "species", Embed: map[string]int{"mass": 2}, Types: map[string]string{"mass": "numeric"}}, `data.embed.mass: data.types.mass is numeric, an embedding takes a categorical column`},
		{"excluded", FitOptions{Target: "species", Embed: map[string]int{"island": 2}, Exclude: []string{"island"}}, `data.embed.island: column island is not an input`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadTable(TableConfig{Train: p, Fit: tc.opt}, rand.New(rand.NewPCG(1, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, expected one line containing %q", err, tc.want)
			}
		})
	}
}

// TestTableFloat64: with Float64 the splits carry X64, whose numeric
// inputs are the standardized values in float64 (X has them rounded to
// float32), and whose one-hot and index inputs equal X's.
func TestTableFloat64(t *testing.T) {
	p := writeTable(t, "t.csv", "y,v,c\na,0.1,u\nb,0.2,w\na,0.7,u\nb,1.3,x\na,2.9,w\n")
	td, err := LoadTable(TableConfig{Train: p, Test: p, Fit: FitOptions{Target: "y", Embed: map[string]int{"c": 2}}, ValCount: 1, Float64: true},
		rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	v := td.Schema.Columns[0]
	for _, ds := range []*Dataset{td.Train, td.Val, td.Test} {
		if len(ds.X64) != len(ds.X) || ds.N == 0 {
			t.Fatalf("%s: X64 of %d values, X of %d", ds.Name, len(ds.X64), len(ds.X))
		}
		for k, x := range ds.X64 {
			if float32(x) != ds.X[k] {
				t.Fatalf("%s: X64[%d] = %v rounds to %v, X has %v", ds.Name, k, x, float32(x), ds.X[k])
			}
		}
	}
	// The test file is the training file: row 0's v is 0.1.
	if want := (0.1 - v.Mean) / v.Std; td.Test.X64[0] != want {
		t.Errorf("X64[0] = %v, expected (0.1 − mean)/std = %v in float64", td.Test.X64[0], want)
	}
	if float64(td.Test.X[0]) == td.Test.X64[0] {
		t.Errorf("X[0] = X64[0] = %v: the float64 value should not be a float32", td.Test.X64[0])
	}
	plain, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "y"}, ValCount: 1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil || plain.Train.X64 != nil {
		t.Errorf("float32: X64 %v (%v), expected none", plain.Train.X64, err)
	}
}
