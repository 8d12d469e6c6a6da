package stfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/testfix"
)

// sampleTensors is a small state_dict covering both dtypes, a scalar, a
// zero-size tensor and the float values whose bits must survive: NaN, ±Inf,
// -0 and subnormals. Its order is deliberately not sorted by name or dtype.
func sampleTensors() []Tensor {
	return []Tensor{
		{Name: "0.weight", Shape: []int{2, 3}, F32: []float32{1, -2.5, float32(math.NaN()), float32(math.Inf(1)), float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32}},
		{Name: "0.bias", Shape: []int{3}, F64: []float64{0.1, math.Inf(-1), math.SmallestNonzeroFloat64}},
		{Name: "empty", Shape: []int{0, 4}, F32: []float32{}},
		{Name: "a.scale", Shape: []int{}, F64: []float64{math.Pi}},
	}
}

var sampleMeta = map[string]string{"format": "pt", "nnfc.config": `{"layers":[784,128,10]}`, "note": "ünïcödé \"quoted\"\n"}

// sameTensors reports whether got and want are equal, comparing floats by
// their bits so that NaN and -0 count.
func sameTensors(got, want []Tensor) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || len(g.Shape) != len(w.Shape) || (g.F32 == nil) != (w.F32 == nil) || (g.F64 == nil) != (w.F64 == nil) || len(g.F32) != len(w.F32) || len(g.F64) != len(w.F64) {
			return false
		}
		for j := range g.Shape {
			if g.Shape[j] != w.Shape[j] {
				return false
			}
		}
		for j := range g.F32 {
			if math.Float32bits(g.F32[j]) != math.Float32bits(w.F32[j]) {
				return false
			}
		}
		for j := range g.F64 {
			if math.Float64bits(g.F64[j]) != math.Float64bits(w.F64[j]) {
				return false
			}
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
	}{
		{"mixed with metadata", sampleTensors(), sampleMeta},
		{"f32 only", sampleTensors()[:1], map[string]string{"k": "v"}},
		{"f64 only, no metadata", sampleTensors()[1:2], nil},
		{"no tensors", nil, map[string]string{"only": "metadata"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := Write(path, tc.tensors, tc.meta); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, meta, err := Read(path)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !sameTensors(got, tc.tensors) {
				t.Errorf("tensors differ:\n got %v\nwant %v", got, tc.tensors)
			}
			if len(tc.meta) == 0 {
				if len(meta) != 0 {
					t.Errorf("meta = %v, want none", meta)
				}
			} else if !reflect.DeepEqual(meta, tc.meta) {
				t.Errorf("meta = %v, want %v", meta, tc.meta)
			}
		})
	}
}

// TestWrittenBytes parses a written file by hand, independently of the
// library, and checks it against the safetensors format description.
func TestWrittenBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	tensors := sampleTensors()
	if err := Write(path, tensors, sampleMeta); err != nil {
		t.Fatalf("Write: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	if 8+n > uint64(len(b)) {
		t.Fatalf("header length %d exceeds file of %d bytes", n, len(b))
	}
	header := b[8 : 8+n]
	if trimmed := bytes.TrimRight(header, " "); trimmed[len(trimmed)-1] != '}' {
		t.Errorf("header is not a JSON object padded with spaces: %q", header)
	}
	data := b[8+n:]

	var h map[string]json.RawMessage
	if err := json.Unmarshal(header, &h); err != nil {
		t.Fatalf("header is not JSON: %v", err)
	}
	var meta map[string]string
	if err := json.Unmarshal(h["__metadata__"], &meta); err != nil || len(meta[MetaSHA256]) != 64 {
		t.Errorf("__metadata__ %v lacks a %s checksum (%v)", meta, MetaSHA256, err)
	}
	delete(meta, MetaSHA256)
	if !reflect.DeepEqual(meta, sampleMeta) {
		t.Errorf("__metadata__ = %v (%v), want %v", meta, err, sampleMeta)
	}
	if len(h) != len(tensors)+1 {
		t.Errorf("header has %d keys, want %d tensors + __metadata__", len(h), len(tensors))
	}

	// The tensors must tile the data section in the order given.
	var offset uint64
	for _, tt := range tensors {
		var info struct {
			DType       string   `json:"dtype"`
			Shape       []int    `json:"shape"`
			DataOffsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(h[tt.Name], &info); err != nil {
			t.Fatalf("tensor %q: %v", tt.Name, err)
		}
		var want []byte
		wantDType := "F32"
		for _, v := range tt.F32 {
			want = binary.LittleEndian.AppendUint32(want, math.Float32bits(v))
		}
		if tt.F64 != nil {
			wantDType = "F64"
			for _, v := range tt.F64 {
				want = binary.LittleEndian.AppendUint64(want, math.Float64bits(v))
			}
		}
		if info.DType != wantDType {
			t.Errorf("tensor %q: dtype %q, want %q", tt.Name, info.DType, wantDType)
		}
		if info.Shape == nil || !reflect.DeepEqual(info.Shape, tt.Shape) {
			t.Errorf("tensor %q: shape %v, want %v (a JSON array, even for a scalar)", tt.Name, info.Shape, tt.Shape)
		}
		wantOff := []uint64{offset, offset + uint64(len(want))}
		if !reflect.DeepEqual(info.DataOffsets, wantOff) {
			t.Fatalf("tensor %q: data_offsets %v, want %v", tt.Name, info.DataOffsets, wantOff)
		}
		if got := data[wantOff[0]:wantOff[1]]; !bytes.Equal(got, want) {
			t.Errorf("tensor %q: data bytes %x, want %x", tt.Name, got, want)
		}
		offset = wantOff[1]
	}
	if offset != uint64(len(data)) {
		t.Errorf("tensors end at %d, data section has %d bytes", offset, len(data))
	}
}

func TestWriteRejectsBadTensors(t *testing.T) {
	f := []float32{1, 2}
	for _, tc := range []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		wantErr string
	}{
		{"empty name", []Tensor{{Shape: []int{2}, F32: f}}, nil, "empty name"},
		{"reserved name", []Tensor{{Name: "__metadata__", Shape: []int{2}, F32: f}}, nil, "reserved"},
		{"duplicate", []Tensor{{Name: "w", Shape: []int{2}, F32: f}, {Name: "w", Shape: []int{2}, F32: f}}, nil, "duplicate"},
		{"neither dtype", []Tensor{{Name: "w", Shape: []int{0}}}, nil, "exactly one"},
		{"both dtypes", []Tensor{{Name: "w", Shape: []int{2}, F32: f, F64: []float64{1, 2}}}, nil, "exactly one"},
		{"length mismatch", []Tensor{{Name: "w", Shape: []int{3}, F32: f}}, nil, "3 elements, data has 2"},
		{"negative dim", []Tensor{{Name: "w", Shape: []int{-1, -2}, F32: f}}, nil, "negative"},
		{"invalid utf8 name", []Tensor{{Name: "w\xff", Shape: []int{2}, F32: f}}, nil, "UTF-8"},
		{"invalid utf8 meta", nil, map[string]string{"k": "\xff"}, "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "m.safetensors")
			old := []byte("previous model")
			if err := os.WriteFile(path, old, 0o644); err != nil {
				t.Fatal(err)
			}
			err := Write(path, tc.tensors, tc.meta)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
				t.Errorf("Write error = %v, want one naming %s and containing %q", err, path, tc.wantErr)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
				t.Errorf("failed Write changed the existing file to %q", got)
			}
		})
	}
}

