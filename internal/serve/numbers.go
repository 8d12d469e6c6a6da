package serve

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unsafe"
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
			x, i, err = scanNumbers(raw, i+1, x, d, where, n)
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
	x, _, err := scanNumbers(raw, i, x, maxRows*d, where, -1)
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
// the index after the ']'. Errors name the field where, or its row-th
// row when row ≥ 0 (put together only for an error: a 1,000-row request
// would otherwise format 1,000 names).
func scanNumbers(raw []byte, i int, x []float32, limit int, field string, row int) ([]float32, int, error) {
	start := len(x)
	name := func() string {
		if row < 0 {
			return field
		}
		return field + "[" + strconv.Itoa(row) + "]"
	}
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
			return nil, 0, fmt.Errorf("%s[%d]: expected a number, got %s", name(), k, kindAt(raw, i))
		}
		if c, e := raw[i], raw[j-1]; !(c == '-' || c >= '0' && c <= '9') || !(e >= '0' && e <= '9') {
			return nil, 0, fmt.Errorf("%s[%d]: %q is not a JSON number", name(), k, raw[i:j])
		}
		if k >= limit {
			return nil, 0, fmt.Errorf("%s: more than %d numbers: %w", name(), limit, errTooMany)
		}
		v, err := parseNumber(raw[i:j])
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, 0, fmt.Errorf("%s[%d]: %q is not a number", name(), k, raw[i:j])
		}
		v32 := float32(v)
		if math.IsInf(float64(v32), 0) || math.IsNaN(v) {
			return nil, 0, fmt.Errorf("%s[%d]: %s is not a finite FP32 number", name(), k, raw[i:j])
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
		return nil, 0, fmt.Errorf("%s[%d]: expected ',' or ']' after a number, got %s", name(), k, kindAt(raw, i))
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

// littleEndian reports whether this host stores numbers as the binary
// tensor data extension sends them (little-endian): then an FP32 tensor
// is used in place, without a copy.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// float32View returns the little-endian FP32 values of b: b's own bytes
// on a little-endian host when b is 4-byte aligned (readBody aligns a
// request's binary part), else a converted copy.
func float32View(b []byte) []float32 {
	n := len(b) / 4
	if n == 0 {
		return []float32{}
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x
}

// float32sOf64 converts the little-endian FP64 values of b to float32
// (as nnfc predict rounds what it reads), in b's own memory when b is
// 4-byte aligned: value i is read before its float32 is written over
// bytes 4i..4i+3, which only overlap values already read.
func float32sOf64(b []byte) []float32 {
	n := len(b) / 8
	if n == 0 {
		return []float32{}
	}
	var x []float32
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		x = unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
	} else {
		x = make([]float32, n)
	}
	for i := range x {
		x[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
	}
	return x
}

// pow10 are the powers of ten float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber is strconv.ParseFloat(string(b), 64), the same float64,
// with a fast path for the numbers requests mostly hold (pixel values,
// short decimals): -?digits[.digits][e±digits] with at most 15 digits and
// a power of ten of at most 22 either way. Then the digits are an exact
// float64 m < 2^53 and 10^|e| is exact, so m·10^e (or m/10^−e) is one
// correctly rounded operation: the float64 nearest the decimal, which
// is what ParseFloat returns (Clinger's fast path). Anything else goes to
// ParseFloat.
func parseNumber(b []byte) (float64, error) {
	i, neg := 0, false
	if i < len(b) && b[i] == '-' {
		neg, i = true, 1
	}
	var mant uint64
	digits, frac := 0, 0
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		mant = mant*10 + uint64(b[i]-'0')
		digits++
	}
	if i == start {
		return strconv.ParseFloat(string(b), 64)
	}
	if i < len(b) && b[i] == '.' {
		i++
		fs := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
		}
		frac = i - fs
		if frac == 0 {
			return strconv.ParseFloat(string(b), 64)
		}
	}
	exp := 0
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		es := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && i-es < 4; i++ {
			exp = exp*10 + int(b[i]-'0')
		}
		if i == es {
			return strconv.ParseFloat(string(b), 64)
		}
		if eneg {
			exp = -exp
		}
	}
	e := exp - frac
	if i != len(b) || digits > 15 || e < -22 || e > 22 {
		return strconv.ParseFloat(string(b), 64)
	}
	f := float64(mant)
	if e < 0 {
		f /= pow10[-e]
	} else {
		f *= pow10[e]
	}
	if neg {
		f = -f
	}
	return f, nil
}
