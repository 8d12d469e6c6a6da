package model

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// Metadata keys of an nnfc model file.
const (
	MetaFormat     = "format" // "pt": PyTorch state_dict layout
	MetaSpec       = "nnfc.spec"
	MetaNormalizer = "nnfc.normalizer"
	MetaVersion    = "nnfc.version" // the kind's Kind.FileVersion
)

// Tensors returns the network's parameters and buffers (batch
// normalization's running_mean and running_var) as safetensors tensors,
// in state_dict order: layer by layer, parameters before buffers. The
// data are views, not copies.
func Tensors[T layers.Float](n *Net[T], prefix string) []stfile.Tensor {
	var ts []stfile.Tensor
	for _, l := range n.Layers {
		for _, p := range l.Params() {
			ts = append(ts, Tensor(prefix+p.Name, p.Shape, p.Data))
		}
		if s, ok := l.(layers.Stateful[T]); ok {
			for _, b := range s.Buffers() {
				ts = append(ts, Tensor(prefix+b.Name, b.Shape, b.Data))
			}
		}
	}
	return ts
}

// Tensor wraps a []T as a safetensors tensor of the matching dtype.
func Tensor[T layers.Float](name string, shape []int, d []T) stfile.Tensor {
	t := stfile.Tensor{Name: name, Shape: slices.Clone(shape)}
	switch v := any(d).(type) {
	case []float32:
		t.F32 = v
	case []float64:
		t.F64 = v
	}
	return t
}

// Metadata returns the self-describing metadata of a model file.
func Metadata(spec Spec, norm *data.Normalizer) (map[string]string, error) {
	s, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	meta := map[string]string{MetaFormat: "pt", MetaSpec: string(s), MetaVersion: spec.kind().FileVersion(spec)}
	if norm != nil {
		b, err := json.Marshal(norm)
		if err != nil {
			return nil, err
		}
		meta[MetaNormalizer] = string(b)
	}
	return meta, nil
}

// Save writes the network and the input normalization to path as a
// safetensors file, atomically: a crash leaves either the old file or the
// new one, never half of one.
func Save[T layers.Float](path string, n *Net[T], norm *data.Normalizer) error {
	meta, err := Metadata(n.Spec, norm)
	if err != nil {
		return err
	}
	return stfile.Write(path, Tensors(n, ""), meta)
}

// Load reads a model file written by Save into a network of element type
// T (converting from the stored dtype if needed), with its normalizer
// (nil if the file has none). Errors name the file and what is wrong.
//
// Load is strict: besides what FromTensors checks, a tensor the spec does
// not name is an error. The file's SHA-256 (written by every nnfc since it
// was added) is verified by stfile.Read.
func Load[T layers.Float](path string) (*Net[T], *data.Normalizer, error) {
	f, err := Open(path)
	if err != nil {
		return nil, nil, err
	}
	return LoadFile[T](f)
}

// File is a model file read into memory: its tensors and metadata, before
// a network of some precision is built from them.
type File struct {
	Path    string
	Tensors []stfile.Tensor
	Meta    map[string]string
}

// Open reads a model file (see Load for what is checked when).
func Open(path string) (*File, error) {
	tensors, meta, err := stfile.Read(path)
	if err != nil {
		return nil, err
	}
	return &File{Path: path, Tensors: tensors, Meta: meta}, nil
}

// Precision is the precision the file's weights were saved in: "float64"
// when every tensor is F64, else "float32".
func (f *File) Precision() string {
	for _, t := range f.Tensors {
		if t.F64 == nil {
			return "float32"
		}
	}
	if len(f.Tensors) == 0 {
		return "float32"
	}
	return "float64"
}

// LoadFile builds the network of element type T and the normalizer that f
// holds, strictly (see Load).
func LoadFile[T layers.Float](f *File) (*Net[T], *data.Normalizer, error) {
	net, norm, err := FromTensors[T](f.Path, f.Tensors, f.Meta, "")
	if err != nil {
		return nil, nil, err
	}
	want := map[string]bool{}
	for _, t := range Tensors(net, "") {
		want[t.Name] = true
	}
	for _, t := range f.Tensors {
		if !want[t.Name] {
			return nil, nil, fmt.Errorf("%s: tensor %q (shape %v) is not part of the %s network the metadata describes", f.Path, t.Name, t.Shape, net.Spec)
		}
	}
	return net, norm, nil
}

