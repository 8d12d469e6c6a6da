package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/pkg/layers"
)

// A Kind is what differs between model kinds (Spec.Kind) in the network:
// the layers New builds and the loss they train with, the target that
// loss takes, the model file's tensors and version, and the names of the
// layer outputs. Each kind is one file (classifier.go, autoencoder.go)
// and one entry of kinds; nothing else in the package asks which kind a
// network is.
//
// The target a kind's loss takes is its own: a classifier's is the class
// index of each row (layers.Target.Class), the autoencoder's the input
// itself (x), a regression's the float matrix layers.Target.Value: the
// kind's head reads the target it owns from the batch's layers.Target.
type Kind interface {
	// Name is the value of Spec.Kind.
	Name() string
	// Validate reports every problem of a spec of this kind.
	Validate(s Spec) []error
	// Dims are the widths of the layer outputs: input, ..., output.
	Dims(s Spec) []int
	// NumParams is the number of learnable scalars.
	NumParams(s Spec) int
	// TensorShapes lists the model file's tensors in state_dict order.
	TensorShapes(s Spec) []TensorShape
	// LayerNames names the layer outputs (see Spec.LayerNames).
	LayerNames(s Spec) []string
	// Describe is the architecture in one line (Spec.String).
	Describe(s Spec) string
	// FileVersion is the model-file version that records s; Versions
	// lists the versions of this kind a reader accepts.
	FileVersion(s Spec) string
	Versions() []string
}

// head is the per-element-type part of a kind inside a Net: the loss of
// the network's output against the kind's target, and the layer outputs.
type head[T layers.Float] interface {
	// loss is the data loss of the output out for the batch (x, t), mean
	// over the rows, with ∂loss/∂out written into d.
	loss(out, x *layers.Matrix[T], t layers.Target[T], d *layers.Matrix[T]) float64
	// output is the output of layer k ≥ 1 (see Spec.LayerNames) of a
	// forward pass on x.
	output(x *layers.Matrix[T], k int) *layers.Matrix[T]
}

// builder builds the network of a valid spec (see New).
type builder[T layers.Float] func(spec Spec, rng *rand.Rand) (*Net[T], error)

// kindEntry is a kind with its builders in float32 and float64.
type kindEntry struct {
	Kind
	new32 builder[float32]
	new64 builder[float64]
}

// kinds is the table of model kinds (set in init: the builders refer to
// it).
var kinds []kindEntry

func init() {
	kinds = []kindEntry{
		{classifier{}, newClassifier[float32], newClassifier[float64]},
		{autoencoder{}, newAutoencoder[float32], newAutoencoder[float64]},
		{sigmoidKind{multi: false}, newSigmoid[float32], newSigmoid[float64]},
		{sigmoidKind{multi: true}, newSigmoid[float32], newSigmoid[float64]},
		{regression{}, newRegression[float32], newRegression[float64]},
	}
}

// Kinds lists the names of the model kinds.
func Kinds() []string {
	var names []string
	for _, k := range kinds {
		names = append(names, k.Name())
	}
	return names
}

// KindOf returns the kind of s ("" is a classifier), or an error naming
// the kinds there are.
func KindOf(s Spec) (Kind, error) {
	name := s.Kind
	if name == "" {
		name = KindClassifier
	}
	for _, k := range kinds {
		if k.Name() == name {
			return k.Kind, nil
		}
	}
	return nil, fmt.Errorf("kind: unknown %q, want %s", s.Kind, strings.Join(Kinds(), " or "))
}

// kind is KindOf for a spec already validated (a classifier's methods
// describe one that is not).
func (s Spec) kind() Kind {
	if k, err := KindOf(s); err == nil {
		return k
	}
	return classifier{}
}

// build builds the network of a valid spec with its kind's builder.
func build[T layers.Float](spec Spec, rng *rand.Rand) (*Net[T], error) {
	name := spec.kind().Name()
	for _, k := range kinds {
		if k.Name() != name {
			continue
		}
		if b, ok := any(k.new32).(builder[T]); ok {
			return b(spec, rng)
		}
		return any(k.new64).(builder[T])(spec, rng)
	}
	panic("model: no builder for kind " + name)
}

// fileVersions lists the model-file versions a reader accepts, of every
// kind.
func fileVersions() []string {
	var vs []string
	for _, k := range kinds {
		for _, v := range k.Versions() {
			if !slices.Contains(vs, v) {
				vs = append(vs, v)
			}
		}
	}
	slices.Sort(vs)
	return vs
}
