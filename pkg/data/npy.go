package data

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/nnfc/nnfc/pkg/limits"
)

// NPYOptions says how to read NumPy arrays.
type NPYOptions struct {
	// XKey and YKey name the .npz members holding features and labels,
	// with or without the ".npy" suffix; defaults "x" and "y".
	XKey, YKey string
	// Classes is the number of classes; 0 means the largest label plus one.
	Classes int
}

// maxNPYHeader bounds the header length field before npyio allocates the
// header; NumPy itself refuses headers above 10000 bytes by default.
const maxNPYHeader = 1 << 16

// npyArray is a decoded NumPy array: its shape and its elements in C order,
// either as float32 (fl) or, for integer dtypes, as int64 (in).
type npyArray struct {
	name  string // for messages: "x.npy" or "d.npz[x]"
	dtype string
	shape []int
	fl    []float32
	in    []int64
	isInt bool
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readNPY decodes one .npy stream of size bytes with npyio. The data size
// implied by the header is checked against size before any allocation.
func readNPY(name string, r io.Reader, size int64) (arr *npyArray, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	pre, _ := br.Peek(12)
	if len(pre) < 10 || !bytes.Equal(pre[:6], npy.Magic[:]) {
		return nil, fmt.Errorf("%s: not a .npy array: expected the magic \\x93NUMPY at offset 0", name)
	}
	var hlen int
	switch pre[6] {
	case 1:
		hlen = int(binary.LittleEndian.Uint16(pre[8:]))
	case 2, 3:
		if len(pre) < 12 {
			return nil, fmt.Errorf("%s: file ends inside the .npy preamble", name)
		}
		hlen = int(binary.LittleEndian.Uint32(pre[8:]))
	}
	if hlen > maxNPYHeader {
		return nil, fmt.Errorf("%s: .npy header length %d at offset 8 exceeds %d bytes", name, hlen, maxNPYHeader)
	}
	if int64(hlen) > size {
		return nil, fmt.Errorf("%s: .npy header claims %d bytes but the file holds %d", name, hlen, size)
	}
	cr := &countingReader{r: br}
	rr, err := safeNPY(func() (*npy.Reader, error) { return npy.NewReader(cr) })
	if err != nil {
		return nil, fmt.Errorf("%s: bad .npy header: %s", name, oneLine(err))
	}
	h := rr.Header.Descr
	arr = &npyArray{name: name, dtype: strings.Trim(h.Type, "'\""), shape: h.Shape}
	kind, esize, err := parseDtype(h.Type)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	dims := make([]int64, len(h.Shape))
	for i, d := range h.Shape {
		dims[i] = int64(d)
	}
	nelem, ok := mulClaim(dims...)
	nbytes, ok2 := mulClaim(nelem, int64(esize))
	if !ok || !ok2 {
		return nil, fmt.Errorf("%s: header shape %s is implausibly large", name, shapeString(h.Shape))
	}
	// The size first: it does not depend on the machine's free memory.
	if have := size - cr.n; have != nbytes {
		return nil, fmt.Errorf("%s: header claims shape %s of %s (%d bytes after the %d-byte header) but the file holds %d",
			name, shapeString(h.Shape), arr.dtype, nbytes, cr.n, have)
	}
	// The elements as read, and converted (float32 or int64, ≤ 8 bytes).
	if err := limits.Check(fmt.Sprintf("%s: header shape %s of %s", name, shapeString(h.Shape), arr.dtype), float64(nbytes)+8*float64(nelem)); err != nil {
		return nil, err
	}
	if err := arr.decode(rr, kind, esize); err != nil {
		return nil, fmt.Errorf("%s: reading %s data: %s", name, arr.dtype, oneLine(err))
	}
	if h.Fortran && len(h.Shape) > 1 {
		arr.toCOrder()
	}
	return arr, nil
}

// safeNPY runs f, turning a panic inside npyio (it slices a malformed
// header without checking bounds) into an error.
func safeNPY[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed header (%v)", p)
		}
	}()
	return f()
}

// parseDtype splits a NumPy type string such as "<f4" or "|u1" into its
// kind and element size, accepting the kinds this package can convert.
func parseDtype(t string) (kind byte, size int, err error) {
	s := strings.TrimLeft(strings.Trim(t, "'\""), "<>|=")
	if len(s) >= 2 {
		kind = s[0]
		size, err = strconv.Atoi(s[1:])
	}
	switch {
	case err == nil && kind == 'f' && (size == 4 || size == 8),
		err == nil && (kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8):
		return kind, size, nil
	}
	return 0, 0, fmt.Errorf("unsupported dtype %q, expected float32/float64 or a (u)int8..64 type", t)
}

