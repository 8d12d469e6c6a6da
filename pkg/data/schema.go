package data

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/pkg/limits"
)

// Column types of a table's inputs.
const (
	TypeNumeric     = "numeric"     // a number: imputed, then standardized; one input
	TypeCategorical = "categorical" // one of a vocabulary: one-hot over Categories
	TypeBinary      = "binary"      // one of two values: one 0/1 input
	TypeIgnore      = "ignore"      // not an input
)

// ColumnTypes lists the valid column types (data.types).
var ColumnTypes = []string{TypeNumeric, TypeCategorical, TypeBinary, TypeIgnore}

// Imputation strategies. Numeric columns take mean, median, constant or
// drop_row; categorical and binary columns missing (their own <missing>
// category; binary: the training share of the second value), mode or
// drop_row.
const (
	ImputeMean     = "mean"
	ImputeMedian   = "median"
	ImputeConstant = "constant"
	ImputeMissing  = "missing"
	ImputeMode     = "mode"
	ImputeDropRow  = "drop_row"
)

// EncodingEmbed is Column.Encoding of a categorical column looked up in
// a learned embedding table (data.embed) instead of one-hot: one input
// holding the category's index into Categories.
const EncodingEmbed = "embed"

// MaxEmbedDim is the widest embedding a column may ask for (data.embed).
const MaxEmbedDim = 4096

// Special categories of a one-hot column.
const (
	CatMissing = "<missing>" // the missing cells, with impute "missing"
	CatOther   = "<other>"   // values rarer than min_count in training, and values training never saw
)

// Target kinds.
const (
	// TargetClass is a class target: each distinct value is a class,
	// numbered in Target.Classes order.
	TargetClass = "class"
)

// Schema is a table's preprocessing, fitted on the training split
// (FitSchema) and stored in the model file, so that eval and predict turn
// raw rows of the same format into exactly the inputs training saw. It is
// plain data: JSON is its stored form, and every field is documented for
// readers in other languages (an ONNX exporter builds the same steps as
// graph nodes from it).
//
// Encoding a row writes Width() float32 inputs, the columns' blocks one
// after the other in Columns order, each at its Offset:
//
//	numeric      1 input  (v - Mean) / Std, v = Fill when the cell is
//	             missing; then 1 more (1 when missing, else 0) if Indicator
//	binary       1 input  0 for Categories[0], 1 for Categories[1]; Fill
//	             when missing or unseen
//	categorical  len(Categories) inputs, one-hot; a missing cell is the
//	             <missing> slot if there is one, else the Fill category;
//	             a value not in Categories is <other>
//	categorical  with Encoding "embed": 1 input, the index k into
//	             Categories of the slot one-hot would set (same rules
//	             for <missing> and <other>), as a float; the network
//	             looks row k up in a learned len(Categories)×EmbedDim
//	             table (EmbedInputs)
//	ignore       no input
//
// A cell in a categorical column that is a number is compared in its
// shortest form ("1.50" is "1.5"; see Table).
type Schema struct {
	// Delimiter of the training file (",", ";" or "\t"); readers of
	// other files detect theirs.
	Delimiter string `json:"delimiter"`
	// NAValues are the cells read as missing.
	NAValues []string `json:"na_values"`
	// NoHeader: the training file had no header row (data.header: no),
	// its columns were named col1, col2, ...; files read with the schema
	// (test, eval, predict) are read the same way.
	NoHeader bool `json:"no_header,omitempty"`
	// Target is the column the model predicts.
	Target Target `json:"target"`
	// Columns are the input columns in file order, ignored ones included
	// (with no inputs), so that describe and predict can name them.
	Columns []Column `json:"columns"`
	// Dropped counts the training file's rows left out: Target missing,
	// and drop_row imputation.
	DroppedTarget int `json:"dropped_target,omitempty"`
	// WeightColumn, when not empty, is the column of per-row sample
	// weights (data.weight_column): not an input; eval reads it, when the
	// file has it, to weigh the loss and the metrics.
	WeightColumn string `json:"weight_column,omitempty"`
}

