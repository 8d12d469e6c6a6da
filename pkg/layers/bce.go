package layers

import (
	"fmt"
	"math"
)

// BCEWithLogits is binary cross-entropy computed from the logits: one
// independent sigmoid per output column (the binary task has one column,
// a multi-label task one per label). For a logit z and a target y in
// [0, 1] (0 or 1 in practice), with p = PosWeight,
//
//	ℓ(z, y) = −[p·y·log σ(z) + (1−y)·log(1 − σ(z))]
//	        = p·y·softplus(−z) + (1−y)·softplus(z),
//
// and softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), which never
// overflows and never takes the log of a probability that rounded to 0
// (for p = 1: ℓ = max(z, 0) − z·y + log1p(e^(−|z|))). This is PyTorch's
// nn.BCEWithLogitsLoss(pos_weight=p).
//
// The batch loss is the weighted mean over rows of the mean over the k
// columns:
//
//	L = Σ_i c_i Σ_j ℓ_ij / (k · Σ_i c_i),   c_i = w_i · ClassWeight[y_i],
//
// with w_i the row's sample weight (1 when there are none) and
// ClassWeight (binary only; nil: 1) the weight of the row's class. With
// no weights that is the mean over the N·k entries, PyTorch's
// reduction='mean'; with weights it is the weighted mean (PyTorch's
// reduction='none', multiplied by c and divided by k·Σc), the same
// normalisation as the weighted softmax cross-entropy. A batch whose
// weights sum to 0 has loss 0 and gradient 0.
type BCEWithLogits[T Float] struct {
	PosWeight   T   // 1: none
	ClassWeight []T // nil, or the weights of class 0 (negative) and 1 (positive)
}

// bceTerm is ℓ(z, y) with pos_weight p and its derivative
//
//	∂ℓ/∂z = σ(z)·(p·y + 1 − y) − p·y
//
// (for p = 1: σ(z) − y), from the forward's softplus terms:
// ∂softplus(z)/∂z = σ(z), ∂softplus(−z)/∂z = σ(z) − 1.
func bceTerm(z, y, p float64) (l, dz float64) {
	e := math.Exp(-math.Abs(z)) // in (0, 1]: no overflow
	lp := math.Log1p(e)
	spPos := max(z, 0) + lp  // softplus(z)
	spNeg := max(-z, 0) + lp // softplus(−z)
	l = p*y*spNeg + (1-y)*spPos
	s := 1 / (1 + e) // σ(|z|)
	if z < 0 {
		s = e / (1 + e) // σ(z) = 1 − σ(|z|), without the cancellation
	}
	return l, s*(p*y+1-y) - p*y
}

// SigmoidProbs writes σ(z) of every entry of scores into probs (same
// shape): the probabilities of a sigmoid output's logits.
func SigmoidProbs[T Float](scores, probs *Matrix[T]) {
	for k, z := range scores.Data {
		probs.Data[k] = sigmoid(z)
	}
}

// LossOf is the loss of scores (N×k logits) against targets: with value
// nil, the class of each row (0 or 1, k = 1: the binary task), else the
// N×k matrix value (0/1 per label: the multi-label task). weight holds a
// sample weight per row (nil: 1). ∂L/∂scores is written into dscores.
func (b BCEWithLogits[T]) LossOf(scores *Matrix[T], class []int32, value *Matrix[T], weight []T, dscores *Matrix[T]) float64 {
	n, k := scores.Rows, scores.Cols
	if dscores.Rows != n || dscores.Cols != k || (value == nil && (k != 1 || len(class) != n)) ||
		(value != nil && (value.Rows != n || value.Cols != k)) || (weight != nil && len(weight) != n) {
		panic(fmt.Sprintf("layers: bce shapes: scores %d×%d, %d classes, value %v, %d weights, dscores %d×%d",
			n, k, len(class), value != nil, len(weight), dscores.Rows, dscores.Cols))
	}
	if b.ClassWeight != nil && (len(b.ClassWeight) != 2 || value != nil) {
		panic("layers: bce class weights are two, for a binary target")
	}
	p := float64(b.PosWeight)
	// classOf is row i's 0/1 class of a binary target (0 for labels, whose
	// rows have no class weight).
	classOf := func(i int) int {
		if value != nil {
			return 0
		}
		return label("bce", class[i], 2)
	}
	// c_i, the row's weight; its sum normalises.
	var sumC float64
	for i := 0; i < n; i++ {
		sumC += rowClassWeight(weight, b.ClassWeight, i, classOf(i))
	}
	if sumC == 0 {
		clear(dscores.Data)
		return 0
	}
	inv := 1 / (float64(k) * sumC)
	var total float64
	for i := 0; i < n; i++ {
		yc := classOf(i)
		ci := rowClassWeight(weight, b.ClassWeight, i, yc)
		z, d := scores.Row(i), dscores.Row(i)
		for j := range z {
			y := float64(yc)
			if value != nil {
				y = float64(value.Row(i)[j])
			}
			l, dz := bceTerm(float64(z[j]), y, p)
			total += ci * l
			d[j] = T(ci * dz * inv)
		}
	}
	return total * inv
}