// decode reads the elements with npyio into a slice of the on-disk type and
// converts them.
func (a *npyArray) decode(rr *npy.Reader, kind byte, size int) error {
	a.isInt = kind != 'f'
	read := func(ptr any) error {
		_, err := safeNPY(func() (struct{}, error) { return struct{}{}, rr.Read(ptr) })
		return err
	}
	switch {
	case kind == 'f' && size == 4:
		return read(&a.fl)
	case kind == 'f' && size == 8:
		var v []float64
		if err := read(&v); err != nil {
			return err
		}
		a.fl = make([]float32, len(v))
		for i, x := range v {
			a.fl[i] = float32(x)
		}
		return nil
	}
	var err error
	switch {
	case kind == 'i' && size == 1:
		a.in, err = readInts[int8](read)
	case kind == 'i' && size == 2:
		a.in, err = readInts[int16](read)
	case kind == 'i' && size == 4:
		a.in, err = readInts[int32](read)
	case kind == 'i' && size == 8:
		a.in, err = readInts[int64](read)
	case kind == 'u' && size == 1:
		a.in, err = readInts[uint8](read)
	case kind == 'u' && size == 2:
		a.in, err = readInts[uint16](read)
	case kind == 'u' && size == 4:
		a.in, err = readInts[uint32](read)
	case kind == 'u' && size == 8:
		var v []uint64
		if err = read(&v); err != nil {
			return err
		}
		a.in = make([]int64, len(v))
		for i, x := range v {
			a.in[i] = int64(min(x, math.MaxInt64))
		}
	}
	return err
}

func readInts[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32](read func(any) error) ([]int64, error) {
	var v []T
	if err := read(&v); err != nil {
		return nil, err
	}
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out, nil
}

// toCOrder reorders Fortran-order (column-major) elements into C order.
func (a *npyArray) toCOrder() {
	s := a.shape
	nd := len(s)
	fstride := make([]int, nd)
	st := 1
	for k := range nd {
		fstride[k] = st
		st *= s[k]
	}
	n := st
	idx := make([]int, nd)
	perm := make([]int, n) // perm[c] is the Fortran position of C position c
	f := 0
	for c := range n {
		perm[c] = f
		for k := nd - 1; k >= 0; k-- {
			idx[k]++
			f += fstride[k]
			if idx[k] < s[k] {
				break
			}
			f -= fstride[k] * s[k]
			idx[k] = 0
		}
	}
	if a.isInt {
		out := make([]int64, n)
		for c, p := range perm {
			out[c] = a.in[p]
		}
		a.in = out
		return
	}
	out := make([]float32, n)
	for c, p := range perm {
		out[c] = a.fl[p]
	}
	a.fl = out
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// readNPYFile reads a .npy file.
func readNPYFile(path string) (*npyArray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return readNPY(path, f, st.Size())
}

// features turns an array of shape (N, D) or (N, d1, d2, ...) into the X of
// a Dataset, checking that every value is finite.
func (a *npyArray) features() (x []float32, n, d int, err error) {
	if len(a.shape) < 2 {
		return nil, 0, 0, fmt.Errorf("%s: features have shape %s, expected (N, D) or (N, d1, d2, ...)", a.name, shapeString(a.shape))
	}
	n, d = a.shape[0], 1
	for _, s := range a.shape[1:] {
		d *= s
	}
	if n == 0 || d == 0 {
		return nil, 0, 0, fmt.Errorf("%s: features have shape %s: no data", a.name, shapeString(a.shape))
	}
	if a.isInt {
		x = make([]float32, len(a.in))
		for i, v := range a.in {
			x[i] = float32(v)
		}
		return x, n, d, nil
	}
	for k, v := range a.fl {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, 0, 0, fmt.Errorf("%s: element %d (sample %d, feature %d) is %v, expected a finite float32", a.name, k, k/d, k%d, v)
		}
	}
	return a.fl, n, d, nil
}

