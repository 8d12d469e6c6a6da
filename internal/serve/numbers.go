package serve

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// scanMatrix reads a JSON array of numbers — flat ([1, 2, 3, 4]) or one
// array per row ([[1, 2], [3, 4]]) — into float32 rows of width d, as
// nnfc predict reads a CSV cell (strconv.ParseFloat, then float32). raw
// must be valid JSON (encoding/json has checked it when it handed raw
// over as a json.RawMessage); the scan is a hand-written loop because a
// 1,000-row MNIST request holds 784,000 numbers, which encoding/json
// decodes several times slower. maxRows caps the rows; where names the
// field in errors.
//
// It returns the values and the number of rows. A nested array must have
// exactly d numbers per row; a flat one a multiple of d.
func scanMatrix(raw []byte, d, maxRows int, where string, dst []float32) ([]float32, int, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, 0, fmt.Errorf("%s: expected an array of numbers, got %s", where, kindAt(raw, i))
	}
	i = skipSpace(raw, i+1)
	x := dst[:0]
	if i < len(raw) && raw[i] == '[' { // one array per row
		n := 0
		for {
			if n >= maxRows {
				return nil, 0, &rowsError{where: where, max: maxRows}
			}
			i = skipSpace(raw, i)
			if i >= len(raw) || raw[i] != '[' {
				return nil, 0, fmt.Errorf("%s[%d]: expected an array of %d numbers, got %s", where, n, d, kindAt(raw, i))
			}
			start := len(x)
			var err error
			x, i, err = scanNumbers(raw, i+1, x, d, fmt.Sprintf("%s[%d]", where, n))
			if errors.Is(err, errTooMany) {
				return nil, 0, fmt.Errorf("%s[%d]: has more than %d numbers, the model takes %d per row", where, n, d, d)
			}
			if err != nil {
				return nil, 0, err
			}
			if got := len(x) - start; got != d {
				return nil, 0, fmt.Errorf("%s[%d]: has %d numbers, the model takes %d per row", where, n, got, d)
			}
			n++
			i = skipSpace(raw, i)
			if i < len(raw) && raw[i] == ',' {
				i++
				continue
			}
			if i < len(raw) && raw[i] == ']' {
				return x, n, nil
			}
			return nil, 0, fmt.Errorf("%s: malformed array", where)
		}
	}
	x, _, err := scanNumbers(raw, i, x, maxRows*d, where)
	if errors.Is(err, errTooMany) {
		return nil, 0, &rowsError{where: where, max: maxRows}
	}
	if err != nil {
		return nil, 0, err
	}
	if len(x) == 0 || len(x)%d != 0 {
		return nil, 0, fmt.Errorf("%s: has %d numbers, not a whole number of rows of %d", where, len(x), d)
	}
	return x, len(x) / d, nil
}

var errTooMany = errors.New("too many")

// rowsError is a request over the rows limit (413).
type rowsError struct {
	where string
	max   int
}

func (e *rowsError) Error() string {
	return fmt.Sprintf("%s: more than %d rows (the server's --max-rows)", e.where, e.max)
}

// scanNumbers reads numbers separated by commas up to the closing ']' (i
// is just after the '['), appending at most limit of them to x; it returns
// the index after the ']'.
func scanNumbers(raw []byte, i int, x []float32, limit int, where string) ([]float32, int, error) {
	start := len(x)
	i = skipSpace(raw, i)
	if i < len(raw) && raw[i] == ']' {
		return x, i + 1, nil
	}
	for {
		i = skipSpace(raw, i)
		k := len(x) - start
		j := i
		for j < len(raw) && (raw[j] >= '0' && raw[j] <= '9' || raw[j] == '-' || raw[j] == '+' || raw[j] == '.' || raw[j] == 'e' || raw[j] == 'E') {
			j++
		}
		if j == i {
			return nil, 0, fmt.Errorf("%s[%d]: expected a number, got %s", where, k, kindAt(raw, i))
		}
		if c, e := raw[i], raw[j-1]; !(c == '-' || c >= '0' && c <= '9') || !(e >= '0' && e <= '9') {
			return nil, 0, fmt.Errorf("%s[%d]: %q is not a JSON number", where, k, raw[i:j])
		}
		if k >= limit {
			return nil, 0, fmt.Errorf("%s: more than %d numbers: %w", where, limit, errTooMany)
		}
		v, err := strconv.ParseFloat(string(raw[i:j]), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, 0, fmt.Errorf("%s[%d]: %q is not a number", where, k, raw[i:j])
		}
		v32 := float32(v)
		if math.IsInf(float64(v32), 0) || math.IsNaN(v) {
			return nil, 0, fmt.Errorf("%s[%d]: %s is not a finite FP32 number", where, k, raw[i:j])
		}
		x = append(x, v32)
		i = skipSpace(raw, j)
		if i < len(raw) && raw[i] == ',' {
			i++
			continue
		}
		if i < len(raw) && raw[i] == ']' {
			return x, i + 1, nil
		}
		return nil, 0, fmt.Errorf("%s[%d]: expected ',' or ']' after a number, got %s", where, k, kindAt(raw, i))
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// kindAt names the JSON value starting at raw[i], for errors.
func kindAt(raw []byte, i int) string {
	if i >= len(raw) {
		return "the end of the input"
	}
	switch c := raw[i]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return fmt.Sprintf("%q", c)
	}
}