// validFile returns the bytes of a file written by Write.
func validFile(t testing.TB) []byte {
	path := filepath.Join(t.TempDir(), "valid.safetensors")
	if err := Write(path, sampleTensors(), sampleMeta); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadRejectsMalformed(t *testing.T) {
	valid := validFile(t)
	withHeaderLen := func(n uint64) []byte {
		b := bytes.Clone(valid)
		binary.LittleEndian.PutUint64(b, n)
		return b
	}
	eight := make([]byte, 8)
	for _, tc := range []struct {
		name    string
		file    []byte
		wantErr string
	}{
		{"empty file", nil, "truncated: 0 bytes"},
		{"shorter than length", valid[:5], "truncated: 5 bytes"},
		{"cut inside header", valid[:20], "truncated: header length"},
		{"cut inside data", valid[:len(valid)-3], "data_offsets do not cover"},
		{"trailing bytes", append(bytes.Clone(valid), 0), "data_offsets do not cover"},
		{"header length larger than file", withHeaderLen(uint64(len(valid))), "truncated: header length"},
		{"huge header length", withHeaderLen(1 << 62), "exceeds the 100000000-byte limit"},
		{"max uint64 header length", withHeaderLen(math.MaxUint64), "exceeds"},
		{"zero header length", withHeaderLen(0), "invalid safetensors header"},
		{"invalid JSON", testfix.Safetensors(`{"w": {"dtype": "F32", `, nil), "invalid safetensors header"},
		{"not an object", testfix.Safetensors(`[1, 2]`, nil), "invalid safetensors header"},
		{"F16", testfix.Safetensors(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, eight[:4]), `tensor "w": unsupported dtype F16`},
		{"BF16", testfix.Safetensors(`{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, eight[:4]), "unsupported dtype BF16"},
		{"I64", testfix.Safetensors(`{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, eight), "unsupported dtype I64"},
		{"unknown dtype", testfix.Safetensors(`{"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, eight[:1]), `invalid DType string value "F8"`},
		{"offsets do not match shape", testfix.Safetensors(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}`, make([]byte, 12)), "do not match its shape"},
		{"offsets do not match dtype", testfix.Safetensors(`{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}`, eight), "do not match its shape"},
		{"overlapping offsets", testfix.Safetensors(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)), `invalid metadata offset for tensor "b"`},
		{"gap between tensors", testfix.Safetensors(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}`, make([]byte, 20)), `invalid metadata offset for tensor "b"`},
		{"offsets past end", testfix.Safetensors(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, eight), "data_offsets do not cover"},
		{"reversed offsets", testfix.Safetensors(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, eight), "invalid metadata offset"},
		{"shape overflow", testfix.Safetensors(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil), "overflow"},
		{"negative shape", testfix.Safetensors(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, nil), "invalid \"shape\""},
		{"non-string metadata", testfix.Safetensors(`{"__metadata__":{"k":1}}`, nil), "expected string"},
		{"duplicate tensor name", testfix.Safetensors(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, eight[:4]), `tensor "w": duplicate name`},
		{"duplicate metadata key", testfix.Safetensors(`{"__metadata__":{"k":"a","k":"b"}}`, nil), `metadata key "k" given twice`},
		{"metadata twice", testfix.Safetensors(`{"__metadata__":{"k":"a"},"__metadata__":{"k":"a"}}`, nil), `"__metadata__" twice`},
		{"header over the read cap", withHeaderLen(maxReadHeaderLen + 8), "exceeds the 16777216 bytes nnfc reads"},
		{"bad checksum value", testfix.Safetensors(`{"__metadata__":{"nnfc.sha256":"xyz"}}`, nil), `nnfc.sha256 "xyz" is not a lowercase hex SHA-256`},
		{"wrong checksum", testfix.Safetensors(`{"__metadata__":{"nnfc.sha256":"`+strings.Repeat("ab", 32)+`"}}`, nil), "do not match the nnfc.sha256 checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.safetensors")
			if err := os.WriteFile(path, tc.file, 0o644); err != nil {
				t.Fatal(err)
			}
			tensors, meta, err := Read(path)
			if err == nil {
				t.Fatalf("Read succeeded: %d tensors, meta %v", len(tensors), meta)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tc.wantErr) {
				t.Errorf("error %q, want one naming %s and containing %q", msg, path, tc.wantErr)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.safetensors")
	if _, _, err := Read(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Read error = %v, want one naming %s", err, path)
	}
}

// FuzzRead checks that Read never panics, that its errors are one line
// naming the file, and that whatever it accepts survives a Write/Read round
// trip. Plain `go test` runs only the seeds; search with
// go test -fuzz=FuzzRead -fuzztime=20s ./pkg/stfile/
func FuzzRead(f *testing.F) {
	valid := validFile(f)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(testfix.Safetensors(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(testfix.Safetensors(`{"__metadata__":{"k":"v"}}`, nil))
	f.Add(testfix.Safetensors(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "f.safetensors")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		tensors, meta, err := Read(path)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, path) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q is not one line naming %s", msg, path)
			}
			return
		}
		// Round trip in memory: Write's fsyncs would slow the search
		// down a hundredfold.
		header, err := encodeHeader(tensors, meta)
		if err != nil {
			t.Fatalf("encoding what Read accepted: %v", err)
		}
		var buf bytes.Buffer
		if err := encode(&buf, header, tensors); err != nil {
			t.Fatal(err)
		}
		tensors2, meta2, err := parse(buf.Bytes())
		if err != nil {
			t.Fatalf("parsing the re-encoded file: %v", err)
		}
		if !sameTensors(tensors2, tensors) || len(meta2) != len(meta) {
			t.Fatalf("rewrite changed the contents")
		}
	})
}

// TestChecksumCatchesCorruption flips every bit of a written file, one at
// a time: each copy is either refused or reads back exactly the original
// contents (a flip inside the header's padding can turn a space into other
// JSON whitespace). Without the checksum, flips inside the data section
// would be read silently as other weights.
func TestChecksumCatchesCorruption(t *testing.T) {
	valid := validFile(t)
	want, wantMeta, err := parse(valid)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for i := range valid {
		for bit := range 8 {
			b := bytes.Clone(valid)
			b[i] ^= 1 << bit
			got, meta, err := parse(b)
			if err != nil {
				refused++
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("byte %d bit %d: error is not one line: %q", i, bit, err)
				}
				continue
			}
			if !sameTensors(got, want) || !reflect.DeepEqual(meta, wantMeta) {
				t.Fatalf("byte %d bit %d: corrupted file read as different contents", i, bit)
			}
		}
	}
	if refused < 8*len(valid)*9/10 {
		t.Errorf("only %d of %d bit flips refused", refused, 8*len(valid))
	}

	// The same file without its checksum (as written by older nnfc)
	// still reads, and then a flip in the data goes unnoticed: the
	// negative twin showing the check is what catches it.
	old := testfix.Safetensors(oldHeader(t, valid), valid[8+binary.LittleEndian.Uint64(valid):])
	if _, _, err := parse(old); err != nil {
		t.Fatalf("file without checksum: %v", err)
	}
	old[len(old)-1] ^= 1
	if _, _, err := parse(old); err != nil {
		t.Errorf("file without checksum: a data flip was refused (%v), expected it to go unnoticed", err)
	}
}

// oldHeader is the header of a file with the checksum entry removed.
func oldHeader(t *testing.T, file []byte) string {
	n := binary.LittleEndian.Uint64(file)
	var h map[string]json.RawMessage
	if err := json.Unmarshal(file[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	var meta map[string]string
	json.Unmarshal(h["__metadata__"], &meta)
	delete(meta, MetaSHA256)
	h["__metadata__"], _ = json.Marshal(meta)
	b, _ := json.Marshal(h)
	return string(b)
}
