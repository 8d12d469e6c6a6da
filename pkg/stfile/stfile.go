package stfile

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/nlpodyssey/safetensors"

	"github.com/nnfc/nnfc/pkg/atomicfile"
	"github.com/nnfc/nnfc/pkg/limits"
)

// Tensor is one named tensor of a model file. Exactly one of F32 and F64 is
// non-nil; it holds the row-major data, whose length is the product of Shape
// (1 for a scalar, Shape == nil or empty).
type Tensor struct {
	Name  string
	Shape []int
	F32   []float32
	F64   []float64
}

const (
	dtypeF32 = "F32"
	dtypeF64 = "F64"

	// maxHeaderLen bounds the header length a file may claim, so a corrupt
	// length cannot make Read allocate gigabytes. It is the limit of the
	// nlpodyssey library and of the reference Rust implementation.
	maxHeaderLen = 100_000_000

	// maxReadHeaderLen is the largest header Read accepts: nnfc's headers
	// take about 100 bytes per tensor, so even a checkpoint of a network
	// with the maximum 1000 hidden layers stays far below it, while a
	// header near maxHeaderLen would cost hundreds of megabytes to parse.
	maxReadHeaderLen = 16 << 20

	// MetaSHA256 is the metadata key of the file's integrity check: the
	// hex SHA-256 of the tensor table, the other metadata and the data
	// (see digest). Write adds it; Read verifies it when present.
	MetaSHA256 = "nnfc.sha256"

	// metadataKey is the reserved header key of the string→string map.
	metadataKey = "__metadata__"

	// fileMode is the permission of written model files (applied as is,
	// without the umask; see atomicfile).
	fileMode = 0o644
)

// Write writes tensors, in the order given, and meta to path in safetensors
// format, replacing any existing file atomically. The metadata always
// gains MetaSHA256, the file's checksum (any value meta holds for it is
// replaced).
//
// Write reports an error, and leaves path untouched, if a tensor is
// malformed: an empty, duplicate, reserved or non-UTF-8 name, a negative
// dimension, not exactly one of F32/F64 set, or a data length that is not
// the product of Shape.
func Write(path string, tensors []Tensor, meta map[string]string) error {
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]string{}
	}
	delete(meta, MetaSHA256)
	sum, err := digestTensors(tensors, meta)
	if err != nil {
		return fmt.Errorf("stfile: write %s: %w", path, err)
	}
	meta[MetaSHA256] = sum
	header, err := encodeHeader(tensors, meta)
	if err != nil {
		return fmt.Errorf("stfile: write %s: %w", path, err)
	}
	return atomicfile.Write(path, fileMode, func(w io.Writer) error {
		return encode(w, header, tensors)
	})
}

// encode writes a whole file: the header length, the header from
// encodeHeader, and the tensors' data.
func encode(w io.Writer, header []byte, tensors []Tensor) error {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for i := range tensors {
		if err := writeData(w, &tensors[i]); err != nil {
			return err
		}
	}
	return nil
}

