package data

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/nnfc/nnfc/pkg/limits"
)

// DefaultNAValues are the cells a table reads as missing unless
// TableOptions.NAValues says otherwise: blank, NA, NaN, null and ?.
var DefaultNAValues = []string{"", "NA", "NaN", "null", "?"}

// TableOptions says how to read a table (ReadTable).
type TableOptions struct {
	// Delimiter is ',', ';' or '\t'; 0 detects it from the header line:
	// the one of the three that occurs most often outside quotes (',' on
	// a tie or when none occurs).
	Delimiter rune
	// NAValues are the cells read as missing, compared after trimming
	// surrounding spaces; nil means DefaultNAValues.
	NAValues []string
	// NoHeader reads every row as data and names the columns col1, col2,
	// ...; by default the first row names the columns.
	NoHeader bool
}

// Table is a delimited text file read into columns, before any column is
// given a type: the raw cells of a table data source, from which a Schema
// is fitted (FitSchema) and inputs are encoded (Schema.Encode).
//
// A column holds numbers while every cell read so far parses as a finite
// number (Num, NaN for a missing cell); at its first other cell it turns
// into strings (Codes into Dict, -1 for a missing cell). A number in a
// string column is kept in its shortest form, strconv.FormatFloat(v, 'g',
// -1, 64) ("1.50" becomes "1.5"), so that a file and the numbers it held
// before the switch agree; Schema.Encode applies the same rule.
type Table struct {
	Path      string
	Delimiter rune
	Columns   []*TableColumn
	N         int // data rows
	// FirstLine is the file line of each data row (1-based; the header is
	// line 1), for messages about a row.
	FirstLine []int32
}

// TableColumn is one column of a Table.
type TableColumn struct {
	Name  string
	Num   []float64 // while numeric: one value per row, NaN where missing
	Codes []int32   // once strings: one code into Dict per row, -1 where missing
	Dict  []string  // distinct strings in order of first appearance
	index map[string]int32
}

// IsNumeric reports whether every present cell of the column parsed as a
// finite number.
func (c *TableColumn) IsNumeric() bool { return c.Codes == nil && c.index == nil }

// Missing reports whether row i's cell is missing.
func (c *TableColumn) Missing(i int) bool {
	if c.IsNumeric() {
		return math.IsNaN(c.Num[i])
	}
	return c.Codes[i] < 0
}

// String returns row i's cell as text ("" when missing): the string, or
// the number in its shortest form.
func (c *TableColumn) String(i int) string {
	if c.IsNumeric() {
		if math.IsNaN(c.Num[i]) {
			return ""
		}
		return canonNumber(c.Num[i])
	}
	if c.Codes[i] < 0 {
		return ""
	}
	return c.Dict[c.Codes[i]]
}

