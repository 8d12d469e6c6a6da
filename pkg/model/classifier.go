package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/nnfc/nnfc/pkg/layers"
)

// KindClassifier is the default kind ("" means the same): a sequential
// fully connected network whose output is one score per class, trained
// with Spec.Loss (softmax, svm, mse on one-hot) against the class index of
// each row.
const KindClassifier = "classifier"

// classifier is the Kind of the fully connected classifier.
type classifier struct{}

func (classifier) Name() string { return KindClassifier }

func (classifier) Validate(s Spec) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.InputDim <= 0 {
		bad("input_dim: must be > 0, got %d", s.InputDim)
	}
	if len(s.Hidden) > MaxHidden {
		bad("hidden: %d layers, at most %d are allowed", len(s.Hidden), MaxHidden)
	}
	for i, h := range s.Hidden[:min(len(s.Hidden), MaxHidden)] {
		if h <= 0 {
			bad("hidden[%d]: must be > 0, got %d", i, h)
		}
	}
	if len(s.Activations) != len(s.Hidden) {
		bad("activations: need one per hidden layer (%d), got %d", len(s.Hidden), len(s.Activations))
	}
	for i, a := range s.Activations[:min(len(s.Activations), MaxHidden)] {
		if !slices.Contains(layers.Activations, a) {
			bad("activations[%d]: unknown %q, want one of %v", i, a, layers.Activations)
		}
	}
	if s.Classes < 2 {
		bad("classes: must be ≥ 2, got %d", s.Classes)
	}
	if !slices.Contains(layers.Losses, s.Loss) {
		bad("loss: unknown %q, want one of %v", s.Loss, layers.Losses)
	}
	if !slices.Contains(layers.Inits, s.Init) {
		bad("init: unknown %q, want one of %v", s.Init, layers.Inits)
	}
	if s.Init == layers.InitNormal && !(s.WeightScale > 0) {
		bad("weight_scale: must be > 0 with init normal, got %g", s.WeightScale)
	}
	if !(s.Reg >= 0) {
		bad("reg: must be ≥ 0, got %g", s.Reg)
	}
	if s.LeakyAlpha < 0 || s.LeakyAlpha >= 1 {
		bad("leaky_alpha: must be in [0,1), got %g", s.LeakyAlpha)
	}
	if !(s.Dropout >= 0 && s.Dropout < 1) {
		bad("dropout: must be in [0,1), got %g", s.Dropout)
	}
	if s.ClassWeights != nil && (len(s.ClassWeights) != s.Classes || s.Loss != "softmax") {
		bad("class_weights: %d, expected one per class (%d) with loss softmax (%s)", len(s.ClassWeights), s.Classes, s.Loss)
	}
	errs = append(errs, checkClassWeights(s.ClassWeights)...)
	if s.Kind == KindClassifier || s.Kind == "" {
		if s.PosWeight != 0 || s.Threshold != 0 {
			bad("pos_weight, threshold: apply to the binary and multilabel kinds only")
		}
	}
	if len(s.Hidden) == 0 {
		if s.BatchNorm {
			bad("batchnorm: applies to hidden layers, and there are none")
		}
		if s.Dropout > 0 {
			bad("dropout: applies to hidden layers, and there are none")
		}
	}
	return errs
}

func (classifier) Dims(s Spec) []int {
	return append(append([]int{s.InputDim}, s.Hidden...), s.Classes)
}

func (classifier) NumParams(s Spec) int {
	d := s.Dims()
	n := 0
	for i := 0; i+1 < len(d); i++ {
		n += d[i]*d[i+1] + d[i+1]
	}
	if s.BatchNorm {
		for _, h := range s.Hidden {
			n += 2 * h // γ and β
		}
	}
	return n
}

