package data

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/testfix"
	"github.com/nnfc/nnfc/pkg/limits"
)

func writeTable(t testing.TB, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReadTableRFC4180: quoted fields hold delimiters, doubled quotes and
// newlines; the delimiter is detected from the header; spaces around a
// cell and a byte order mark are dropped; NA strings are missing.
func TestReadTableRFC4180(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		delim      rune
	}{
		{"comma", "\ufeffname,note,x\n\"Smith, J\",\"said \"\"hi\"\"\nthen left\", 1.5\nLee,plain,NA\n", ','},
		{"semicolon", "name;note;x\n\"Smith, J\";\"said \"\"hi\"\"\nthen left\";1.5\nLee;plain;?\n", ';'},
		{"tab", "name\tnote\tx\n\"Smith, J\"\t\"said \"\"hi\"\"\nthen left\"\t1.5\nLee\tplain\t\n", '\t'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := ReadTable(writeTable(t, "t.csv", tc.text), TableOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tb.Delimiter != tc.delim || tb.N != 2 || !slices.Equal(tb.Names(), []string{"name", "note", "x"}) {
				t.Fatalf("delimiter %q, %d rows, columns %q", tb.Delimiter, tb.N, tb.Names())
			}
			if got := tb.Column("name").String(0); got != "Smith, J" {
				t.Errorf("name[0] = %q", got)
			}
			if got := tb.Column("note").String(0); got != "said \"hi\"\nthen left" {
				t.Errorf("note[0] = %q", got)
			}
			x := tb.Column("x")
			if !x.IsNumeric() || x.Num[0] != 1.5 || !x.Missing(1) {
				t.Errorf("x = %v (numeric %v)", x.Num, x.IsNumeric())
			}
			if tb.Line(1) != 4 {
				t.Errorf("row 1 starts on line %d, expected 4 (the quoted newline)", tb.Line(1))
			}
		})
	}
}

// TestReadTableTrimsEveryCell: a cell is read without the white space
// around it, whichever it is (spaces, tabs, a no-break space, in a quoted
// field too), for categories, numbers and NA strings alike; white space
// inside a cell stays. Before, only a space at either end set the trim
// off, so a tab-padded category was a category of its own.
func TestReadTableTrimsEveryCell(t *testing.T) {
	text := "species,x\nAdelie,1\n Adelie ,\t2\n\"\tAdelie\",3\u00a0\nAdelie\u00a0,NA\t\n\"Adelie\r\n\", ?\nSea Lion,5\n"
	tb, err := ReadTable(writeTable(t, "t.csv", text), TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp, x := tb.Column("species"), tb.Column("x")
	for i := range 5 {
		if got := sp.String(i); got != "Adelie" || sp.Codes[i] != sp.Codes[0] {
			t.Errorf("row %d: species %q (code %d), want Adelie (code %d)", i, got, sp.Codes[i], sp.Codes[0])
		}
	}
	if got := sp.String(5); got != "Sea Lion" {
		t.Errorf("row 5: species %q, want the inner space kept", got)
	}
	if !x.IsNumeric() || x.Num[0] != 1 || x.Num[1] != 2 || x.Num[2] != 3 || !x.Missing(3) || !x.Missing(4) || x.Num[5] != 5 {
		t.Errorf("x = %v (numeric %v), want 1, 2, 3, NA, NA, 5", x.Num, x.IsNumeric())
	}
}

// TestTableColumnTurnsToStrings: a numeric column meeting a string keeps
// its earlier numbers in their shortest form.
func TestTableColumnTurnsToStrings(t *testing.T) {
	tb, err := ReadTable(writeTable(t, "t.csv", "a\n1.50\n2\nNA\nx\n1.5\n"), TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := tb.Column("a")
	if c.IsNumeric() {
		t.Fatal("column with x still numeric")
	}
	var got []string
	for i := range tb.N {
		got = append(got, c.String(i))
	}
	if want := []string{"1.5", "2", "", "x", "1.5"}; !slices.Equal(got, want) || c.Codes[0] != c.Codes[4] {
		t.Fatalf("cells %q (codes %v), expected %q with rows 0 and 4 equal", got, c.Codes, want)
	}
}

// endless is a reader of one line that never ends.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), e.n)
	for i := range p[:k] {
		p[i] = '7'
	}
	e.n -= k
	return int(k), nil
}

// TestReadTableBadFiles: each bad file is one line naming the file and
// where, never a panic; a 2 GB line stops at the 64 MiB guard.
func TestReadTableBadFiles(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"ragged", "a,b,c\n1,2,3\n4,5\n", "t.csv:3: row has 2 fields, the header has 3"},
		{"unterminated quote", "a,b\n1,\"2\n3,4\n", "t.csv:2: extraneous or missing \" in quoted-field: a quote opened in the row that starts here is not closed by line 3"},
		{"stray quote", "a,b\n1,x\"y\n", `bare " in non-quoted-field`},
		{"header only", "a,b,c\n", "t.csv: a header and no data rows"},
		{"empty", "", "t.csv: empty file"},
		{"duplicate names", "a,b,a\n1,2,3\n", `columns 1 and 3 are both named "a"`},
		// Found by FuzzTable in CI: the name reached a data.target error
		// with its line break.
		{"line break in a name", "x,\"2\n1a\",y\n1,2,3\n", `t.csv:1: column 2 is named "2\n1a", which holds a line break`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTable(writeTable(t, "t.csv", tc.text), TableOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, expected one line containing %q", err, tc.want)
			}
		})
	}
	t.Run("2 GB line", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader("a,b\n1,"), &endless{n: 2 << 30})
		_, err := ReadTableFrom(r, "big.csv", TableOptions{})
		if err == nil || !strings.Contains(err.Error(), "big.csv:2: a line longer than 64.0 MiB") {
			t.Fatalf("error %v, expected the line guard on line 2", err)
		}
	})
}

