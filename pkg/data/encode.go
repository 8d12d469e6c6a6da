package data

import (
	"fmt"
	"math"
	"strings"
)

// Bind matches the schema's columns to t's by name. A column the schema
// uses (ignored ones aside) that t lacks is an error naming it; t's other
// columns are left alone, and notes lists them (the target, when t has
// it, is not listed).
func (s *Schema) Bind(t *Table) (cols []*TableColumn, notes []string, err error) {
	used := map[string]bool{}
	for _, n := range s.Target.columns() {
		used[n] = true
	}
	cols = make([]*TableColumn, len(s.Columns))
	for i, c := range s.Columns {
		used[c.Name] = true
		if c.Type == TypeIgnore {
			continue
		}
		if cols[i] = t.Column(c.Name); cols[i] == nil {
			return nil, nil, fmt.Errorf("%s: no column %q, which the model takes as a %s input%s (its columns are %s)", t.Path, c.Name, c.Type, suggestName(c.Name, t.Names()), quoteNames(t.Names()))
		}
	}
	var extra []string
	for _, n := range t.Names() {
		if !used[n] {
			extra = append(extra, n)
		}
	}
	if len(extra) > 0 {
		notes = append(notes, fmt.Sprintf("%s: column(s) %s not used by the model: ignored", t.Path, strings.Join(extra, ", ")))
	}
	return cols, notes, nil
}

// Encode writes the inputs of rows (indices into t) into x, row-major,
// Width() float32s per row; cols is Bind's result. notes counts what
// the rows held that training did not see (unseen categories, missing
// cells of drop_row columns, which are filled). A numeric input whose
// cell is not a number, or whose standardized value leaves float32's
// range, is an error naming the file line and the column.
//
// Rows are encoded in blocks of encodeBlock, every column of a block
// before the next block, so that the block's part of x stays in cache
// (column by column over the whole matrix ran 20 passes over it).
func (s *Schema) Encode(t *Table, cols []*TableColumn, rows []int, x []float32) (notes []string, err error) {
	return s.encode(t, cols, rows, x, nil)
}

// encode is Encode, writing the same inputs in float64 into x64 too when
// it is not nil: a numeric input there is (v − Mean)/Std computed and
// kept in float64, not its float32 rounding (a float64 run's
// Dataset.X64).
func (s *Schema) encode(t *Table, cols []*TableColumn, rows []int, x []float32, x64 []float64) (notes []string, err error) {
	W := s.Width()
	if len(x) != len(rows)*W || len(cols) != len(s.Columns) || x64 != nil && len(x64) != len(x) {
		panic(fmt.Sprintf("data: Schema.Encode: %d rows of %d inputs need len(x)=%d and %d columns, got %d and %d", len(rows), W, len(rows)*W, len(s.Columns), len(x), len(cols)))
	}
	var encs []*colEncoder
	for ci := range s.Columns {
		if s.Columns[ci].Type != TypeIgnore {
			encs = append(encs, newColEncoder(t, &s.Columns[ci], cols[ci]))
		}
	}
	const encodeBlock = 256
	for b := 0; b < len(rows); b += encodeBlock {
		e := min(b+encodeBlock, len(rows))
		var x64b []float64
		if x64 != nil {
			x64b = x64[b*W : e*W]
		}
		for _, enc := range encs {
			if err := enc.encode(rows[b:e], x[b*W:e*W], x64b, W); err != nil {
				return nil, err
			}
		}
	}
	for _, enc := range encs {
		c := enc.c
		if enc.unseen > 0 {
			what := "unseen in training, encoded as " + CatOther
			if c.Type == TypeBinary {
				what = fmt.Sprintf("neither %q nor %q, encoded as missing", c.Categories[0], c.Categories[1])
			}
			notes = append(notes, fmt.Sprintf("%s: %d cell(s) of column %s %s", t.Path, enc.unseen, c.Name, what))
		}
		if c.Impute == ImputeDropRow {
			if m := countMissing(enc.tc, rows); m > 0 {
				notes = append(notes, fmt.Sprintf("%s: %d missing cell(s) of column %s (drop_row in training) filled with %s", t.Path, m, c.Name, c.fillText()))
			}
		}
	}
	return notes, nil
}