// Target is the predicted column (or columns).
type Target struct {
	Name string `json:"name"`
	// Kind is TargetClass: class i is named Classes[i]. The order is the
	// numeric order when every value is a number, else the byte order of
	// the strings: stable for the same values, whatever their row order.
	// Or it is TargetNumber: the numbers of the columns Names (Name is
	// the first), each standardized for training as (v − Mean[j]) /
	// Std[j] with the training split's mean and population standard
	// deviation (1 for a constant column); a model's output o of target
	// j is Mean[j] + Std[j]·o in the data's units. Or it is TargetLabels:
	// Classes are the labels, Counts the training rows with each, from
	// the 0/1 columns Names or from the one column Name (Sep).
	Kind    string   `json:"kind"`
	Classes []string `json:"classes"`
	// Counts is the number of training rows of each class.
	Counts []int    `json:"counts"`
	Names  []string `json:"names,omitempty"`
	// Sep is LabelSep for a label target read from one column (Name) of
	// separated labels, "" otherwise (TargetLabels).
	Sep  string    `json:"sep,omitempty"`
	Mean []float64 `json:"mean,omitempty"`
	Std  []float64 `json:"std,omitempty"`
}

// Column is one input column's fitted encoding.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"` // one of ColumnTypes
	// Inferred is true when Type was inferred, false when data.types set
	// it; Note says why an inferred type is ignore.
	Inferred bool   `json:"inferred"`
	Note     string `json:"note,omitempty"`
	// Missing is the number of missing cells in the training split.
	Missing int `json:"missing"`
	// Impute is the strategy for missing cells (see the Impute*
	// constants); Fill the value it fitted: numeric, in the column's
	// units; binary, the 0/1 input; categorical, the index into
	// Categories (mode).
	Impute string  `json:"impute,omitempty"`
	Fill   float64 `json:"fill"`
	// Indicator adds an input that is 1 where the cell is missing
	// (numeric columns).
	Indicator bool `json:"indicator,omitempty"`
	// Mean and Std standardize a numeric column: (v - Mean) / Std, with
	// Std = 1 for a constant column. Min and Max are the training range.
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	// Categories are the one-hot slots of a categorical column (values
	// seen at least min_count times in training, sorted, then <missing>
	// if used and <other>), or the two values of a binary column.
	Categories []string `json:"categories,omitempty"`
	// Encoding is "" (one-hot) or EncodingEmbed for a categorical
	// column; EmbedDim is then the width of its table's rows.
	Encoding string `json:"encoding,omitempty"`
	EmbedDim int    `json:"embed_dim,omitempty"`
	// Offset and Width place the column's inputs in an encoded row.
	Offset int `json:"offset"`
	Width  int `json:"width"`
}

// EmbedInput is an input of an encoded row that holds a category index
// (a categorical column with Encoding "embed"): Col is its position in
// the row, Vocab the number of categories, Dim the embedding's width.
type EmbedInput struct {
	Col, Vocab, Dim int
}

// EmbedInputs lists the schema's index inputs in column order.
func (s *Schema) EmbedInputs() []EmbedInput {
	var es []EmbedInput
	for _, c := range s.Columns {
		if c.Encoding == EncodingEmbed {
			es = append(es, EmbedInput{Col: c.Offset, Vocab: len(c.Categories), Dim: c.EmbedDim})
		}
	}
	return es
}