const tinyTable = `species,island,mass,sex,id
a,X,1,m,1
a,Y,3,f,2
b,X,NA,m,3
b,Z,5,,4
c,X,7,f,5
`

// TestFitEncodeByHand checks one fitted schema and every encoded value
// against values worked out by hand.
func TestFitEncodeByHand(t *testing.T) {
	tb, err := ReadTable(writeTable(t, "t.csv", tinyTable), TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tc, err := ResolveTarget(tb, "species")
	if err != nil {
		t.Fatal(err)
	}
	y, classes := ClassLabels(tc)
	if !slices.Equal(classes, []string{"a", "b", "c"}) || !slices.Equal(y, []int32{0, 0, 1, 1, 2}) {
		t.Fatalf("classes %q labels %v", classes, y)
	}
	train := []int{0, 1, 2, 3, 4}
	s, err := FitSchema(tb, tc, classes, train, FitOptions{Target: "species", Indicator: true, Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	// mass: present 1, 3, 5, 7: mean 4, population std sqrt(5).
	m := s.Columns[1]
	if m.Type != TypeNumeric || m.Mean != 4 || m.Std != math.Sqrt(5) || m.Missing != 1 || m.Fill != 4 || !m.Indicator || m.Width != 2 {
		t.Fatalf("mass: %+v", m)
	}
	isl := s.Columns[0]
	if isl.Type != TypeCategorical || !slices.Equal(isl.Categories, []string{"X", "Y", "Z", CatOther}) {
		t.Fatalf("island: %+v", isl)
	}
	// sex: m, f, m, (missing), f: binary f=0, m=1; missing → share of m = 2/4.
	sx := s.Columns[2]
	if sx.Type != TypeBinary || !slices.Equal(sx.Categories, []string{"f", "m"}) || sx.Fill != 0.5 {
		t.Fatalf("sex: %+v", sx)
	}
	if s.Width() != 4+2+1 {
		t.Fatalf("width %d, expected 7", s.Width())
	}
	r := float32(1 / math.Sqrt(5))
	want := [][]float32{
		{1, 0, 0, 0, -3 * r, 0, 1},
		{0, 1, 0, 0, -1 * r, 0, 0},
		{1, 0, 0, 0, 0, 1, 1},
		{0, 0, 1, 0, 1 * r, 0, 0.5},
		{1, 0, 0, 0, 3 * r, 0, 0},
	}
	cols, _, err := s.Bind(tb)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 5*7)
	if _, err := s.Encode(tb, cols, train, x); err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		for j, v := range w {
			if math.Abs(float64(x[i*7+j]-v)) > 1e-6 {
				t.Fatalf("row %d: %v, expected %v", i, x[i*7:i*7+7], w)
			}
		}
	}
	// Predict-time rows: an unseen island, a missing mass, an extra column,
	// the columns in another order, no target.
	p, err := ReadTable(writeTable(t, "p.csv", "extra,sex,mass,island\nq,m,,W\n"), TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds, notes, err := s.EncodeTable(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := ds.X, []float32{0, 0, 0, 1, 0, 1, 1}; !slices.Equal(got, w) {
		t.Fatalf("predict row %v, expected %v", got, w)
	}
	if j := strings.Join(notes, "|"); !strings.Contains(j, "extra") || !strings.Contains(j, "1 cell(s) of column island unseen") {
		t.Fatalf("notes %q", notes)
	}
	// A stored schema encodes the same.
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Schema
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	ds2, _, err := back.EncodeTable(p, false)
	if err != nil || !slices.Equal(ds2.X, ds.X) {
		t.Fatalf("schema from JSON encodes %v (%v), expected %v", ds2.X, err, ds.X)
	}
	// A missing input column is one line naming it.
	q, _ := ReadTable(writeTable(t, "q.csv", "sex,island\nm,X\n"), TableOptions{})
	if _, _, err := s.EncodeTable(q, false); err == nil || !strings.Contains(err.Error(), `no column "mass"`) {
		t.Fatalf("missing column: %v", err)
	}
}

// TestFitSchemaErrors: the data.* keys' one-line errors.
func TestFitSchemaErrors(t *testing.T) {
	p := writeTable(t, "t.csv", tinyTable)
	for _, tc := range []struct {
		name string
		opt  FitOptions
		want string
	}{
		{"unknown target", FitOptions{Target: "specis"}, `data.target: ` + p + ` has no column "specis" (did you mean "species"?)`},
		{"unknown feature", FitOptions{Target: "species", Features: []string{"masss"}}, `data.features: ` + p + ` has no column "masss" (did you mean "mass"?)`},
		{"target as feature", FitOptions{Target: "species", Features: []string{"species"}}, `is a target column`},
		{"unknown exclude", FitOptions{Target: "species", Exclude: []string{"nope"}}, `data.exclude:`},
		{"bad type", FitOptions{Target: "species", Types: map[string]string{"mass": "float"}}, `data.types.mass: "float", expected one of numeric`},
		{"numeric on strings", FitOptions{Target: "species", Types: map[string]string{"island": "numeric"}}, `data.types.island: numeric, but ` + p + ` line 2 holds "X", not a number`},
		{"binary of three", FitOptions{Target: "species", Types: map[string]string{"island": "binary"}}, `data.types.island: binary, but the training split holds more than 2 distinct values`},
		{"bad impute", FitOptions{Target: "species", NumericImpute: "mode"}, `data.impute.numeric: "mode" for numeric column mass`},
		{"bad column impute", FitOptions{Target: "species", Impute: map[string]string{"island": "median"}}, `data.impute.columns.island: "median" for categorical column island, expected missing, mode or drop_row`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadTable(TableConfig{Train: p, Fit: tc.opt}, rand.New(rand.NewPCG(1, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, expected one line containing %q", err, tc.want)
			}
		})
	}
	one := writeTable(t, "one.csv", "y,x\na,1\na,2\nNA,3\n")
	_, err := LoadTable(TableConfig{Train: one, Fit: FitOptions{Target: "y"}}, rand.New(rand.NewPCG(1, 1)))
	if err == nil || !strings.Contains(err.Error(), `data.target: column y of `+one+` holds the one value "a", expected at least 2 classes`) {
		t.Fatalf("one class: %v", err)
	}
}

// TestFreeTextIgnored: a column with a distinct string in most rows is
// ignored, with a note saying how to use it anyway.
func TestFreeTextIgnored(t *testing.T) {
	var b strings.Builder
	b.WriteString("y,comment,x\n")
	for i := range 40 {
		b.WriteString([]string{"a", "b"}[i%2] + ",note " + string(rune('A'+i%26)) + string(rune('a'+i/26)) + "," + string(rune('0'+i%10)) + "\n")
	}
	td, err := LoadTable(TableConfig{Train: writeTable(t, "t.csv", b.String()), Fit: FitOptions{Target: "y"}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	c := td.Schema.Columns[0]
	if c.Type != TypeIgnore || !strings.Contains(c.Note, "free text or an identifier: 40 distinct values in 40 training rows") {
		t.Fatalf("comment: %+v", c)
	}
	if !strings.Contains(strings.Join(td.Notes, "|"), "column comment ignored: free text") {
		t.Fatalf("notes %q", td.Notes)
	}
}

// TestStratifiedSplit: each class keeps its share (largest remainders),
// and the draw depends only on the seed.
func TestStratifiedSplit(t *testing.T) {
	y := make([]int32, 0, 100)
	for c, n := range []int{70, 25, 5} {
		for range n {
			y = append(y, int32(c))
		}
	}
	vi, ti := StratifiedSplit(y, 3, 20, rand.New(rand.NewPCG(3, 4)))
	got := ClassCounts(y, vi, 3)
	if !slices.Equal(got, []int{14, 5, 1}) || len(ti) != 80 {
		t.Fatalf("validation classes %v (train %d), expected [14 5 1] and 80", got, len(ti))
	}
	vi2, _ := StratifiedSplit(y, 3, 20, rand.New(rand.NewPCG(3, 4)))
	if !slices.Equal(vi, vi2) {
		t.Fatal("same seed, different split")
	}
	// 3 classes of 3 rows, 4 for validation: floor gives 1 each, the one
	// left over goes to class 0 (equal remainders, smaller index).
	y = []int32{0, 0, 0, 1, 1, 1, 2, 2, 2}
	vi, _ = StratifiedSplit(y, 3, 4, rand.New(rand.NewPCG(1, 1)))
	if got := ClassCounts(y, vi, 3); !slices.Equal(got, []int{2, 1, 1}) {
		t.Fatalf("validation classes %v, expected [2 1 1]", got)
	}
}

// TestPenguinsSchema reads the real Palmer penguins table (make data):
// 344 rows, 2 without any measurement, 11 without sex.
func TestPenguinsSchema(t *testing.T) {
	td, err := LoadTable(TableConfig{Train: testfix.TableFile(t, "penguins.csv"), Fit: FitOptions{Target: "species"}, ValFraction: 0.2, Stratify: true}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	s := td.Schema
	if !slices.Equal(s.Target.Classes, []string{"Adelie", "Chinstrap", "Gentoo"}) {
		t.Fatalf("classes %q", s.Target.Classes)
	}
	types := map[string]string{}
	for _, c := range s.Columns {
		types[c.Name] = c.Type
	}
	want := map[string]string{"island": TypeCategorical, "bill_length_mm": TypeNumeric, "bill_depth_mm": TypeNumeric,
		"flipper_length_mm": TypeNumeric, "body_mass_g": TypeNumeric, "sex": TypeBinary, "year": TypeNumeric}
	for k, v := range want {
		if types[k] != v {
			t.Errorf("%s: %s, expected %s", k, types[k], v)
		}
	}
	// 344 rows: 152 Adelie, 68 Chinstrap, 124 Gentoo; 69 held out (20%).
	if td.Train.N != 275 || td.Val.N != 69 || td.Train.D != 10 {
		t.Fatalf("train %d val %d width %d", td.Train.N, td.Val.N, td.Train.D)
	}
	if got := ClassCounts(td.Val.Y, rowsOf(td.Val.N), 3); !slices.Equal(got, []int{30, 14, 25}) {
		t.Fatalf("validation classes %v, expected [30 14 25] (stratified)", got)
	}
	for _, d := range []*Dataset{td.Train, td.Val} {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
	}
}

func rowsOf(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestTooManyCategories: a vocabulary whose one-hot matrix exceeds the
// memory limit is one line naming the column and what to do.
func TestTooManyCategories(t *testing.T) {
	var b strings.Builder
	b.WriteString("y,code,x\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "%c,k%d,%d\n", 'a'+i%2, i%1500, i)
	}
	p := writeTable(t, "t.csv", b.String())
	limits.SetMax(8 << 20) // 3000 rows × 1,502 inputs × 4 bytes = 17 MiB
	defer limits.SetMax(0)
	_, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "y", Types: map[string]string{"code": TypeCategorical}}}, rand.New(rand.NewPCG(1, 1)))
	want := "data.types.code: 1501 categories (one-hot inputs of 3000 rows; set data.embed.code: 16, data.min_count or data.types.code: ignore) needs 17.2 MiB, more than the --max-memory limit of 8.0 MiB"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, expected %q", err, want)
	}
	// The embedding the message suggests: one input for the column.
	td, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "y", Embed: map[string]int{"code": 16}}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatalf("data.embed.code: 16: %v", err)
	}
	if td.Train.D != 2 || !slices.Equal(td.Train.Embed, []EmbedInput{{Col: 0, Vocab: 1501, Dim: 16}}) {
		t.Fatalf("data.embed.code: 16: %d inputs, %v", td.Train.D, td.Train.Embed)
	}
}

// TestDropRow: drop_row leaves the rows with a missing cell in that
// column out of training, with a note; the fill for later rows is the
// training mean.
func TestDropRow(t *testing.T) {
	p := writeTable(t, "t.csv", tinyTable)
	td, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "species", Exclude: []string{"id"}, Impute: map[string]string{"mass": ImputeDropRow}}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if td.Train.N != 4 || !strings.Contains(strings.Join(td.Notes, "|"), "1 row(s) with a missing cell in a drop_row column: dropped") {
		t.Fatalf("%d training rows, notes %q; expected 4 and the drop noted", td.Train.N, td.Notes)
	}
	if m := td.Schema.Columns[1]; m.Name != "mass" || m.Impute != ImputeDropRow || m.Fill != 4 {
		t.Fatalf("mass: %+v", m)
	}
}
