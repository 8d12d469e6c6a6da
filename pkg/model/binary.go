package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/nnfc/nnfc/pkg/layers"
)

// The sigmoid kinds (issue 24): the classifier's fully connected layers
// with sigmoid outputs, trained with binary cross-entropy from the logits
// (layers.BCEWithLogits):
//
//   - KindBinary: one logit, the probability of the positive class (class
//     1 of Classes = 2); its target is the class index of each row.
//     ClassWeights, when set, weigh classes 0 and 1.
//   - KindMultilabel: one logit per label (Classes labels), each an
//     independent yes/no; its target is the 0/1 matrix of the labels.
//
// Both keep PosWeight (PyTorch's pos_weight, 1: none) and Threshold (the
// probability at or above which a label is predicted) in the spec, so the
// model file records them.
const (
	KindBinary     = "binary"
	KindMultilabel = "multilabel"
)

// sigmoidKind is the Kind of KindBinary (multi = false) and
// KindMultilabel (multi = true). Its layers, tensors and layer names are
// the classifier's, with Outputs logits.
type sigmoidKind struct {
	classifier
	multi bool
}

func (k sigmoidKind) Name() string {
	if k.multi {
		return KindMultilabel
	}
	return KindBinary
}

// outputs is the width of the last layer: 1 logit, or one per label.
func (k sigmoidKind) outputs(s Spec) int {
	if k.multi {
		return s.Classes
	}
	return 1
}

func (k sigmoidKind) Validate(s Spec) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	validateSequential(s, bad)
	if !k.multi && s.Classes != 2 {
		bad("classes: a binary model has 2 (negative, positive), got %d", s.Classes)
	}
	if k.multi && s.Classes < 1 {
		bad("classes: a multilabel model needs at least 1 label, got %d", s.Classes)
	}
	if s.Loss != LossBCE {
		bad("loss: a %s model's is %s, got %q", k.Name(), LossBCE, s.Loss)
	}
	if !(s.PosWeight > 0) || math.IsInf(s.PosWeight, 0) {
		bad("pos_weight: must be > 0, got %g", s.PosWeight)
	}
	if !(s.Threshold > 0 && s.Threshold < 1) {
		bad("threshold: must be in (0,1), got %g", s.Threshold)
	}
	if s.ClassWeights != nil && (k.multi || len(s.ClassWeights) != 2) {
		bad("class_weights: a binary model weighs its 2 classes, a multilabel one none; got %d", len(s.ClassWeights))
	}
	errs = append(errs, checkClassWeights(s.ClassWeights)...)
	return errs
}

// LossBCE is the loss of the sigmoid kinds.
const LossBCE = "bce"

// checkClassWeights reports class weights that are not finite and > 0.
func checkClassWeights(w []float64) []error {
	var errs []error
	for c, v := range w {
		if !(v > 0) || math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("class_weights[%d]: must be > 0, got %g", c, v))
		}
	}
	return errs
}

func (k sigmoidKind) Dims(s Spec) []int {
	return append(append([]int{s.embedWidth()}, s.Hidden...), k.outputs(s))
}

func (k sigmoidKind) LayerNames(s Spec) []string {
	names := k.classifier.LayerNames(s)
	names[len(names)-1] = "logits"
	return names
}

func (k sigmoidKind) Describe(s Spec) string {
	out := strconv.Itoa(s.InputDim)
	bn := ""
	if s.BatchNorm {
		bn = "bn,"
	}
	for i, h := range s.Hidden {
		out += fmt.Sprintf("-%d(%s%s)", h, bn, s.Activations[i])
	}
	out = fmt.Sprintf("%s-%d sigmoid %s", out, k.outputs(s), k.Name())
	if s.PosWeight != 1 {
		out += fmt.Sprintf(" pos_weight=%g", s.PosWeight)
	}
	out += fmt.Sprintf(" threshold=%g", s.Threshold)
	if s.Dropout > 0 {
		out += fmt.Sprintf(" dropout=%g", s.Dropout)
	}
	return out
}

// Model-file versions of the sigmoid kinds: a reader that does not know
// the kind refuses the file instead of reading a classifier.
const (
	fileVersionBinary     = "5"
	fileVersionMultilabel = "6"
)

func (k sigmoidKind) FileVersion(Spec) string {
	if k.multi {
		return fileVersionMultilabel
	}
	return fileVersionBinary
}

func (k sigmoidKind) Versions() []string { return []string{k.FileVersion(Spec{})} }

// newSigmoid builds the network of a valid binary or multilabel spec: the
// sequential layers (Dims gives the output width), binary cross-entropy
// from the logits as its loss.
func newSigmoid[T layers.Float](spec Spec, rng *rand.Rand) (*Net[T], error) {
	n, err := newSequential(spec, rng, layers.Loss[T](layers.BCEWithLogits[T]{PosWeight: T(spec.PosWeight), ClassWeight: toT[T](spec.ClassWeights)}))
	if err != nil {
		return nil, err
	}
	n.head = sigmoidHead[T]{classifierHead[T]{n}}
	return n, nil
}

// sigmoidHead is a sigmoid kind's part of a Net: the classifier's loss
// call and layer outputs; its probabilities are sigmoids of the logits.
type sigmoidHead[T layers.Float] struct{ classifierHead[T] }

// probs: binary, [1 − σ(z), σ(z)] (the two classes' probabilities, as a
// classifier's); multilabel, σ(z_j) of each label.
func (h sigmoidHead[T]) probs(scores, probs *layers.Matrix[T]) {
	if h.n.Spec.Kind == KindMultilabel {
		probs.Resize(scores.Rows, scores.Cols)
		layers.SigmoidProbs(scores, probs)
		return
	}
	probs.Resize(scores.Rows, 2)
	for i := 0; i < scores.Rows; i++ {
		p := probs.Row(i)
		layers.SigmoidProbs(&layers.Matrix[T]{Rows: 1, Cols: 1, Data: scores.Row(i)}, &layers.Matrix[T]{Rows: 1, Cols: 1, Data: p[1:]})
		p[0] = 1 - p[1]
	}
}

// decide: the positive class (1) where its probability reaches the
// threshold (binary); for multilabel, whether the first label does (use
// the probabilities for every label).
func (h sigmoidHead[T]) decide(probs *layers.Matrix[T], pred []int32) {
	col := 1
	if h.n.Spec.Kind == KindMultilabel {
		col = 0
	}
	for i := range pred {
		pred[i] = 0
		if float64(probs.Row(i)[col]) >= h.n.Spec.Threshold {
			pred[i] = 1
		}
	}
}

// toT converts weights to the network's element type (nil stays nil).
func toT[T layers.Float](w []float64) []T {
	if w == nil {
		return nil
	}
	out := make([]T, len(w))
	for i, v := range w {
		out[i] = T(v)
	}
	return out
}
