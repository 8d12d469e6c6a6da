package data

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/pkg/limits"
)

// CSVOptions says how to read a CSV file. The zero value reads the label
// from the first column, detects a header row, and infers the classes.
type CSVOptions struct {
	// LabelColumn is the 0-based column holding the label; -1 is the last
	// column; NoLabel reads every column as a feature (inputs to predict),
	// with every label 0.
	LabelColumn int
	// Header is "auto" (or ""): the first row is a header when one of its
	// fields is not a number; "yes": the first row is a header; "no": every
	// row is data.
	Header string
	// Classes is the number of classes; labels must be below it. 0 means
	// the largest label plus one.
	Classes int
	// Float64 keeps the features as parsed, in Dataset.X64, beside their
	// float32 roundings in X: for float64 training.
	Float64 bool
}

// NoLabel is the CSVOptions.LabelColumn of a file of features only.
const NoLabel = -2

// ReadCSV reads a comma-separated file whose rows are one label column and
// D numeric feature columns, in their file order without the label. Labels
// must be non-negative integers ("3" or "3.0"); features must parse as
// finite float32 numbers. Surrounding spaces are ignored. Every error names
// the file and line, e.g. "data/x.csv:12: row has 5 columns, expected 785".
func ReadCSV(path string, opt CSVOptions) (*Dataset, error) {
	header := opt.Header
	switch header {
	case "":
		header = "auto"
	case "auto", "yes", "no":
	default:
		return nil, fmt.Errorf("%s: CSV header option %q, expected \"auto\", \"yes\" or \"no\"", path, opt.Header)
	}
	if opt.LabelColumn < NoLabel {
		return nil, fmt.Errorf("%s: label column %d, expected -1 (last) or a 0-based column index", path, opt.LabelColumn)
	}
	if opt.Classes < 0 {
		return nil, fmt.Errorf("%s: classes %d, expected >= 0 (0 = infer from the labels)", path, opt.Classes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A value takes at least 2 bytes of text ("0,") and becomes a 4-byte
	// float32 in a slice that grows by doubling.
	if st, err := f.Stat(); err == nil {
		perValue := 4.0 // float32 bytes per 2 bytes of text, doubled by append
		if opt.Float64 {
			perValue = 12 // and the float64 copy
		}
		if err := limits.Check(path, perValue*float64(st.Size())); err != nil {
			return nil, err
		}
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.FieldsPerRecord = -1 // row lengths are checked below, with a clearer message
	r.ReuseRecord = true
	r.TrimLeadingSpace = true

	ds := &Dataset{Name: path, Classes: opt.Classes}
	width, labelCol, ymax, maxLine := -1, -1, int64(-1), 0
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: column %d: %v", path, pe.Line, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		line, _ := r.FieldPos(0)
		if first {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // UTF-8 byte order mark
		}
		if width < 0 {
			width = len(rec)
			if opt.LabelColumn == NoLabel {
				labelCol, ds.D = NoLabel, width
			} else if width < 2 {
				return nil, fmt.Errorf("%s:%d: row has %d column, expected a label column and at least one feature", path, line, width)
			}
			if opt.LabelColumn != NoLabel {
				labelCol = opt.LabelColumn
				if labelCol == -1 {
					labelCol = width - 1
				}
				if labelCol >= width {
					return nil, fmt.Errorf("%s:%d: label column %d (0-based) out of range for %d columns", path, line, labelCol, width)
				}
				ds.D = width - 1
			}
		}
		if first {
			first = false
			if header == "yes" || header == "auto" && !allNumeric(rec) {
				continue
			}
		}
		if len(rec) != width {
			return nil, fmt.Errorf("%s:%d: row has %d columns, expected %d", path, line, len(rec), width)
		}
		for j, field := range rec {
			field = strings.TrimSpace(field)
			if j == labelCol {
				y, ok := parseLabel(field)
				if !ok {
					return nil, fmt.Errorf("%s:%d: label %q in column %d is not a non-negative integer (data.label_column chooses the label column, -1 the last; a table with named columns, strings or class names reads with data.source: table and data.target)", path, line, field, j+1)
				}
				if opt.Classes > 0 && y >= int64(opt.Classes) {
					return nil, fmt.Errorf("%s:%d: label %d out of range, expected 0..%d", path, line, y, opt.Classes-1)
				}
				if y > ymax {
					ymax, maxLine = y, line
				}
				ds.Y = append(ds.Y, int32(y))
				continue
			}
			v, err := strconv.ParseFloat(field, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("%s:%d: column %d: %q is not a number", path, line, j+1, field)
			}
			if v32 := float32(v); err != nil || math.IsNaN(v) || math.IsInf(float64(v32), 0) {
				return nil, fmt.Errorf("%s:%d: column %d: %q is not a finite float32 number", path, line, j+1, field)
			}
			ds.X = append(ds.X, float32(v))
			if opt.Float64 {
				ds.X64 = append(ds.X64, v)
			}
		}
		if labelCol == NoLabel {
			ds.Y = append(ds.Y, 0)
		}
		ds.N++
	}
	if ds.N == 0 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	if opt.Classes == 0 {
		ds.Classes = max(int(ymax)+1, 1) // every label of NoLabel data is 0
		if labelCol != NoLabel {
			if at, distinct := sparseLabels(ds.Y); at >= 0 {
				return nil, sparseError(fmt.Sprintf("%s:%d", path, maxLine), int32(ymax), distinct)
			}
		}
	}
	return ds, nil
}

// allNumeric reports whether every field parses as a number.
func allNumeric(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

// parseLabel accepts a non-negative integer that fits an int32, written as
// an integer or as a float with no fractional part ("3.0").
func parseLabel(s string) (int64, bool) {
	if y, err := strconv.ParseInt(s, 10, 32); err == nil {
		return y, y >= 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
		return 0, false
	}
	return int64(v), true
}
