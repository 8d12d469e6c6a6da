package stfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
)

// digestVersion starts the hashed stream, so that a future change of what
// is hashed cannot be mistaken for corruption.
const digestVersion = "nnfc-sha256-v1"

// digestTensors returns the hex SHA-256 that Write stores under
// MetaSHA256 for tensors (in data order) and meta (without MetaSHA256).
func digestTensors(tensors []Tensor, meta map[string]string) (string, error) {
	h := sha256.New()
	table := make([]tableEntry, len(tensors))
	for i := range tensors {
		dtype, _, _, err := checkTensor(&tensors[i])
		if err != nil {
			return "", err
		}
		table[i] = tableEntry{tensors[i].Name, dtype, tensors[i].Shape}
	}
	writePrefix(h, table, meta)
	for i := range tensors {
		if err := writeData(h, &tensors[i]); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type tableEntry struct {
	name, dtype string
	shape       []int
}

// writePrefix hashes what describes the data: the tensor table sorted by
// name (so the order of zero-size tensors, which share an offset, does not
// matter) and the metadata sorted by key, except MetaSHA256. Every string
// is length-prefixed, so no two inputs give the same stream.
func writePrefix(h hash.Hash, table []tableEntry, meta map[string]string) {
	str := func(s string) {
		h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		io.WriteString(h, s)
	}
	str(digestVersion)
	slices.SortFunc(table, func(a, b tableEntry) int { return strings.Compare(a.name, b.name) })
	h.Write(binary.AppendUvarint(nil, uint64(len(table))))
	for _, e := range table {
		str(e.name)
		str(e.dtype)
		dims := make([]string, len(e.shape))
		for i, d := range e.shape {
			dims[i] = strconv.Itoa(d)
		}
		str(strings.Join(dims, ","))
	}
	keys := slices.Sorted(maps.Keys(meta))
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == MetaSHA256 })
	h.Write(binary.AppendUvarint(nil, uint64(len(keys))))
	for _, k := range keys {
		str(k)
		str(meta[k])
	}
}

// verify checks the stored digest want against the parsed tensors, the
// metadata and the raw data section.
func verify(want string, tensors []Tensor, meta map[string]string, data []byte) error {
	if len(want) != sha256.Size*2 || strings.ToLower(want) != want {
		return fmt.Errorf("metadata %s %q is not a lowercase hex SHA-256 digest", MetaSHA256, want)
	}
	if _, err := hex.DecodeString(want); err != nil {
		return fmt.Errorf("metadata %s %q is not a lowercase hex SHA-256 digest", MetaSHA256, want)
	}
	h := sha256.New()
	table := make([]tableEntry, len(tensors))
	for i, t := range tensors {
		dtype := dtypeF32
		if t.F64 != nil {
			dtype = dtypeF64
		}
		table[i] = tableEntry{t.Name, dtype, t.Shape}
	}
	writePrefix(h, table, meta)
	h.Write(data)
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("contents do not match the %s checksum in its metadata (the file is corrupted, or was changed after nnfc wrote it)", MetaSHA256)
	}
	return nil
}

// checkDuplicates scans the JSON header for a key given twice, at the top
// level (a tensor name) or in __metadata__: JSON decoders keep the last
// value silently, so a file could hold two different tensors of one name.
// The header is valid JSON (the library parsed it) when this runs.
func checkDuplicates(header []byte) error {
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil // not an object: the library has reported it
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		if seen[key] {
			if key == metadataKey {
				return fmt.Errorf("header holds %q twice", key)
			}
			return fmt.Errorf("tensor %q: duplicate name in the header (readers would silently keep one of them)", key)
		}
		seen[key] = true
		if key != metadataKey {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return nil
		}
		mseen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil
			}
			k, _ := tok.(string)
			if mseen[k] {
				return fmt.Errorf("metadata key %q given twice in the header", k)
			}
			mseen[k] = true
			if _, err := dec.Token(); err != nil {
				return nil
			}
		}
		if _, err := dec.Token(); err != nil { // the closing brace
			return nil
		}
	}
	return nil
}

// oneByteOff reports whether a and b have the same length and differ in
// exactly one byte: a bit flip in the checksum's key would otherwise turn
// the checksum into an ordinary metadata entry and skip the check.
func oneByteOff(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	diff := 0
	for i := range len(a) {
		if a[i] != b[i] {
			diff++
		}
	}
	return diff == 1
}

// FileSHA256 returns the hex SHA-256 of the file at path, as it is on disk
// (what nnfc serve reports as a model's version and nnfc export records of
// its source). A missing file is one line naming it.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%s: no such file", path)
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