// Column returns the column named name, or nil.
func (t *Table) Column(name string) *TableColumn {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Names lists the column names in file order.
func (t *Table) Names() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// Line returns the file line of data row i, for messages.
func (t *Table) Line(i int) int { return int(t.FirstLine[i]) }

// maxTableLine is the longest physical line a table may have: a real
// table's rows are far shorter, and a file that is one 2 GB line must be
// refused before encoding/csv buffers all of it. The memory limit of
// package limits lowers it further.
const maxTableLine = 64 << 20

// ReadTable reads a delimited text file (RFC 4180: a quoted field may hold
// delimiters, doubled quotes and newlines) with a header row of column
// names. Every error is one line naming the file and, where there is one,
// the line and column: a ragged row, a stray quote, a file with a header
// and no rows, a line longer than 64 MiB.
func ReadTable(path string, opt TableOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A numeric cell takes at least 2 bytes of text ("0,") and becomes
	// an 8-byte float64 in a slice that grows as it is read.
	if st, err := f.Stat(); err == nil {
		if err := limits.Check(path, 5*float64(st.Size())); err != nil {
			return nil, err
		}
		return readTable(f, path, opt, st.Size())
	}
	return readTable(f, path, opt, 0)
}

// ReadTableFrom is ReadTable on a stream; name stands for the file in
// messages.
func ReadTableFrom(r io.Reader, name string, opt TableOptions) (*Table, error) {
	return readTable(r, name, opt, 0)
}

// readTable is ReadTableFrom; size, when known, is the stream's length in
// bytes, from which the row count is estimated so that the columns are
// allocated once instead of grown (faster, and no garbage of the size of
// the table).
func readTable(r io.Reader, name string, opt TableOptions, size int64) (*Table, error) {
	lim, _ := limits.Limit()
	guard := &lineGuard{r: r, max: min(maxTableLine, lim/4)}
	br := bufio.NewReaderSize(guard, 1<<16)
	delim := opt.Delimiter
	if delim == 0 {
		head, _ := br.Peek(1 << 16)
		delim = detectDelimiter(head)
	}
	est := 0
	if head, _ := br.Peek(1 << 16); size > 0 && len(head) > 0 {
		// Rows after the header line in the first 64 KiB, scaled to the
		// file, plus 5%: too few only costs one growth of the slices.
		if nl := bytes.Count(head, []byte{'\n'}); nl > 1 {
			first := bytes.IndexByte(head, '\n') + 1
			perRow := float64(bytes.LastIndexByte(head, '\n')+1-first) / float64(nl-1)
			est = int(min(1.05*float64(size)/perRow+16, float64(1<<31-1)))
		}
	}
	if delim != ',' && delim != ';' && delim != '\t' {
		return nil, fmt.Errorf("%s: delimiter %q, expected ',', ';' or a tab", name, delim)
	}
	na := opt.NAValues
	if na == nil {
		na = DefaultNAValues
	}
	isNA := naSet(na)
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // checked below, with the header's names
	cr.ReuseRecord = true
	t := &Table{Path: name, Delimiter: delim}
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				return nil, fmt.Errorf("%s:%d: a line longer than %s: not a table (or a quote that is never closed)", name, guard.line, limits.Format(float64(guard.max)))
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if pe.StartLine != pe.Line {
					return nil, fmt.Errorf("%s:%d: %v: a quote opened in the row that starts here is not closed by line %d", name, pe.StartLine, pe.Err, pe.Line)
				}
				return nil, fmt.Errorf("%s:%d: byte %d of the line: %v (RFC 4180: a field with quotes is wholly quoted, a quote inside it doubled)", name, pe.Line, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // UTF-8 byte order mark
			if err := t.setHeader(rec, opt.NoHeader); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, line, err)
			}
			for _, c := range t.Columns {
				c.Num = make([]float64, 0, est)
			}
			t.FirstLine = make([]int32, 0, est)
			if !opt.NoHeader {
				continue
			}
		}
		if len(rec) != len(t.Columns) {
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue // a blank line
			}
			return nil, fmt.Errorf("%s:%d: row has %d fields, the header has %d (%s)", name, line, len(rec), len(t.Columns), headerHint(t))
		}
		for j, field := range rec {
			t.Columns[j].add(field, isNA, t.N)
		}
		t.FirstLine = append(t.FirstLine, int32(min(line, math.MaxInt32)))
		t.N++
	}
	if first {
		return nil, fmt.Errorf("%s: empty file, expected a header row and data rows", name)
	}
	if t.N == 0 {
		return nil, fmt.Errorf("%s: a header and no data rows", name)
	}
	return t, nil
}

// headerHint shortens the header for a ragged-row message.
func headerHint(t *Table) string {
	s := strings.Join(t.Names(), ",")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// setHeader names the columns from the first row (or col1.. with noHeader).
func (t *Table) setHeader(rec []string, noHeader bool) error {
	seen := map[string]int{}
	for j, f := range rec {
		name := strings.TrimSpace(f)
		if noHeader || name == "" {
			name = "col" + strconv.Itoa(j+1)
		}
		// A name goes into config keys and one-line messages: a quoted
		// header field holding a line break (or another control
		// character) cannot be either.
		if strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) >= 0 {
			return fmt.Errorf("column %d is named %q, which holds a line break or another control character; expected a one-line column name", j+1, name)
		}
		if k, dup := seen[name]; dup {
			return fmt.Errorf("columns %d and %d are both named %q, expected distinct column names", k+1, j+1, name)
		}
		seen[name] = j
		t.Columns = append(t.Columns, &TableColumn{Name: name})
	}
	return nil
}