func countMissing(tc *TableColumn, rows []int) int {
	n := 0
	for _, i := range rows {
		if tc.Missing(i) {
			n++
		}
	}
	return n
}

func (c *Column) fillText() string {
	if c.Type == TypeCategorical {
		return c.Categories[int(c.Fill)]
	}
	return fmt.Sprintf("%.6g", c.Fill)
}

// colEncoder encodes one column of a table with its fitted Column.
type colEncoder struct {
	t      *Table
	c      *Column
	tc     *TableColumn
	num    []float64 // numeric, string cells: each dictionary entry as a number (NaN: not one)
	slots  []int     // categorical, string cells: each dictionary entry's slot
	other  int       // the <other> slot
	miss   int       // the slot of a missing cell
	index  map[string]int
	unseen int // cells not in Categories so far
}

// Slot codes of encodeCategorical besides real slots.
const (
	slotUnseen = -1
	slotAbsent = -2
)

func newColEncoder(t *Table, c *Column, tc *TableColumn) *colEncoder {
	e := &colEncoder{t: t, c: c, tc: tc, other: -1, miss: int(c.Fill)}
	if c.Type == TypeNumeric {
		if !tc.IsNumeric() {
			e.num = make([]float64, len(tc.Dict))
			for k, s := range tc.Dict {
				v, ok := parseFinite(s)
				if !ok {
					v = math.NaN()
				}
				e.num[k] = v
			}
		}
		return e
	}
	e.index = make(map[string]int, len(c.Categories))
	for k, s := range c.Categories {
		switch s {
		case CatOther:
			e.other = k
		case CatMissing:
			e.miss = k
		default:
			e.index[s] = k
		}
	}
	if !tc.IsNumeric() {
		e.slots = make([]int, len(tc.Dict))
		for code, s := range tc.Dict {
			e.slots[code] = e.slot(s)
		}
	}
	return e
}

func (e *colEncoder) encode(rows []int, x []float32, x64 []float64, W int) error {
	if e.c.Type == TypeNumeric {
		return e.encodeNumeric(rows, x, x64, W)
	}
	e.encodeCategorical(rows, x, W)
	if x64 != nil { // 0, 1 and small indices: exact in float32
		for k := range rows {
			for j := k*W + e.c.Offset; j < k*W+e.c.Offset+e.c.Width; j++ {
				x64[j] = float64(x[j])
			}
		}
	}
	return nil
}

// encodeNumeric writes (v - Mean)/Std, v = Fill where missing, and the
// indicator; into x64 too when it is not nil.
func (e *colEncoder) encodeNumeric(rows []int, x []float32, x64 []float64, W int) error {
	c, tc := e.c, e.tc
	inv := 1 / c.Std
	off := c.Offset
	for k, i := range rows {
		var v float64
		missing := false
		if e.num == nil {
			v = tc.Num[i]
			missing = math.IsNaN(v)
		} else if code := tc.Codes[i]; code < 0 {
			missing = true
		} else if v = e.num[code]; math.IsNaN(v) {
			return fmt.Errorf("%s:%d: column %s: %q is not a number (the model takes %s as numeric)", e.t.Path, e.t.Line(i), c.Name, tc.Dict[code], c.Name)
		}
		if missing {
			v = c.Fill
		}
		z64 := (v - c.Mean) * inv
		z := float32(z64)
		if math.IsInf(float64(z), 0) {
			return fmt.Errorf("%s:%d: column %s: %g standardizes to %g, beyond float32's range", e.t.Path, e.t.Line(i), c.Name, v, (v-c.Mean)*inv)
		}
		x[k*W+off] = z
		if x64 != nil {
			x64[k*W+off] = z64
		}
		if c.Indicator {
			ind := float32(0)
			if missing {
				ind = 1
			}
			x[k*W+off+1] = ind
			if x64 != nil {
				x64[k*W+off+1] = float64(ind)
			}
		}
	}
	return nil
}