// Validate checks a schema read from a model file: known types and
// imputations, blocks that tile [0, width) in order, widths that match the
// categories, finite statistics, classes. width is the model's input
// width. The error names the column.
func (s *Schema) Validate(width int) error {
	if err := s.Target.validate(); err != nil {
		return err
	}
	off := 0
	for _, c := range s.Columns {
		bad := func(format string, a ...any) error {
			return fmt.Errorf("table schema: column %q: %s", c.Name, fmt.Sprintf(format, a...))
		}
		if c.Offset != off {
			return bad("offset %d, expected %d", c.Offset, off)
		}
		want := 0
		if c.Encoding != "" && (c.Encoding != EncodingEmbed || c.Type != TypeCategorical || c.EmbedDim < 1 || c.EmbedDim > MaxEmbedDim) {
			return bad("encoding %q of a %s column with embed_dim %d, expected embed only for a categorical column, with embed_dim in 1..%d", c.Encoding, c.Type, c.EmbedDim, MaxEmbedDim)
		}
		switch c.Type {
		case TypeIgnore:
		case TypeNumeric:
			want = 1
			if c.Indicator {
				want = 2
			}
			if !(c.Std > 0) || math.IsInf(c.Std, 0) || math.IsNaN(c.Mean) || math.IsInf(c.Mean, 0) || math.IsNaN(c.Fill) || math.IsInf(c.Fill, 0) {
				return bad("mean %g, std %g, fill %g: expected finite numbers and std > 0", c.Mean, c.Std, c.Fill)
			}
		case TypeBinary:
			want = 1
			if len(c.Categories) != 2 || !(c.Fill >= 0 && c.Fill <= 1) {
				return bad("binary with %d categories and fill %g, expected 2 and a fill in [0, 1]", len(c.Categories), c.Fill)
			}
		case TypeCategorical:
			want = len(c.Categories)
			if want == 0 || c.Categories[want-1] != CatOther || !(c.Fill >= 0 && c.Fill < float64(want)) || c.Fill != math.Trunc(c.Fill) {
				return bad("categorical with %d categories and fill %g, expected <other> last and a fill that indexes them", want, c.Fill)
			}
			if c.Encoding == EncodingEmbed {
				want = 1
			}
		default:
			return bad("type %q, expected one of %s", c.Type, strings.Join(ColumnTypes, ", "))
		}
		if c.Width != want {
			return bad("width %d, expected %d", c.Width, want)
		}
		off += want
	}
	if off != width {
		return fmt.Errorf("table schema: %d inputs, the model has %d", off, width)
	}
	return nil
}

// FitOptions are the user's choices for FitSchema (the data.* keys).
type FitOptions struct {
	// Target names the target column, or gives its 0-based index when no
	// column has that name. Targets, when set, lists several (a number
	// target's columns) instead.
	Target  string
	Targets []string
	// Features lists the input columns; empty means every column but the
	// target and those in Exclude.
	Features, Exclude []string
	// Types sets a column's type instead of inferring it.
	Types map[string]string
	// NumericImpute (default mean) and CategoricalImpute (default
	// missing) are the strategies per type; Impute sets one per column.
	NumericImpute, CategoricalImpute string
	Impute                           map[string]string
	// Constant is the fill of numeric impute "constant".
	Constant float64
	// Indicator adds a missing-indicator input to each numeric column
	// with missing cells in training.
	Indicator bool
	// MinCount is the fewest training rows a category needs for its own
	// one-hot slot (default 1); rarer values go to <other>.
	MinCount int
	// WeightColumn names the column of sample weights: not an input.
	WeightColumn string
	// Embed gives a categorical column a learned embedding of the width
	// given instead of one-hot inputs (data.embed); EmbedAbove does so
	// for every other categorical column with more than EmbedAbove
	// categories, of width EmbedSize (data.embed_above; 0: off).
	Embed      map[string]int
	EmbedAbove int
}

// EmbedSize is the embedding width data.embed_above gives a column of n
// categories: fastai's rule of thumb (emb_sz_rule), min(600,
// round(1.6·n^0.56)).
func EmbedSize(n int) int {
	return min(600, int(math.Round(1.6*math.Pow(float64(n), 0.56))))
}

// Width is the number of inputs an encoded row has.
func (s *Schema) Width() int {
	w := 0
	for _, c := range s.Columns {
		w += c.Width
	}
	return w
}

// ResolveTarget finds the target column of t: by name, else as a 0-based
// index.
func ResolveTarget(t *Table, target string) (*TableColumn, error) {
	if target == "" {
		return nil, fmt.Errorf("data.target: not set, expected the name of the column to predict (one of %s)", quoteNames(t.Names()))
	}
	if c := t.Column(target); c != nil {
		return c, nil
	}
	if i, err := strconv.Atoi(target); err == nil {
		if i < 0 || i >= len(t.Columns) {
			return nil, fmt.Errorf("data.target: column index %d out of range for the %d columns of %s", i, len(t.Columns), t.Path)
		}
		return t.Columns[i], nil
	}
	return nil, fmt.Errorf("data.target: %s has no column %q%s, its columns are %s", t.Path, target, suggestName(target, t.Names()), quoteNames(t.Names()))
}