// padByte reports whether a cell starting or ending with b may have
// white space to trim: ASCII white space, or the first byte of a
// multi-byte rune (strings.TrimSpace also trims U+0085 and U+00A0). Every
// cell is trimmed the same way, whichever white space surrounds it (a
// cell of tabs once kept them: only a space at either end triggered the
// trim).
func padByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f' || b >= 0x80
}

// add appends one cell (trimmed of surrounding white space); n is the
// number of rows already in the column.
func (c *TableColumn) add(field string, isNA func(string) bool, n int) {
	if len(field) > 0 && (padByte(field[0]) || padByte(field[len(field)-1])) {
		field = strings.TrimSpace(field)
	}
	if isNA(field) {
		if c.IsNumeric() {
			c.Num = append(c.Num, math.NaN())
		} else {
			c.Codes = append(c.Codes, -1)
		}
		return
	}
	if c.IsNumeric() {
		if v, ok := parseFinite(field); ok {
			c.Num = append(c.Num, v)
			return
		}
		c.toStrings(n)
	}
	if v, ok := parseFinite(field); ok {
		field = canonNumber(v)
	}
	code, ok := c.index[field]
	if !ok {
		code = int32(len(c.Dict))
		field = strings.Clone(field) // the record's line buffer is reused
		c.Dict = append(c.Dict, field)
		c.index[field] = code
	}
	c.Codes = append(c.Codes, code)
}

// toStrings turns a numeric column into strings: each number so far
// becomes its shortest form.
func (c *TableColumn) toStrings(n int) {
	c.index = map[string]int32{}
	c.Codes = make([]int32, n, max(n+1, cap(c.Num)))
	for i, v := range c.Num[:n] {
		if math.IsNaN(v) {
			c.Codes[i] = -1
			continue
		}
		s := canonNumber(v)
		code, ok := c.index[s]
		if !ok {
			code = int32(len(c.Dict))
			c.Dict = append(c.Dict, s)
			c.index[s] = code
		}
		c.Codes[i] = code
	}
	c.Num = nil
}

// parseFinite parses a finite number (float64; float32 range is checked
// by the encoder).
func parseFinite(s string) (float64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	if b := s[0]; !(b >= '0' && b <= '9' || b == '-' || b == '+' || b == '.') {
		return 0, false // "Adelie", "Inf", "NaN": not a finite number
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// canonNumber is the shortest text of v, the form a number takes as a
// category.
func canonNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// naSet returns a membership test for the missing-value strings. Cells
// whose first byte starts no NA string skip the map.
func naSet(na []string) func(string) bool {
	set := make(map[string]bool, len(na))
	var firsts [256]bool
	blank := false
	for _, s := range na {
		s = strings.TrimSpace(s)
		set[s] = true
		if s == "" {
			blank = true
		} else {
			firsts[s[0]] = true
		}
	}
	return func(f string) bool {
		if f == "" {
			return blank
		}
		return firsts[f[0]] && set[f]
	}
}

// detectDelimiter picks ',', ';' or tab from the first line of head: the
// most frequent outside double quotes, ',' on a tie or none.
func detectDelimiter(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	var n [3]int
	quoted := false
	for _, b := range head {
		switch b {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				n[0]++
			}
		case ';':
			if !quoted {
				n[1]++
			}
		case '\t':
			if !quoted {
				n[2]++
			}
		}
	}
	switch {
	case n[1] > n[0] && n[1] >= n[2]:
		return ';'
	case n[2] > n[0] && n[2] > n[1]:
		return '\t'
	}
	return ','
}

// errLineTooLong is lineGuard's error.
var errLineTooLong = errors.New("line too long")

// lineGuard fails a read once a physical line grows beyond max bytes, so
// that a file without line breaks is refused before encoding/csv buffers
// it whole. line counts the line breaks seen (the 1-based number of the
// line being read).
type lineGuard struct {
	r    io.Reader
	max  int64
	cur  int64
	line int
}

func (g *lineGuard) Read(p []byte) (int, error) {
	if g.line == 0 {
		g.line = 1
	}
	n, err := g.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			g.cur += int64(len(b))
			break
		}
		g.cur += int64(i)
		if g.cur > g.max {
			break
		}
		g.cur = 0
		g.line++
		b = b[i+1:]
	}
	if g.cur > g.max {
		return 0, errLineTooLong
	}
	return n, err
}