// encodeHeader validates tensors and meta and returns the JSON header, padded
// with spaces to a multiple of 8 bytes so that the data section is aligned.
// Keys follow the tensor order; metadata keys are sorted, so the same input
// always gives the same bytes.
func encodeHeader(tensors []Tensor, meta map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(meta) > 0 {
		keys := slices.Sorted(maps.Keys(meta))
		b.WriteString(`"` + metadataKey + `":{`)
		for i, k := range keys {
			if !utf8.ValidString(k) || !utf8.ValidString(meta[k]) {
				return nil, fmt.Errorf("metadata %q: key or value is not valid UTF-8", k)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, k)
			b.WriteByte(':')
			writeJSONString(&b, meta[k])
		}
		b.WriteByte('}')
	}

	seen := make(map[string]bool, len(tensors))
	var offset uint64
	for i := range tensors {
		t := &tensors[i]
		dtype, size, n, err := checkTensor(t)
		if err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("tensor %q: duplicate name", t.Name)
		}
		seen[t.Name] = true

		if b.Len() > 1 {
			b.WriteByte(',')
		}
		writeJSONString(&b, t.Name)
		b.WriteString(`:{"dtype":"` + dtype + `","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		end := offset + uint64(n)*size
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > maxHeaderLen {
		return nil, fmt.Errorf("header is %d bytes, more than the %d readers accept", b.Len(), maxHeaderLen)
	}
	return b.Bytes(), nil
}

// checkTensor validates t and returns its dtype string, element size in
// bytes and number of elements.
func checkTensor(t *Tensor) (dtype string, size uint64, n int, err error) {
	switch {
	case t.Name == "":
		return "", 0, 0, errors.New("tensor with empty name")
	case t.Name == metadataKey:
		return "", 0, 0, fmt.Errorf("tensor name %q is reserved", t.Name)
	case !utf8.ValidString(t.Name):
		return "", 0, 0, fmt.Errorf("tensor name %q is not valid UTF-8", t.Name)
	}
	var length int
	switch {
	case t.F32 != nil && t.F64 == nil:
		dtype, size, length = dtypeF32, 4, len(t.F32)
	case t.F64 != nil && t.F32 == nil:
		dtype, size, length = dtypeF64, 8, len(t.F64)
	default:
		return "", 0, 0, fmt.Errorf("tensor %q: exactly one of F32 and F64 must be set", t.Name)
	}
	n = 1
	for _, d := range t.Shape {
		if d < 0 {
			return "", 0, 0, fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return "", 0, 0, fmt.Errorf("tensor %q: shape %v overflows", t.Name, t.Shape)
		}
		n *= d
	}
	if n != length {
		return "", 0, 0, fmt.Errorf("tensor %q: shape %v has %d elements, data has %d", t.Name, t.Shape, n, length)
	}
	return dtype, size, n, nil
}

// writeJSONString appends s as a JSON string. s is valid UTF-8 (checked by
// the callers), so json.Marshal cannot fail or alter it.
func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

// writeData writes t's elements little-endian through a fixed-size buffer.
func writeData(w io.Writer, t *Tensor) error {
	var buf [8 << 10]byte
	if t.F32 != nil {
		for x := t.F32; len(x) > 0; {
			k := min(len(x), len(buf)/4)
			for i, v := range x[:k] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*k]); err != nil {
				return err
			}
			x = x[k:]
		}
		return nil
	}
	for x := t.F64; len(x) > 0; {
		k := min(len(x), len(buf)/8)
		for i, v := range x[:k] {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
		}
		if _, err := w.Write(buf[:8*k]); err != nil {
			return err
		}
		x = x[k:]
	}
	return nil
}

// Read reads the tensors and metadata of the safetensors file at path. The
// tensors come in the order of their data in the file. meta is nil when the
// file has no "__metadata__". When the metadata holds MetaSHA256 (every
// file Write produced does), Read verifies it and leaves it out of meta;
// files without it (older nnfc, other tools) are read unverified.
//
// Every error is one line naming path and the problem; a malformed file
// (truncated, bad header length, invalid JSON, offsets that do not tile the
// data or do not match shape × dtype size, a dtype other than F32 or F64)
// gives an error, never a panic.
func Read(path string) (tensors []Tensor, meta map[string]string, err error) {
	buf, err := readFile(path)
	if err == nil {
		tensors, meta, err = parse(buf)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("stfile: read %s: %w", path, err)
	}
	return tensors, meta, nil
}

// readFile reads the whole file after checking that its header length claim
// is plausible, so a corrupt length is reported before any allocation.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	size := fi.Size()
	if size < 8 {
		return nil, fmt.Errorf("truncated: %d bytes, shorter than the 8-byte header length", size)
	}
	var nb [9]byte
	if _, err := io.ReadFull(f, nb[:min(size, 9)]); err != nil {
		return nil, err
	}
	if err := checkHeaderLen(binary.LittleEndian.Uint64(nb[:8]), uint64(size)); err != nil {
		// A safetensors file is an 8-byte length and a JSON header that
		// opens with '{'. Without the '{' (a text file, an image), say
		// that, rather than quote the absurd length its bytes make.
		if size > 8 && nb[8] != '{' {
			return nil, fmt.Errorf("not a safetensors file (it begins with %q, not an 8-byte header length and a JSON header)", nb[:8])
		}
		return nil, err
	}
	// The file is held once as bytes and once as decoded tensors.
	if err := limits.Check("reading it", 2*float64(size)); err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return nil, fmt.Errorf("file changed while reading: %w", err)
	}
	return buf, nil
}

// checkHeaderLen checks the header length n claimed by a file of size bytes.
func checkHeaderLen(n, size uint64) error {
	if n > maxHeaderLen {
		return fmt.Errorf("header length %d exceeds the %d-byte limit (corrupt or not a safetensors file)", n, maxHeaderLen)
	}
	if n > maxReadHeaderLen {
		return fmt.Errorf("header length %d exceeds the %d bytes nnfc reads (an nnfc header takes about 100 bytes per tensor)", n, maxReadHeaderLen)
	}
	if n > size-8 {
		return fmt.Errorf("truncated: header length %d is larger than the %d bytes after it", n, size-8)
	}
	return nil
}

// libErrors rewords the library's vaguer error messages. Unknown messages
// pass through unchanged.
var libErrors = map[string]string{
	"metadata incomplete buffer":                            "data_offsets do not cover the data section exactly (truncated file, trailing bytes, or offsets out of range)",
	"metadata validation error: info data offsets mismatch": "data_offsets of a tensor do not match its shape × dtype size",
}

// parse decodes a whole safetensors file held in buf.
func parse(buf []byte) ([]Tensor, map[string]string, error) {
	if len(buf) < 8 {
		return nil, nil, fmt.Errorf("truncated: %d bytes, shorter than the 8-byte header length", len(buf))
	}
	n := binary.LittleEndian.Uint64(buf)
	if err := checkHeaderLen(n, uint64(len(buf))); err != nil {
		return nil, nil, err
	}
	_, md, err := safetensors.ReadMetadata(buf)
	if err != nil {
		if msg, ok := libErrors[err.Error()]; ok {
			return nil, nil, errors.New(msg)
		}
		return nil, nil, fmt.Errorf("invalid safetensors header: %w", err)
	}
	if !utf8.Valid(buf[8 : 8+n]) {
		// JSON decoders replace invalid bytes silently.
		return nil, nil, errors.New("header is not valid UTF-8 (corrupt or not a safetensors file)")
	}
	if err := checkDuplicates(buf[8 : 8+n]); err != nil {
		return nil, nil, err
	}
	data := buf[8+n:]

	type entry struct {
		name string
		info *safetensors.TensorInfo
	}
	var entries []entry
	for name, info := range md.Tensors() {
		entries = append(entries, entry{name, info})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(
			cmp.Compare(a.info.DataOffsets[0], b.info.DataOffsets[0]),
			cmp.Compare(a.info.DataOffsets[1], b.info.DataOffsets[1]),
			cmp.Compare(a.name, b.name))
	})

	tensors := make([]Tensor, len(entries))
	for i, e := range entries {
		info := e.info
		// The library has checked that the offsets tile the data section;
		// re-check the bounds so that a change in the library can never
		// turn into a slice panic here.
		begin, end := info.DataOffsets[0], info.DataOffsets[1]
		if end > uint64(len(data)) || begin > end {
			return nil, nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] out of range of the %d-byte data section", e.name, begin, end, len(data))
		}
		shape := make([]int, len(info.Shape))
		for j, d := range info.Shape {
			if d > math.MaxInt {
				return nil, nil, fmt.Errorf("tensor %q: dimension %d of shape %v too large", e.name, d, info.Shape)
			}
			shape[j] = int(d)
		}
		raw := data[begin:end]
		t := Tensor{Name: e.name, Shape: shape}
		switch info.DType {
		case safetensors.F32:
			t.F32 = make([]float32, len(raw)/4)
			for k := range t.F32 {
				t.F32[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
			}
		case safetensors.F64:
			t.F64 = make([]float64, len(raw)/8)
			for k := range t.F64 {
				t.F64[k] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*k:]))
			}
		default:
			return nil, nil, fmt.Errorf("tensor %q: unsupported dtype %s (nnfc reads only F32 and F64)", e.name, info.DType)
		}
		tensors[i] = t
	}
	meta := md.Metadata()
	for k := range meta {
		if oneByteOff(k, MetaSHA256) {
			return nil, nil, fmt.Errorf("metadata key %q is one byte off %s: the file is corrupted", k, MetaSHA256)
		}
	}
	if want, ok := meta[MetaSHA256]; ok {
		if err := verify(want, tensors, meta, data); err != nil {
			return nil, nil, err
		}
		delete(meta, MetaSHA256)
		if len(meta) == 0 {
			meta = nil
		}
	}
	return tensors, meta, nil
}