// ClassLabels turns a class target column into labels: y[i] is the class
// of row i, -1 where the target is missing. classes are numbered in
// numeric order when every value is a number, else in byte order.
func ClassLabels(c *TableColumn) (y []int32, classes []string) {
	n := len(c.Num)
	if !c.IsNumeric() {
		n = len(c.Codes)
	}
	y = make([]int32, n)
	if c.IsNumeric() {
		vals := map[float64]int32{}
		var distinct []float64
		for _, v := range c.Num {
			if !math.IsNaN(v) {
				if _, ok := vals[v]; !ok {
					vals[v] = 0
					distinct = append(distinct, v)
				}
			}
		}
		slices.Sort(distinct)
		for k, v := range distinct {
			vals[v] = int32(k)
			classes = append(classes, canonNumber(v))
		}
		for i, v := range c.Num {
			if math.IsNaN(v) {
				y[i] = -1
			} else {
				y[i] = vals[v]
			}
		}
		return y, classes
	}
	order := make([]int, len(c.Dict))
	for i := range order {
		order[i] = i
	}
	allNum := true
	num := make([]float64, len(c.Dict))
	for i, s := range c.Dict {
		v, ok := parseFinite(s)
		allNum = allNum && ok
		num[i] = v
	}
	sort.SliceStable(order, func(a, b int) bool {
		if allNum {
			return num[order[a]] < num[order[b]]
		}
		return c.Dict[order[a]] < c.Dict[order[b]]
	})
	rank := make([]int32, len(c.Dict))
	for k, code := range order {
		rank[code] = int32(k)
		classes = append(classes, c.Dict[code])
	}
	for i, code := range c.Codes {
		if code < 0 {
			y[i] = -1
		} else {
			y[i] = rank[code]
		}
	}
	return y, classes
}

// FitSchema fits the encoding of t's input columns on the training rows
// (indices into t), for the target column target (already resolved) with
// classes. Errors are one line naming the data.* key and the column.
func FitSchema(t *Table, target *TableColumn, classes []string, train []int, opt FitOptions) (*Schema, error) {
	if opt.MinCount <= 0 {
		opt.MinCount = 1
	}
	if opt.NumericImpute == "" {
		opt.NumericImpute = ImputeMean
	}
	if opt.CategoricalImpute == "" {
		opt.CategoricalImpute = ImputeMissing
	}
	names := t.Names()
	targets := map[*TableColumn]bool{target: true}
	for _, n := range opt.Targets {
		if tc, _ := ResolveTarget(t, n); tc != nil {
			targets[tc] = true
		}
	}
	isTarget := func(c *TableColumn) bool { return c != nil && targets[c] }
	the := "the target column"
	if len(targets) > 1 {
		the = "a target column"
	}
	check := func(key string, cols []string) error {
		for _, n := range cols {
			c := t.Column(n)
			if c == nil {
				return fmt.Errorf("%s: %s has no column %q%s, its columns are %s", key, t.Path, n, suggestName(n, names), quoteNames(names))
			}
			if isTarget(c) {
				return fmt.Errorf("%s: %q is a target column (data.target), it cannot be an input", key, n)
			}
		}
		return nil
	}
	if err := check("data.features", opt.Features); err != nil {
		return nil, err
	}
	if err := check("data.exclude", opt.Exclude); err != nil {
		return nil, err
	}
	if w := opt.WeightColumn; w != "" {
		if t.Column(w) == nil {
			return nil, fmt.Errorf("data.weight_column: %s has no column %q%s, its columns are %s", t.Path, w, suggestName(w, names), quoteNames(names))
		}
		if isTarget(t.Column(w)) {
			return nil, fmt.Errorf("data.weight_column: %q is %s (data.target), it cannot weigh the rows", w, the)
		}
		if slices.Contains(opt.Features, w) {
			return nil, fmt.Errorf("data.features: %q is the weight column (data.weight_column), it cannot be an input", w)
		}
	}
	for _, key := range sortedKeys(opt.Types) {
		if t.Column(key) == nil {
			return nil, fmt.Errorf("data.types.%s: %s has no column %q%s", key, t.Path, key, suggestName(key, names))
		}
		if !slices.Contains(ColumnTypes, opt.Types[key]) {
			return nil, fmt.Errorf("data.types.%s: %q, expected one of %s", key, opt.Types[key], strings.Join(ColumnTypes, ", "))
		}
	}
	for _, key := range sortedKeys(opt.Impute) {
		if t.Column(key) == nil {
			return nil, fmt.Errorf("data.impute.columns.%s: %s has no column %q%s", key, t.Path, key, suggestName(key, names))
		}
	}
	for _, key := range sortedKeys(opt.Embed) {
		if t.Column(key) == nil {
			return nil, fmt.Errorf("data.embed.%s: %s has no column %q%s", key, t.Path, key, suggestName(key, names))
		}
		if key == target.Name {
			return nil, fmt.Errorf("data.embed.%s: %q is the target column (data.target), it cannot be an input", key, key)
		}
		if d := opt.Embed[key]; d < 1 || d > MaxEmbedDim {
			return nil, fmt.Errorf("data.embed.%s: the embedding width must be in 1..%d, got %d", key, MaxEmbedDim, d)
		}
		if len(opt.Features) > 0 && !slices.Contains(opt.Features, key) || slices.Contains(opt.Exclude, key) {
			return nil, fmt.Errorf("data.embed.%s: column %s is not an input (data.features, data.exclude)", key, key)
		}
	}
	s := &Schema{Delimiter: string(t.Delimiter), Target: Target{Name: target.Name, Kind: TargetClass, Classes: classes}, WeightColumn: opt.WeightColumn}
	for _, c := range t.Columns {
		if isTarget(c) || c.Name == opt.WeightColumn && c.Name != "" {
			continue
		}
		if len(opt.Features) > 0 && !slices.Contains(opt.Features, c.Name) || slices.Contains(opt.Exclude, c.Name) {
			continue
		}
		col, err := fitColumn(t, c, train, opt)
		if err != nil {
			return nil, err
		}
		col.Offset = s.Width()
		s.Columns = append(s.Columns, col)
	}
	if s.Width() == 0 {
		return nil, fmt.Errorf("data.features: no input column is left (every chosen column is ignored: %s)", describeIgnored(s))
	}
	// One-hot inputs of every row are float32s: refuse a vocabulary the
	// memory cannot hold, naming the widest column.
	widest := 0
	for i, c := range s.Columns {
		if c.Width > s.Columns[widest].Width {
			widest = i
		}
	}
	if err := limits.Check(fmt.Sprintf("data.types.%s: %d categories (one-hot inputs of %d rows; set data.embed.%s: 16, data.min_count or data.types.%s: ignore)",
		s.Columns[widest].Name, s.Columns[widest].Width, t.N, s.Columns[widest].Name, s.Columns[widest].Name), limits.Mul(t.N, s.Width(), 4)); err != nil {
		return nil, err
	}
	return s, nil
}