// SoftmaxCrossEntropyWeighted is the softmax cross-entropy with a weight
// per class and per row, as PyTorch's nn.CrossEntropyLoss(weight=w) with
// reduction='mean' defines it for class weights:
//
//	L = Σ_i c_i·ℓ_i / Σ_i c_i,   ℓ_i = −log softmax(s_i)[y_i],
//	c_i = w_i · ClassWeight[y_i],
//
// with w_i the row's sample weight (1 when there are none): the sample
// weights multiply each row's class weight, and the mean is taken over
// the combined weights. A batch whose weights sum to 0 has loss 0 and
// gradient 0 (PyTorch returns NaN there).
type SoftmaxCrossEntropyWeighted[T Float] struct {
	ClassWeight []T // nil: 1 for every class
}

// LossOf is the loss of scores (N×C) against the classes y, with weight a
// sample weight per row (nil: 1). With p = softmax(s):
//
//	∂L/∂s_ij = c_i·(p_ij − 1{j = y_i}) / Σc,
//
// the unweighted gradient of each row scaled by its share of the weight.
func (l SoftmaxCrossEntropyWeighted[T]) LossOf(scores *Matrix[T], y []int32, weight []T, dscores *Matrix[T]) float64 {
	checkLoss("softmax", scores, Target[T]{Class: y}, dscores)
	n, cls := scores.Rows, scores.Cols
	if weight != nil && len(weight) != n || l.ClassWeight != nil && len(l.ClassWeight) != cls {
		panic(fmt.Sprintf("layers: weighted softmax: %d rows with %d weights, %d classes with %d weights", n, len(weight), cls, len(l.ClassWeight)))
	}
	var sumC float64
	for i := 0; i < n; i++ {
		sumC += rowClassWeight(weight, l.ClassWeight, i, label("softmax", y[i], cls))
	}
	if sumC == 0 {
		clear(dscores.Data)
		return 0
	}
	inv := 1 / sumC
	var total float64
	for i := 0; i < n; i++ {
		s, d := scores.Row(i), dscores.Row(i)
		yi := label("softmax", y[i], cls)
		ci := rowClassWeight(weight, l.ClassWeight, i, yi)
		m, sum := expShifted(s, d)
		total += ci * (math.Log(sum) - float64(s[yi]-m))
		scale := T(ci * inv / sum)
		for j := range d {
			d[j] *= scale
		}
		d[yi] -= T(ci * inv)
	}
	return total * inv
}

// Loss is LossOf of the batch's target: its classes (binary) or its 0/1
// matrix Value (multi-label), and its weights.
func (b BCEWithLogits[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	return b.LossOf(scores, t.Class, t.Value, t.Weight, dscores)
}

// Loss is LossOf of the batch's classes and weights.
func (l SoftmaxCrossEntropyWeighted[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	return l.LossOf(scores, t.Class, t.Weight, dscores)
}

// rowClassWeight is row i's weight c_i = w_i·classWeight[y] of a loss
// with sample weights weight (nil: w_i = 1) and class weights
// classWeight (nil: 1), y the row's class.
func rowClassWeight[T Float](weight, classWeight []T, i, y int) float64 {
	w := 1.0
	if weight != nil {
		w = float64(weight[i])
	}
	if classWeight != nil {
		w *= float64(classWeight[y])
	}
	return w
}
