package source

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/pkg/data"
)

// Table is the configuration of the table source (data.source: table),
// a CSV/TSV file with a header of named columns of mixed types. Its keys
// sit in the data section itself (data.target, data.types, ...).
type Table struct {
	// Target is the column to predict: its name, or its 0-based index;
	// a regression may list several (data.target: [a, b]).
	Target Targets `mapstructure:"target" yaml:"target"`
	// Features lists the input columns (default: every other column);
	// Exclude leaves columns out.
	Features []string `mapstructure:"features" yaml:"features,omitempty"`
	Exclude  []string `mapstructure:"exclude" yaml:"exclude,omitempty"`
	// Types sets a column's type: numeric | categorical | binary | ignore
	// (default: inferred from the training split).
	Types map[string]string `mapstructure:"types" yaml:"types,omitempty"`
	// NAValues are the cells read as missing (empty: blank, NA, NaN,
	// null and ?).
	NAValues []string `mapstructure:"na_values" yaml:"na_values,omitempty"`
	// Impute says how missing cells are filled, fitted on the training
	// split.
	Impute Impute `mapstructure:"impute" yaml:"impute"`
	// MinCount is the fewest training rows a category needs for its own
	// one-hot input; rarer ones share <other>.
	MinCount int `mapstructure:"min_count" yaml:"min_count"`
	// Embed gives a categorical column a learned embedding of the width
	// given (data.embed: {zip: 8}) instead of one-hot inputs: one input
	// holding the category index, looked up in a table trained with the
	// network. EmbedAbove (0: off) does so for every other categorical
	// column with more than that many categories, with fastai's width
	// min(600, round(1.6·n^0.56)).
	Embed      map[string]int `mapstructure:"embed" yaml:"embed,omitempty"`
	EmbedAbove int            `mapstructure:"embed_above" yaml:"embed_above"`
	// Stratify keeps each class's share in the validation split.
	Stratify bool `mapstructure:"stratify" yaml:"stratify"`
	// Delimiter is "," ";" or "tab"; empty: detected from the header.
	Delimiter string `mapstructure:"delimiter" yaml:"delimiter"`
	// WeightColumn is a column of per-row sample weights (finite, ≥ 0):
	// not an input; it weighs the loss (and eval's figures).
	WeightColumn string `mapstructure:"weight_column" yaml:"weight_column,omitempty"`
}

// Targets is data.target: one column, or a list of them. A single name
// stays one name (a column may have a comma or a space in its name), and
// prints as a plain string.
type Targets []string

// First is the first target column ("" when none).
func (t Targets) First() string {
	if len(t) == 0 {
		return ""
	}
	return t[0]
}

// MarshalYAML prints one target as a string, several as a list.
func (t Targets) MarshalYAML() (any, error) {
	if len(t) == 1 {
		return t[0], nil
	}
	return []string(t), nil
}

// Impute is data.impute.
type Impute struct {
	Numeric     string            `mapstructure:"numeric" yaml:"numeric"`           // mean | median | constant | drop_row
	Categorical string            `mapstructure:"categorical" yaml:"categorical"`   // missing | mode | drop_row (also binary columns)
	Constant    float64           `mapstructure:"constant" yaml:"constant"`         // the fill of numeric "constant"
	Indicator   bool              `mapstructure:"indicator" yaml:"indicator"`       // add a 0/1 "was missing" input per numeric column with missing cells
	Columns     map[string]string `mapstructure:"columns" yaml:"columns,omitempty"` // a strategy per column
}

// table reads a table through pkg/data's ReadTable, FitSchema and
// Encode. Its fitted preprocessing is the data.Schema; its class names
// are the target's values.
type table struct{}

func (table) Name() string { return "table" }

func (table) ReadsKeys() []string {
	return []string{"data.train", "data.test", "data.header", "data.target", "data.features", "data.exclude", "data.types",
		"data.na_values", "data.impute", "data.min_count", "data.embed", "data.embed_above", "data.stratify", "data.delimiter", "data.weight_column", "data.positive"}
}

// splitStream is the random stream of the validation split: the one
// internal/train uses for the other sources' split.
const splitStream = 2