// encodeCategorical writes a one-hot block, or the 0/1 input of a binary
// column, counting the unseen values.
func (e *colEncoder) encodeCategorical(rows []int, x []float32, W int) {
	c, tc := e.c, e.tc
	binary := c.Type == TypeBinary
	off := c.Offset
	for k, i := range rows {
		s := slotAbsent
		if e.slots != nil {
			if code := tc.Codes[i]; code >= 0 {
				s = e.slots[code]
			}
		} else if v := tc.Num[i]; !math.IsNaN(v) {
			s = e.slot(canonNumber(v))
		}
		if s == slotUnseen {
			e.unseen++
		}
		if binary {
			v := float32(c.Fill)
			if s >= 0 {
				v = float32(s)
			}
			x[k*W+off] = v
			continue
		}
		switch s {
		case slotUnseen:
			s = e.other
		case slotAbsent:
			s = e.miss
		}
		if c.Encoding == EncodingEmbed {
			x[k*W+off] = float32(s)
			continue
		}
		row := x[k*W+off : k*W+off+c.Width]
		clear(row)
		row[s] = 1
	}
}

// slot is the index of value v in Categories, or slotUnseen. The map is
// the encoder's own, so that one Schema serves concurrent encodes.
func (e *colEncoder) slot(v string) int {
	if k, ok := e.index[v]; ok {
		return k
	}
	return slotUnseen
}

// Describe is the schema as lines for a terminal: the target with its
// classes, then one line per input column (type, missing cells in the
// training split, range or categories, imputation).
func (s *Schema) Describe() []string {
	var lines []string
	drop := ""
	if s.DroppedTarget > 0 {
		drop = fmt.Sprintf("; %d row(s) without a target dropped", s.DroppedTarget)
	}
	lines = append(lines, s.Target.describe(drop))
	wName := 0
	for _, c := range s.Columns {
		wName = max(wName, len(c.Name))
	}
	for _, c := range s.Columns {
		how := "set"
		if c.Inferred {
			how = "inferred"
		}
		var detail string
		switch c.Type {
		case TypeNumeric:
			detail = fmt.Sprintf("range %.4g..%.4g, mean %.4g, std %.4g; standardized", c.Min, c.Max, c.Mean, c.Std)
		case TypeBinary:
			detail = fmt.Sprintf("%q=0, %q=1", c.Categories[0], c.Categories[1])
			if c.Missing > 0 && c.Impute == ImputeMissing {
				detail += fmt.Sprintf(", missing=%.3g (the training share of %q)", c.Fill, c.Categories[1])
			}
		case TypeCategorical:
			cats := c.Categories
			if len(cats) > 8 {
				cats = append(append([]string{}, cats[:6]...), fmt.Sprintf("... %d more", len(cats)-7), cats[len(cats)-1])
			}
			detail = fmt.Sprintf("one-hot %d: %s", c.Width, strings.Join(cats, ", "))
			if c.Encoding == EncodingEmbed {
				detail = fmt.Sprintf("embedding %d×%d: %s", len(c.Categories), c.EmbedDim, strings.Join(cats, ", "))
			}
		case TypeIgnore:
			detail = "not an input: " + c.Note
		}
		miss := fmt.Sprintf("%d missing", c.Missing)
		if c.Missing > 0 && c.Type != TypeIgnore {
			miss += " → " + c.Impute
			if c.Impute != ImputeDropRow && c.Impute != ImputeMissing {
				miss += " " + c.fillText()
			}
			if c.Indicator {
				miss += " + indicator"
			}
		}
		lines = append(lines, fmt.Sprintf("  %-*s  %-11s %-8s  %-22s %s", wName, c.Name, c.Type, how, miss, detail))
	}
	return lines
}

// ClassCounts counts the labels y[i] of rows by class.
func ClassCounts(y []int32, rows []int, classes int) []int {
	n := make([]int, classes)
	for _, i := range rows {
		n[y[i]]++
	}
	return n
}
