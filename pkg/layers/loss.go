package layers

import (
	"fmt"
	"math"
)

// Loss turns a network's output (N×C) and the batch's target into the
// mean loss over the batch and writes ∂loss/∂scores into dscores (N×C),
// in one pass over the scores. Each loss owns its target type: it reads
// the field of Target it is defined on (a class loss t.Class, a
// regression loss t.Value) and says what it does with t.Weight.
type Loss[T Float] interface {
	Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64
}

// Target is the target of a batch of N rows, passed by value (no
// allocation). A loss reads the fields it owns; the others may be nil.
type Target[T Float] struct {
	// Class is the class index of each row (N, each in [0, C)): the
	// target of softmax, svm and mse-on-one-hot.
	Class []int32
	// Value is the float target of each row (N×K): the numbers a
	// regression predicts, or a multi-label task's 0/1 labels.
	Value *Matrix[T]
	// Weight is each row's sample weight (N); nil means every row
	// weighs 1. A loss that takes weights normalises by Σw (PyTorch's
	// reduction='mean' with weights); one that does not panics when
	// given them (a programmer error: the task checks the config).
	Weight []T
}

// Classes is the target of a batch of class indices y, unweighted.
func Classes[T Float](y []int32) Target[T] { return Target[T]{Class: y} }

// NewLoss returns the loss called name: softmax, svm or mse.
func NewLoss[T Float](name string) (Loss[T], error) {
	switch name {
	case "softmax":
		return SoftmaxCrossEntropy[T]{}, nil
	case "svm":
		return Hinge[T]{Margin: 1}, nil
	case "mse":
		return MSE[T]{}, nil
	}
	return nil, fmt.Errorf("unknown loss %q (want softmax, svm or mse)", name)
}

// Losses lists the names NewLoss accepts.
var Losses = []string{"softmax", "svm", "mse"}

// checkLoss checks the shapes of a class loss's arguments and returns its
// labels; a class loss takes no sample weights (yet).
func checkLoss[T Float](loss string, scores *Matrix[T], t Target[T], dscores *Matrix[T]) []int32 {
	y := t.Class
	if len(y) != scores.Rows || dscores.Rows != scores.Rows || dscores.Cols != scores.Cols {
		panic(fmt.Sprintf("layers: loss shapes: scores %d×%d, %d labels, dscores %d×%d",
			scores.Rows, scores.Cols, len(y), dscores.Rows, dscores.Cols))
	}
	if t.Weight != nil {
		panic(fmt.Sprintf("layers: %s loss takes no sample weights", loss))
	}
	return y
}

// label returns y as an index into c classes; a label out of range is a
// programmer error here (the data readers check labels).
func label(loss string, y int32, c int) int {
	if y < 0 || int(y) >= c {
		panic(fmt.Sprintf("layers: %s label %d out of range [0,%d)", loss, y, c))
	}
	return int(y)
}

// SoftmaxCrossEntropy is L = (1/N) Σ_i −log softmax(s_i)[y_i], computed as
// log-sum-exp minus the true score, with the row maximum subtracted: it
// never takes the log of a probability that may have underflowed to 0.
type SoftmaxCrossEntropy[T Float] struct{}

// Loss: with p = softmax(s), ∂L/∂s_ij = (p_ij − 1{j = y_i}) / N.
//
// With sample weights (t.Weight) it is SoftmaxCrossEntropyWeighted's
// mean over the weights.
func (SoftmaxCrossEntropy[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	if t.Weight != nil {
		return SoftmaxCrossEntropyWeighted[T]{}.LossOf(scores, t.Class, t.Weight, dscores)
	}
	y := checkLoss("softmax", scores, t, dscores)
	n, c := scores.Rows, scores.Cols
	inv := 1 / float64(n)
	var total float64
	for i := 0; i < n; i++ {
		s, d := scores.Row(i), dscores.Row(i)
		yi := label("softmax", y[i], c)
		m, sum := expShifted(s, d)
		total += math.Log(sum) - float64(s[yi]-m)
		scale := T(inv / sum)
		for j := range d {
			d[j] *= scale
		}
		d[yi] -= T(inv)
	}
	return total * inv
}

// Softmax writes the row-wise softmax of scores into probs (same shape).
func Softmax[T Float](scores, probs *Matrix[T]) {
	for i := 0; i < scores.Rows; i++ {
		p := probs.Row(i)
		_, sum := expShifted(scores.Row(i), p)
		for j := range p {
			p[j] = T(float64(p[j]) / sum)
		}
	}
}

// expShifted writes e^(s_j − m) into e, where m = max_j s_j, and returns m
// and Σ_j e^(s_j − m) ≥ 1: the log-sum-exp of s is m + log(sum), and no
// exponent overflows.
func expShifted[T Float](s, e []T) (m T, sum float64) {
	m = s[0]
	for _, v := range s[1:] {
		m = max(m, v)
	}
	for j, v := range s {
		x := math.Exp(float64(v - m))
		e[j] = T(x)
		sum += x
	}
	return m, sum
}

// Hinge is the multiclass SVM loss of the course:
// L = (1/N) Σ_i Σ_{j≠y_i} max(0, s_ij − s_iy_i + Margin).
type Hinge[T Float] struct{ Margin T }

// Loss: each positive margin adds 1/N to ∂L/∂s_ij and −1/N to ∂L/∂s_iy_i.
func (h Hinge[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	y := checkLoss("svm", scores, t, dscores)
	n := scores.Rows
	inv := T(1 / float64(n))
	var total float64
	for i := 0; i < n; i++ {
		s, d := scores.Row(i), dscores.Row(i)
		yi := label("svm", y[i], len(s))
		sy := s[yi]
		var count T
		for j, v := range s {
			d[j] = 0
			if j == yi {
				continue
			}
			if m := v - sy + h.Margin; m > 0 {
				total += float64(m)
				d[j] = inv
				count++
			}
		}
		d[yi] = -count * inv
	}
	return total / float64(n)
}

// MSE is the mean squared error against one-hot targets:
// L = (1/2N) Σ_i Σ_j (s_ij − 1{j = y_i})².
type MSE[T Float] struct{}

// Loss: ∂L/∂s_ij = (s_ij − 1{j = y_i}) / N.
func (MSE[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	y := checkLoss("mse", scores, t, dscores)
	n := scores.Rows
	inv := T(1 / float64(n))
	var total float64
	for i := 0; i < n; i++ {
		s, d := scores.Row(i), dscores.Row(i)
		yi := label("mse", y[i], len(s))
		for j, v := range s {
			r := v
			if j == yi {
				r--
			}
			total += float64(r) * float64(r)
			d[j] = r * inv
		}
	}
	return total / (2 * float64(n))
}