func (table) Check(c Config, bad Bad) {
	checkFiles(c, bad)
	t := c.Table
	if len(t.Target) == 0 || slices.Contains(t.Target, "") {
		bad("data.target", "must name the column to predict (or list the columns, data.target: [a, b])")
	}
	if t.WeightColumn != "" && slices.Contains(t.Target, t.WeightColumn) {
		bad("data.weight_column", "%q is the target column (data.target), it cannot weigh the rows", t.WeightColumn)
	}
	for _, k := range sortedKeys(t.Types) {
		if !slices.Contains(data.ColumnTypes, t.Types[k]) {
			bad("data.types."+k, "must be one of %s, got %q", strings.Join(data.ColumnTypes, ", "), t.Types[k])
		}
	}
	numeric := []string{"", data.ImputeMean, data.ImputeMedian, data.ImputeConstant, data.ImputeDropRow}
	categorical := []string{"", data.ImputeMissing, data.ImputeMode, data.ImputeDropRow}
	if !slices.Contains(numeric, t.Impute.Numeric) {
		bad("data.impute.numeric", "must be one of mean, median, constant, drop_row, got %q", t.Impute.Numeric)
	}
	if !slices.Contains(categorical, t.Impute.Categorical) {
		bad("data.impute.categorical", "must be one of missing, mode, drop_row, got %q", t.Impute.Categorical)
	}
	for _, k := range sortedKeys(t.Impute.Columns) {
		if v := t.Impute.Columns[k]; !slices.Contains(numeric, v) && !slices.Contains(categorical, v) || v == "" {
			bad("data.impute.columns."+k, "must be one of mean, median, constant, drop_row (numeric), missing, mode (categorical), got %q", v)
		}
	}
	if t.MinCount < 0 {
		bad("data.min_count", "must be ≥ 0, got %d", t.MinCount)
	}
	for _, k := range sortedKeys(t.Embed) {
		if d := t.Embed[k]; d < 1 || d > data.MaxEmbedDim {
			bad("data.embed."+k, "must be the embedding width, 1..%d, got %d", data.MaxEmbedDim, d)
		}
	}
	if t.EmbedAbove < 0 {
		bad("data.embed_above", "must be ≥ 0 (0: off), got %d", t.EmbedAbove)
	}
	if _, err := delimiter(t.Delimiter); err != nil {
		bad("data.delimiter", "%v", err)
	}
	if c.Normalize != "none" {
		bad("data.normalize", "must be none for data.source table (numeric columns are standardized per column by the table's schema, one-hot inputs stay 0/1), got %q", c.Normalize)
	}
}

// Defaults: a table's numeric columns are standardized by its schema,
// so data.normalize defaults to none.
func (table) Defaults(c *Config, set map[string]bool) {
	if !set["data.normalize"] {
		c.Normalize = "none"
	}
}

func delimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case ",", ";":
		return rune(s[0]), nil
	case "tab", "\t":
		return '\t', nil
	}
	return 0, fmt.Errorf(`must be ",", ";" or tab (empty: detected), got %q`, s)
}

// tableConfig turns the data section into pkg/data's TableConfig.
func tableConfig(c Config) data.TableConfig {
	t := c.Table
	d, _ := delimiter(t.Delimiter)
	var na []string
	if len(t.NAValues) > 0 {
		na = t.NAValues
	}
	return data.TableConfig{
		Train: c.Train, Test: c.Test,
		Read: data.TableOptions{Delimiter: d, NAValues: na, NoHeader: c.Header == "no"},
		Fit: data.FitOptions{
			Target: t.Target.First(), Targets: t.Target, Features: t.Features, Exclude: t.Exclude, Types: t.Types,
			NumericImpute: t.Impute.Numeric, CategoricalImpute: t.Impute.Categorical, Impute: t.Impute.Columns,
			Constant: t.Impute.Constant, Indicator: t.Impute.Indicator, MinCount: t.MinCount,
			Embed: t.Embed, EmbedAbove: t.EmbedAbove,
			WeightColumn: t.WeightColumn,
		},
		ValCount: c.ValCount, ValFraction: c.ValFraction, Stratify: t.Stratify, Fold: c.CV.Spec(),
		Positive: c.Positive,
	}
}

// Read fits the schema on the training rows (or reads with the stored
// one) and returns the encoded splits, the validation split included:
// it is carved before the fit, so that the fit never sees it.
func (table) Read(c Config, o Options) (*Splits, error) {
	tc := tableConfig(c)
	tc.TargetKind = o.Target
	tc.Float64 = o.Float64
	if len(o.Fitted) > 0 {
		s, err := decodeSchema(o.Fitted)
		if err != nil {
			return nil, err
		}
		tc.Schema = s
	}
	td, err := data.LoadTable(tc, rand.New(rand.NewPCG(o.Seed, splitStream)))
	if err != nil {
		return nil, err
	}
	fitted, err := EncodeFitted("table", td.Schema)
	if err != nil {
		return nil, err
	}
	notes := append(td.Schema.Describe(), td.Notes...)
	return &Splits{Train: td.Train, Val: td.Val, Test: td.Test, Fitted: fitted, Notes: notes}, nil
}