func describeIgnored(s *Schema) string {
	var parts []string
	for _, c := range s.Columns {
		parts = append(parts, c.Name+" "+c.Note)
	}
	if len(parts) == 0 {
		return "none chosen"
	}
	return strings.Join(parts, "; ")
}

// fitColumn infers (or takes) one column's type and fits its encoding.
func fitColumn(t *Table, c *TableColumn, train []int, opt FitOptions) (Column, error) {
	col := Column{Name: c.Name, Type: opt.Types[c.Name], Inferred: opt.Types[c.Name] == ""}
	if _, ok := opt.Embed[c.Name]; ok && col.Inferred {
		// data.embed says categorical: a column of integer codes (or
		// of mostly distinct values) is no longer numeric (or ignored).
		col.Type, col.Inferred = TypeCategorical, false
	}
	// Present values of the training rows: numbers where every one
	// parses, and the distinct values with their counts.
	counts := map[string]int{}
	var nums []float64
	numeric := true
	firstBad := -1
	if c.IsNumeric() {
		nums = make([]float64, 0, len(train))
		for _, i := range train {
			if v := c.Num[i]; math.IsNaN(v) {
				col.Missing++
			} else {
				nums = append(nums, v)
			}
		}
	} else {
		// Count by code, then name the codes: one slice increment a row.
		byCode := make([]int, len(c.Dict))
		firstRow := make([]int, len(c.Dict))
		for _, i := range train {
			code := c.Codes[i]
			if code < 0 {
				col.Missing++
				continue
			}
			if byCode[code] == 0 {
				firstRow[code] = i
			}
			byCode[code]++
		}
		for code, n := range byCode {
			if n == 0 {
				continue
			}
			s := c.Dict[code]
			counts[s] = n
			v, ok := parseFinite(s)
			if !ok {
				if numeric || firstRow[code] < firstBad {
					firstBad = firstRow[code]
				}
				numeric = false
				continue
			}
			for range n {
				nums = append(nums, v)
			}
		}
	}
	present := len(train) - col.Missing
	distinct := len(counts)
	if c.IsNumeric() {
		// Only whether there are one, two or more values matters.
		seen := map[float64]bool{}
		for _, v := range nums {
			if seen[v] = true; len(seen) > 2 {
				break
			}
		}
		distinct = len(seen)
		if distinct <= 2 {
			for _, v := range nums {
				counts[canonNumber(v)]++
			}
		}
	}
	if col.Inferred {
		switch {
		case present == 0:
			col.Type, col.Note = TypeIgnore, "no values in the training split"
		case distinct == 1:
			col.Type, col.Note = TypeIgnore, fmt.Sprintf("one value (%q) in every training row", firstKey(counts))
		case distinct == 2:
			col.Type = TypeBinary
		case numeric:
			col.Type = TypeNumeric
		case present >= 20 && 2*distinct > present:
			col.Type, col.Note = TypeIgnore, fmt.Sprintf("free text or an identifier: %d distinct values in %d training rows (set data.types.%s: categorical to use it)", distinct, present, c.Name)
		default:
			col.Type = TypeCategorical
		}
	}
	if col.Type == TypeCategorical && c.IsNumeric() && distinct > 2 {
		for _, v := range nums {
			counts[canonNumber(v)]++
		}
	}
	impute := opt.Impute[c.Name]
	if _, ok := opt.Embed[c.Name]; ok && col.Type != TypeCategorical {
		return col, fmt.Errorf("data.embed.%s: data.types.%s is %s, an embedding takes a categorical column", c.Name, c.Name, col.Type)
	}
	switch col.Type {
	case TypeIgnore:
		if !col.Inferred {
			col.Note = "data.types says ignore"
		}
		return col, nil
	case TypeNumeric:
		if !numeric {
			return col, fmt.Errorf("data.types.%s: numeric, but %s line %d holds %q, not a number", c.Name, t.Path, t.Line(firstBad), c.Dict[c.Codes[firstBad]])
		}
		if present == 0 {
			return col, fmt.Errorf("data.types.%s: numeric, but the column has no values in the training split", c.Name)
		}
		if impute == "" {
			impute = opt.NumericImpute
		}
		return fitNumeric(col, nums, impute, opt)
	case TypeBinary:
		if distinct != 2 {
			n := "more than 2"
			if distinct < 2 {
				n = strconv.Itoa(distinct)
			}
			return col, fmt.Errorf("data.types.%s: binary, but the training split holds %s distinct values, expected 2 (use categorical)", c.Name, n)
		}
		if impute == "" {
			impute = opt.CategoricalImpute
		}
		return fitBinary(col, counts, impute, imputeKey(c.Name, opt, "categorical"))
	default: // categorical
		if impute == "" {
			impute = opt.CategoricalImpute
		}
		col, err := fitCategorical(col, counts, impute, opt.MinCount, imputeKey(c.Name, opt, "categorical"))
		if err != nil {
			return col, err
		}
		if d, ok := opt.Embed[c.Name]; ok {
			col.Encoding, col.EmbedDim, col.Width = EncodingEmbed, d, 1
		} else if opt.EmbedAbove > 0 && len(col.Categories) > opt.EmbedAbove {
			col.Encoding, col.EmbedDim, col.Width = EncodingEmbed, EmbedSize(len(col.Categories)), 1
		}
		return col, nil
	}
}

