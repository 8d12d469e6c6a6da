package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/nnfc/nnfc/internal/stfile"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Metadata keys of an nnfc model file.
const (
	MetaFormat     = "format" // "pt": PyTorch state_dict layout
	MetaSpec       = "nnfc.spec"
	MetaNormalizer = "nnfc.normalizer"
	MetaVersion    = "nnfc.version"
	fileVersion    = "1"
	// fileVersionRegularized marks a file whose spec uses batchnorm or
	// dropout, fields a version-1 reader would silently ignore (and then
	// build a different network): it refuses the file instead.
	fileVersionRegularized = "2"
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
	version := fileVersion
	if spec.BatchNorm || spec.Dropout > 0 {
		version = fileVersionRegularized
	}
	meta := map[string]string{MetaFormat: "pt", MetaSpec: string(s), MetaVersion: version}
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
func Load[T layers.Float](path string) (*Net[T], *data.Normalizer, error) {
	tensors, meta, err := stfile.Read(path)
	if err != nil {
		return nil, nil, err
	}
	return FromTensors[T](path, tensors, meta, "")
}

// FromTensors builds a network from a model file's tensors and metadata;
// name is used in errors. Tensors whose names start with prefix are the
// parameters; others are ignored.
func FromTensors[T layers.Float](name string, tensors []stfile.Tensor, meta map[string]string, prefix string) (*Net[T], *data.Normalizer, error) {
	raw, ok := meta[MetaSpec]
	if !ok {
		return nil, nil, fmt.Errorf("%s: not an nnfc model file (no %q metadata)", name, MetaSpec)
	}
	if v := meta[MetaVersion]; v != fileVersion && v != fileVersionRegularized {
		return nil, nil, fmt.Errorf("%s: model file version %q, this nnfc reads versions %s and %s", name, v, fileVersion, fileVersionRegularized)
	}
	var spec Spec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return nil, nil, fmt.Errorf("%s: metadata %s is not valid JSON: %v", name, MetaSpec, err)
	}
	if err := spec.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: invalid spec in metadata: %v", name, err)
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
		return nil
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

// newUninitialized builds the network of spec with zero weights.
func newUninitialized[T layers.Float](spec Spec) (*Net[T], error) {
	return New[T](spec, nil)
}

// String describes the architecture: "784-512(swish)-10 softmax", or
// "784-512(bn,swish)-10 softmax dropout=0.5" with batch normalization and
// dropout.
func (s Spec) String() string {
	out := strconv.Itoa(s.InputDim)
	bn := ""
	if s.BatchNorm {
		bn = "bn,"
	}
	for i, h := range s.Hidden {
		out += fmt.Sprintf("-%d(%s%s)", h, bn, s.Activations[i])
	}
	out = fmt.Sprintf("%s-%d %s", out, s.Classes, s.Loss)
	if s.Dropout > 0 {
		out += fmt.Sprintf(" dropout=%g", s.Dropout)
	}
	return out
}