// decodeSchema reads the schema out of stored preprocessing (EncodeFitted).
func decodeSchema(stored json.RawMessage) (*data.Schema, error) {
	var f fittedJSON
	if err := json.Unmarshal(stored, &f); err != nil {
		return nil, fmt.Errorf("the stored preprocessing is not valid JSON: %v", err)
	}
	if f.Source != "table" {
		return nil, fmt.Errorf("the stored preprocessing is of source %s, the config's is table", f.Source)
	}
	return schemaOf(f.State)
}

// TableSchema decodes the table source's fitted state (the state of
// DecodeFitted when its name is "table"), validated.
func TableSchema(state json.RawMessage) (*data.Schema, error) { return schemaOf(state) }

func schemaOf(raw []byte) (*data.Schema, error) {
	s := &data.Schema{}
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, fmt.Errorf("the stored table schema is not valid JSON: %v", err)
	}
	w := 0
	for _, c := range s.Columns {
		w += c.Width
	}
	if err := s.Validate(w); err != nil {
		return nil, err
	}
	return s, nil
}

func (table) Known(Config) (int, int) { return 1, 2 }

// ReadsNumbers: a table's target columns may hold numbers (regression).
func (table) ReadsNumbers() bool { return true }

func (table) DescribeClasses(c Config, n int) string {
	return fmt.Sprintf("%d classes (the values of column %s)", n, c.Table.Target.First())
}

// ClassNames: the names live in the fitted schema (FittedClassNames);
// the config alone does not know them.
func (table) ClassNames(Config, int) []string { return nil }

// Describe reads the training file and fits the schema, for
// `nnfc train --print-config`.
func (t table) Describe(c Config, o Options) ([]string, error) {
	sp, err := t.Read(c, o)
	if err != nil {
		return nil, err
	}
	return sp.Notes, nil
}

// Refit decodes a stored schema into a reader of raw rows.
func (table) Refit(raw []byte) (FittedReader, error) {
	s, err := schemaOf(raw)
	if err != nil {
		return nil, err
	}
	return tableReader{s}, nil
}

// tableReader reads raw rows with a fitted schema (eval, predict).
type tableReader struct{ s *data.Schema }

// ReadFitted reads path with the schema. With labels, the target column
// is required and rows without a target are dropped; without, every row
// is kept and the target column is optional. Notes (columns the model
// does not use, unseen categories) go to notes.
func (r tableReader) ReadFitted(path string, labels, f64 bool, notes io.Writer) (*data.Dataset, error) {
	t, err := data.ReadTable(path, r.s.ReadOptions())
	if err != nil {
		return nil, err
	}
	ds, ns, err := r.s.EncodeTableAs(t, labels, f64)
	if err != nil {
		return nil, err
	}
	if notes != nil {
		for _, n := range ns {
			fmt.Fprintln(notes, "note:", n)
		}
	}
	return ds, nil
}

// ClassNames are the schema's classes.
func (r tableReader) ClassNames() []string { return r.s.Target.Classes }

// TargetScaling is the schema's number target (nils for a class target).
func (r tableReader) TargetScaling() (names []string, mean, std []float64) {
	if tg := r.s.Target; tg.Kind == data.TargetNumber {
		return tg.Names, tg.Mean, tg.Std
	}
	return nil, nil, nil
}

// OwnKeys lists the table keys of c that hold other than their default.
func (table) OwnKeys(c Config) []string {
	t := c.Table
	var keys []string
	add := func(key string, set bool) {
		if set {
			keys = append(keys, key)
		}
	}
	add("data.target", len(t.Target) > 0)
	add("data.features", len(t.Features) > 0)
	add("data.exclude", len(t.Exclude) > 0)
	add("data.types", len(t.Types) > 0)
	add("data.na_values", len(t.NAValues) > 0)
	add("data.impute.numeric", t.Impute.Numeric != "" && t.Impute.Numeric != data.ImputeMean)
	add("data.impute.categorical", t.Impute.Categorical != "" && t.Impute.Categorical != data.ImputeMissing)
	add("data.impute.constant", t.Impute.Constant != 0)
	add("data.impute.indicator", t.Impute.Indicator)
	add("data.impute.columns", len(t.Impute.Columns) > 0)
	add("data.min_count", t.MinCount > 1)
	add("data.embed", len(t.Embed) > 0)
	add("data.embed_above", t.EmbedAbove != 0)
	add("data.stratify", t.Stratify)
	add("data.delimiter", t.Delimiter != "")
	add("data.weight_column", t.WeightColumn != "")
	add("data.positive", c.Positive != "")
	return keys
}