// imputeKey is the config key that chose a column's imputation: its own
// (data.impute.columns.NAME) or its type's (data.impute.numeric, ...).
func imputeKey(name string, opt FitOptions, typeKey string) string {
	if _, ok := opt.Impute[name]; ok {
		return "data.impute.columns." + name
	}
	return "data.impute." + typeKey
}

func firstKey(m map[string]int) string {
	for k := range m {
		return k
	}
	return ""
}

// fitNumeric fits imputation and standardization of present values nums.
func fitNumeric(col Column, nums []float64, impute string, opt FitOptions) (Column, error) {
	col.Impute = impute
	col.Width = 1
	if opt.Indicator && col.Missing > 0 {
		col.Indicator = true
		col.Width = 2
	}
	var sum float64
	col.Min, col.Max = math.Inf(1), math.Inf(-1)
	for _, v := range nums {
		sum += v
		col.Min, col.Max = min(col.Min, v), max(col.Max, v)
	}
	col.Mean = sum / float64(len(nums))
	var ss float64
	for _, v := range nums {
		ss += (v - col.Mean) * (v - col.Mean)
	}
	col.Std = math.Sqrt(ss / float64(len(nums)))
	if col.Std == 0 || math.IsNaN(col.Std) || math.IsInf(col.Std, 0) {
		col.Std = 1
	}
	switch impute {
	case ImputeMean, ImputeDropRow:
		col.Fill = col.Mean // drop_row rows are left out of training; eval and predict fill them
	case ImputeMedian:
		s := slices.Clone(nums)
		slices.Sort(s)
		col.Fill = s[len(s)/2]
		if len(s)%2 == 0 {
			col.Fill = (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
	case ImputeConstant:
		col.Fill = opt.Constant
	default:
		return col, fmt.Errorf("%s: %q for numeric column %s, expected mean, median, constant or drop_row", imputeKey(col.Name, opt, "numeric"), impute, col.Name)
	}
	return col, nil
}

// fitBinary fits a two-valued column: Categories sorted, Fill the share
// of the second (impute missing) or the majority (mode).
func fitBinary(col Column, counts map[string]int, impute string, key string) (Column, error) {
	col.Impute, col.Width = impute, 1
	col.Categories = sortedCategories(counts)
	n0, n1 := counts[col.Categories[0]], counts[col.Categories[1]]
	switch impute {
	case ImputeMissing:
		col.Fill = float64(n1) / float64(n0+n1)
	case ImputeMode, ImputeDropRow:
		if n1 > n0 {
			col.Fill = 1
		}
	default:
		return col, fmt.Errorf("%s: %q for binary column %s, expected missing, mode or drop_row", key, impute, col.Name)
	}
	return col, nil
}

// fitCategorical fits a one-hot vocabulary.
func fitCategorical(col Column, counts map[string]int, impute string, minCount int, key string) (Column, error) {
	col.Impute = impute
	for _, v := range sortedCategories(counts) {
		if counts[v] >= minCount {
			col.Categories = append(col.Categories, v)
		}
	}
	switch impute {
	case ImputeMissing:
		if col.Missing > 0 {
			col.Categories = append(col.Categories, CatMissing)
		}
	case ImputeMode, ImputeDropRow:
	default:
		return col, fmt.Errorf("%s: %q for categorical column %s, expected missing, mode or drop_row", key, impute, col.Name)
	}
	col.Categories = append(col.Categories, CatOther)
	// The mode (for impute mode, and a missing cell when there is no
	// <missing> slot): the most frequent kept value, first in order.
	mode, best := len(col.Categories)-1, -1
	for k, v := range col.Categories {
		if n, ok := counts[v]; ok && n > best {
			mode, best = k, n
		}
	}
	col.Fill = float64(mode)
	col.Width = len(col.Categories)
	return col, nil
}

// sortedCategories orders values numerically when all are numbers, else
// by bytes.
func sortedCategories(counts map[string]int) []string {
	vals := make([]string, 0, len(counts))
	allNum := true
	for v := range counts {
		vals = append(vals, v)
		_, ok := parseFinite(v)
		allNum = allNum && ok
	}
	sort.Slice(vals, func(a, b int) bool {
		if allNum {
			x, _ := parseFinite(vals[a])
			y, _ := parseFinite(vals[b])
			return x < y
		}
		return vals[a] < vals[b]
	})
	return vals
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func quoteNames(names []string) string {
	if len(names) > 12 {
		return strings.Join(names[:12], ", ") + fmt.Sprintf(", ... (%d in all)", len(names))
	}
	return strings.Join(names, ", ")
}

// suggestName is ` (did you mean "x"?)` for a name one edit or a case
// change away from one of names.
func suggestName(name string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, name) || editDistance(n, name) <= 2 {
			return fmt.Sprintf(" (did you mean %q?)", n)
		}
	}
	return ""
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