// FromTensors builds a network from a model file's tensors and metadata;
// name is used in errors. Tensors whose names start with prefix are the
// parameters; others are ignored.
func FromTensors[T layers.Float](name string, tensors []stfile.Tensor, meta map[string]string, prefix string) (*Net[T], *data.Normalizer, error) {
	raw, ok := meta[MetaSpec]
	if !ok {
		return nil, nil, fmt.Errorf("%s: not an nnfc model file (no %q metadata)", name, MetaSpec)
	}
	if v := meta[MetaVersion]; !slices.Contains(fileVersions(), v) {
		vs := fileVersions()
		return nil, nil, fmt.Errorf("%s: model file version %q, this nnfc reads versions %s and %s", name, v, strings.Join(vs[:len(vs)-1], ", "), vs[len(vs)-1])
	}
	var spec Spec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return nil, nil, fmt.Errorf("%s: metadata %s is not valid JSON: %v", name, MetaSpec, err)
	}
	if err := spec.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: invalid spec in metadata: %s", name, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	// The spec is a claim: before building its network, check that the
	// file holds every tensor of it with its shape, so a spec of absurd
	// size is refused without allocating it.
	byName := make(map[string]*stfile.Tensor, len(tensors))
	for i := range tensors {
		byName[tensors[i].Name] = &tensors[i]
	}
	for _, ts := range spec.TensorShapes() {
		t, ok := byName[prefix+ts.Name]
		if !ok {
			return nil, nil, fmt.Errorf("%s: missing tensor %q (shape %v) of the %s network its metadata describes", name, prefix+ts.Name, ts.Shape, spec)
		}
		if !slices.Equal(t.Shape, ts.Shape) {
			return nil, nil, fmt.Errorf("%s: tensor %q has shape %v, the %s network its metadata describes needs %v", name, t.Name, t.Shape, spec, ts.Shape)
		}
	}
	net, err := newUninitialized[T](spec)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	if err := net.SetTensors(name, tensors, prefix); err != nil {
		return nil, nil, err
	}
	var norm *data.Normalizer
	if raw, ok := meta[MetaNormalizer]; ok {
		norm = &data.Normalizer{}
		if err := json.Unmarshal([]byte(raw), norm); err != nil {
			return nil, nil, fmt.Errorf("%s: metadata %s is not valid JSON: %v", name, MetaNormalizer, err)
		}
		if len(norm.Shift) != spec.InputDim || len(norm.Scale) != spec.InputDim {
			return nil, nil, fmt.Errorf("%s: normalizer has %d/%d values, the model has %d inputs", name, len(norm.Shift), len(norm.Scale), spec.InputDim)
		}
		if err := norm.Validate(); err != nil {
			return nil, nil, fmt.Errorf("%s: metadata %s: %v", name, MetaNormalizer, err)
		}
	}
	return net, norm, nil
}

// SetTensors copies the tensors named prefix+param name into the network's
// parameters, and those named prefix+buffer name into its buffers. Every
// parameter and buffer must be present with its exact shape.
func (n *Net[T]) SetTensors(name string, tensors []stfile.Tensor, prefix string) error {
	byName := map[string]stfile.Tensor{}
	for _, t := range tensors {
		byName[t.Name] = t
	}
	set := func(tensor string, shape []int, dst []T) error {
		t, ok := byName[prefix+tensor]
		if !ok {
			return fmt.Errorf("%s: missing tensor %q (shape %v)", name, prefix+tensor, shape)
		}
		if !slices.Equal(t.Shape, shape) {
			return fmt.Errorf("%s: tensor %q has shape %v, the model needs %v", name, t.Name, t.Shape, shape)
		}
		CopyTensor(dst, t)
		return CheckFinite(name, t, dst)
	}
	for _, p := range n.params {
		if err := set(p.Name, p.Shape, p.Data); err != nil {
			return err
		}
	}
	for _, b := range n.buffers {
		if err := set(b.Name, b.Shape, b.Data); err != nil {
			return err
		}
	}
	return nil
}

// CopyTensor copies a tensor's values into dst (of the tensor's size),
// converting from the stored dtype to T.
func CopyTensor[T layers.Float](dst []T, t stfile.Tensor) {
	for i, v := range t.F32 {
		dst[i] = T(v)
	}
	for i, v := range t.F64 {
		dst[i] = T(v)
	}
}

// CheckFinite reports the first value of t that is NaN or infinite, as
// stored or once converted into dst (a float64 beyond float32's range
// becomes infinite), naming the file, the tensor and the index.
func CheckFinite[T layers.Float](name string, t stfile.Tensor, dst []T) error {
	for i, v := range dst {
		f := float64(v)
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			continue
		}
		stored := f
		if t.F64 != nil {
			stored = t.F64[i]
		} else if t.F32 != nil {
			stored = float64(t.F32[i])
		}
		if !math.IsNaN(stored) && !math.IsInf(stored, 0) {
			return fmt.Errorf("%s: tensor %q element %d is %g, beyond the range of %T", name, t.Name, i, stored, v)
		}
		return fmt.Errorf("%s: tensor %q element %d (of shape %v) is %v, expected a finite number", name, t.Name, i, t.Shape, stored)
	}
	return nil
}

// newUninitialized builds the network of spec with zero weights.
func newUninitialized[T layers.Float](spec Spec) (*Net[T], error) {
	return New[T](spec, nil)
}

// String describes the architecture: "784-512(swish)-10 softmax", or
// "784-512(bn,swish)-10 softmax dropout=0.5" with batch normalization and
// dropout.
func (s Spec) String() string { return s.kind().Describe(s) }
