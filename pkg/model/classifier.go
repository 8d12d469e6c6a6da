package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

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
	validateSequential(s, bad)
	if s.Classes < 2 {
		bad("classes: must be ≥ 2, got %d", s.Classes)
	}
	if !slices.Contains(layers.Losses, s.Loss) {
		bad("loss: unknown %q, want one of %v", s.Loss, layers.Losses)
	}
	if s.ClassWeights != nil && (len(s.ClassWeights) != s.Classes || s.Loss != "softmax") {
		bad("class_weights: %d, expected one per class (%d) with loss softmax (%s)", len(s.ClassWeights), s.Classes, s.Loss)
	}
	if s.ClassWeights != nil && s.LabelSmoothing > 0 {
		bad("class_weights: not with label_smoothing (%g)", s.LabelSmoothing)
	}
	errs = append(errs, checkClassWeights(s.ClassWeights)...)
	if s.PosWeight != 0 || s.Threshold != 0 {
		bad("pos_weight, threshold: apply to the binary and multilabel kinds only")
	}
	return errs
}

// validateSequential reports the problems of the layers of a sequential
// network (newSequential), whatever its output and loss.
func validateSequential(s Spec, bad func(format string, a ...any)) {
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
	if !(s.LabelSmoothing >= 0 && s.LabelSmoothing <= 1) {
		bad("label_smoothing: must be in [0,1], got %g", s.LabelSmoothing)
	} else if s.LabelSmoothing > 0 && s.Loss != "softmax" {
		bad("label_smoothing: applies to the softmax loss, not %s", s.Loss)
	}
	for _, e := range s.validateEmbed() {
		bad("%v", e)
	}
	if len(s.Hidden) == 0 {
		if s.BatchNorm {
			bad("batchnorm: applies to hidden layers, and there are none")
		}
		if s.Dropout > 0 {
			bad("dropout: applies to hidden layers, and there are none")
		}
	}
}

// Dims: the first is the first affine layer's input, after the
// embedding tables (Spec.Embed).
func (classifier) Dims(s Spec) []int {
	return append(append([]int{s.embedWidth()}, s.Hidden...), s.Classes)
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
	for _, c := range s.Embed {
		n += c.Vocab * c.Dim
	}
	return n
}

func (classifier) TensorShapes(s Spec) []TensorShape {
	var ts []TensorShape
	for k, c := range s.Embed {
		ts = append(ts, TensorShape{fmt.Sprintf("embed.%d.weight", k), []int{c.Vocab, c.Dim}})
	}
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
	d := s.Dims()
	out = fmt.Sprintf("%s-%d %s", out, d[len(d)-1], s.Loss)
	if s.HuberDelta != 0 {
		out += fmt.Sprintf("(delta=%g)", s.HuberDelta)
	}
	if s.Dropout > 0 {
		out += fmt.Sprintf(" dropout=%g", s.Dropout)
	}
	if s.LabelSmoothing > 0 {
		out += fmt.Sprintf(" label_smoothing=%g", s.LabelSmoothing)
	}
	if len(s.Embed) > 0 {
		var es []string
		for _, c := range s.Embed {
			es = append(es, fmt.Sprintf("input %d: %d×%d", c.Col, c.Vocab, c.Dim))
		}
		out += fmt.Sprintf(", embedding %s (first affine %d wide)", strings.Join(es, ", "), s.embedWidth())
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
	// fileVersionEmbed marks a file whose spec has embedding tables
	// (Spec.Embed): a version-2 reader would ignore them and build a
	// network of another input width.
	fileVersionEmbed = "3"
)

func (classifier) FileVersion(s Spec) string {
	if len(s.Embed) > 0 {
		return fileVersionEmbed
	}
	if s.BatchNorm || s.Dropout > 0 {
		return fileVersionRegularized
	}
	return fileVersion
}

func (classifier) Versions() []string {
	return []string{fileVersion, fileVersionRegularized, fileVersionEmbed}
}

// newClassifier builds the network a valid classifier spec describes (see
// New).
func newClassifier[T layers.Float](spec Spec, rng *rand.Rand) (*Net[T], error) {
	loss, err := layers.NewLoss[T](spec.Loss)
	if err != nil {
		return nil, err
	}
	if spec.ClassWeights != nil {
		loss = layers.SoftmaxCrossEntropyWeighted[T]{ClassWeight: toT[T](spec.ClassWeights)}
	}
	if spec.LabelSmoothing > 0 {
		loss = layers.SmoothedSoftmaxCrossEntropy[T]{Eps: spec.LabelSmoothing}
	}
	return newSequential(spec, rng, loss)
}

// newSequential builds the sequential network of spec's Dims (affine
// stages with batch normalization, activation and dropout between them,
// a linear output) trained with loss: a classifier's or a regression's.
func newSequential[T layers.Float](spec Spec, rng *rand.Rand, loss layers.Loss[T]) (*Net[T], error) {
	n := &Net[T]{Spec: spec, dscores: &layers.Matrix[T]{}}
	if len(spec.Embed) > 0 {
		n.Embedding = layers.NewEmbedding[T]("", spec.InputDim, spec.Embed)
		n.Embedding.SkipInputGrad = true
		n.Layers = append(n.Layers, n.Embedding)
	}
	dims := spec.Dims()
	// Affine, batch normalization, activation and dropout are numbered
	// as nn.Sequential numbers its modules, the embedding aside.
	first := len(n.Layers)
	prefix := func() string { return fmt.Sprintf("%d.", len(n.Layers)-first) }
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
	if n.Embedding != nil && rng != nil {
		// N(0, 1), as PyTorch's nn.Embedding: rows on the scale of the
		// standardized numeric inputs beside them.
		for _, t := range n.Embedding.Tables {
			for i := range t.Data {
				t.Data[i] = T(rng.NormFloat64())
			}
		}
	}
	var seed uint64
	if rng != nil && len(n.Dropout) > 0 {
		seed = rng.Uint64()
	}
	n.SeedDropout(seed)
	// The first layer's input gradient is of no use: the input's, or the
	// embedding's (whose dx the first affine computes for its tables).
	n.Affine[0].SkipInputGrad = n.Embedding == nil
	n.loss = loss
	n.head = classifierHead[T]{n}
	n.flatten()
	n.fuse()
	return n, nil
}

// classifierHead is a classifier's part of a Net: Spec.Loss against the
// class indices, and the outputs of its affine stages.
type classifierHead[T layers.Float] struct{ n *Net[T] }

func (h classifierHead[T]) loss(out, _ *layers.Matrix[T], t layers.Target[T], d *layers.Matrix[T]) float64 {
	return h.n.loss.Loss(out, t, d)
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