func (classifier) TensorShapes(s Spec) []TensorShape {
	var ts []TensorShape
	dims := s.Dims()
	k := 0 // module index, as nn.Sequential numbers them
	for i := 0; i+1 < len(dims); i++ {
		p := strconv.Itoa(k) + "."
		ts = append(ts, TensorShape{p + "weight", []int{dims[i+1], dims[i]}}, TensorShape{p + "bias", []int{dims[i+1]}})
		k++
		if i < len(s.Hidden) {
			if s.BatchNorm {
				p := strconv.Itoa(k) + "."
				for _, n := range []string{"weight", "bias", "running_mean", "running_var"} {
					ts = append(ts, TensorShape{p + n, []int{dims[i+1]}})
				}
				k++
			}
			k++ // activation
			if s.Dropout > 0 {
				k++
			}
		}
	}
	return ts
}

func (classifier) LayerNames(s Spec) []string {
	names := []string{"input"}
	for i := range s.Hidden {
		names = append(names, fmt.Sprintf("h%d", i+1))
	}
	return append(names, "scores")
}

func (classifier) Describe(s Spec) string {
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

// Model-file versions of a classifier.
const (
	fileVersion = "1"
	// fileVersionRegularized marks a file whose spec uses batchnorm or
	// dropout, fields a version-1 reader would silently ignore (and then
	// build a different network): it refuses the file instead.
	fileVersionRegularized = "2"
)

func (classifier) FileVersion(s Spec) string {
	if s.BatchNorm || s.Dropout > 0 {
		return fileVersionRegularized
	}
	return fileVersion
}

func (classifier) Versions() []string { return []string{fileVersion, fileVersionRegularized} }

// newClassifier builds the network a valid classifier spec describes (see
// New).
func newClassifier[T layers.Float](spec Spec, rng *rand.Rand) (*Net[T], error) {
	n := &Net[T]{Spec: spec, dscores: &layers.Matrix[T]{}}
	dims := spec.Dims()
	prefix := func() string { return fmt.Sprintf("%d.", len(n.Layers)) }
	for i := 0; i+1 < len(dims); i++ {
		a := layers.NewAffine[T](prefix(), dims[i], dims[i+1])
		if rng != nil {
			if err := layers.InitAffine(a, spec.Init, spec.WeightScale, rng); err != nil {
				return nil, err
			}
		}
		n.Layers = append(n.Layers, a)
		n.Affine = append(n.Affine, a)
		if i < len(spec.Hidden) {
			if spec.BatchNorm {
				bn := layers.NewBatchNorm[T](prefix(), dims[i+1])
				n.Layers = append(n.Layers, bn)
				n.BatchNorm = append(n.BatchNorm, bn)
			}
			act, err := layers.NewActivation[T](spec.Activations[i], spec.LeakyAlpha)
			if err != nil {
				return nil, err
			}
			n.Layers = append(n.Layers, act)
			if spec.Dropout > 0 {
				d := layers.NewDropout[T](spec.Dropout, 0)
				n.Layers = append(n.Layers, d)
				n.Dropout = append(n.Dropout, d)
			}
		}
	}
	var seed uint64
	if rng != nil && len(n.Dropout) > 0 {
		seed = rng.Uint64()
	}
	n.SeedDropout(seed)
	n.Affine[0].SkipInputGrad = true
	loss, err := layers.NewLoss[T](spec.Loss)
	if err != nil {
		return nil, err
	}
	n.loss = loss
	if spec.ClassWeights != nil {
		n.loss = layers.SoftmaxCrossEntropyWeighted[T]{ClassWeight: toT[T](spec.ClassWeights)}
	}
	n.head = classifierHead[T]{n}
	n.flatten()
	n.fuse()
	return n, nil
}

// classifierHead is a classifier's part of a Net: Spec.Loss against the
// class indices, and the outputs of its affine stages.
type classifierHead[T layers.Float] struct{ n *Net[T] }

func (h classifierHead[T]) loss(out, _ *layers.Matrix[T], y []int32, d *layers.Matrix[T]) float64 {
	return h.n.loss.Loss(out, y, d)
}

// output is the input of affine layer k (after the previous stage's
// activation, batch normalization and dropout), or the scores.
func (c classifierHead[T]) output(x *layers.Matrix[T], k int) *layers.Matrix[T] {
	affine := 0
	h := x
	for _, l := range c.n.Layers {
		if _, ok := l.(*layers.Affine[T]); ok {
			if affine == k {
				return h
			}
			affine++
		}
		h = l.Forward(h)
	}
	return h
}