// labels turns an integer array of shape (N,) or (N, 1) into Y, checking the
// range; classes 0 means the largest label plus one.
func (a *npyArray) labels(n, classes int) (y []int32, ncls int, err error) {
	if !a.isInt {
		return nil, 0, fmt.Errorf("%s: labels have dtype %s, expected an integer array (in NumPy: y.astype(np.int64))", a.name, a.dtype)
	}
	if !(len(a.shape) == 1 || len(a.shape) == 2 && a.shape[1] == 1) {
		return nil, 0, fmt.Errorf("%s: labels have shape %s, expected (N,)", a.name, shapeString(a.shape))
	}
	if a.shape[0] != n {
		return nil, 0, fmt.Errorf("%s: holds %d labels, expected %d (one per sample of the features)", a.name, a.shape[0], n)
	}
	y = make([]int32, n)
	ymax := int64(-1)
	for i, v := range a.in {
		if v < 0 || v > math.MaxInt32 || classes > 0 && v >= int64(classes) {
			hi := "a non-negative int32"
			if classes > 0 {
				hi = fmt.Sprintf("0..%d", classes-1)
			}
			return nil, 0, fmt.Errorf("%s: label %d is %d, expected %s", a.name, i, v, hi)
		}
		y[i] = int32(v)
		ymax = max(ymax, v)
	}
	ncls = classes
	if ncls == 0 {
		ncls = int(ymax) + 1
		if at, distinct := sparseLabels(y); at >= 0 {
			return nil, 0, sparseError(fmt.Sprintf("%s: label %d", a.name, at), y[at], distinct)
		}
	}
	return y, ncls, nil
}

func assemble(name string, xa, ya *npyArray, classes int) (*Dataset, error) {
	if classes < 0 {
		return nil, fmt.Errorf("%s: classes %d, expected >= 0 (0 = infer from the labels)", name, classes)
	}
	x, n, d, err := xa.features()
	if err != nil {
		return nil, err
	}
	y, ncls, err := ya.labels(n, classes)
	if err != nil {
		return nil, err
	}
	return &Dataset{Name: name, X: x, Y: y, N: n, D: d, Classes: ncls}, nil
}

// ReadNPY reads features from the .npy file xPath and labels from yPath.
// Features are any float32, float64 or integer array of shape (N, D), or
// (N, d1, d2, ...) flattened row-major to D = d1·d2·…; labels are an
// integer array of shape (N,) (or (N, 1)). Fortran-order arrays are
// reordered. classes 0 means the largest label plus one. The data size the
// header claims is checked against the file before anything is allocated.
func ReadNPY(xPath, yPath string, classes int) (*Dataset, error) {
	xa, err := readNPYFile(xPath)
	if err != nil {
		return nil, err
	}
	ya, err := readNPYFile(yPath)
	if err != nil {
		return nil, err
	}
	return assemble(xPath, xa, ya, classes)
}

// ReadNPZ reads features and labels from the members opt.XKey and opt.YKey
// (default "x" and "y") of a NumPy .npz archive, as written by np.savez or
// np.savez_compressed. The arrays follow the rules of ReadNPY.
func ReadNPZ(path string, opt NPYOptions) (*Dataset, error) {
	xkey, ykey := opt.XKey, opt.YKey
	if xkey == "" {
		xkey = "x"
	}
	if ykey == "" {
		ykey = "y"
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a .npz (zip) archive: %s", path, oneLine(err))
	}
	defer zr.Close()
	member := func(key string) (*npyArray, error) {
		want := strings.TrimSuffix(key, ".npy")
		var names []string
		for _, f := range zr.File {
			names = append(names, strings.TrimSuffix(f.Name, ".npy"))
			if strings.TrimSuffix(f.Name, ".npy") != want {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%s[%s]: %s", path, key, oneLine(err))
			}
			defer rc.Close()
			if f.UncompressedSize64 >= math.MaxInt64 {
				return nil, fmt.Errorf("%s[%s]: implausible size %d", path, key, f.UncompressedSize64)
			}
			if err := limits.Check(fmt.Sprintf("%s[%s]: a member of %d bytes", path, key, f.UncompressedSize64), 2*float64(f.UncompressedSize64)); err != nil {
				return nil, err
			}
			// The declared size is a claim: read through a limit into a
			// growing buffer, so memory is bounded by the data present.
			name := fmt.Sprintf("%s[%s]", path, key)
			buf, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
			if err != nil {
				return nil, fmt.Errorf("%s: decompressing at offset %d: %v", name, len(buf), err)
			}
			return readNPY(name, bytes.NewReader(buf), int64(len(buf)))
		}
		return nil, fmt.Errorf("%s: no array %q, the archive holds %q", path, want, names)
	}
	xa, err := member(xkey)
	if err != nil {
		return nil, err
	}
	ya, err := member(ykey)
	if err != nil {
		return nil, err
	}
	return assemble(path, xa, ya, opt.Classes)
}

// oneLine renders a library's error on one line: header text it quotes
// may hold newlines and other control characters, which are escaped.
func oneLine(err error) string {
	q := strconv.Quote(err.Error())
	return q[1 : len(q)-1]
}
