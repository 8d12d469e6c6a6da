package metrics

import (
	"fmt"
	"math"
)

// weight is row i's weight: w[i], or 1 when w is nil.
func weight(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

func checkLen(fn string, n int, w []float64) {
	if w != nil && len(w) != n {
		panic(fmt.Sprintf("metrics: %s: %d weights for %d rows", fn, len(w), n))
	}
}

// Accuracy is the weighted fraction of rows whose predicted class pred[i]
// is the label y[i] (sklearn accuracy_score); NaN without rows.
func Accuracy(y, pred []int32, w []float64) float64 {
	checkLen("Accuracy", len(y), w)
	var right, total float64
	for i := range y {
		wi := weight(w, i)
		total += wi
		if pred[i] == y[i] {
			right += wi
		}
	}
	if total == 0 {
		return math.NaN()
	}
	return right / total
}

// Confusion returns the k×k matrix whose entry [i][j] is the weight of
// the rows of label i predicted as class j.
func Confusion(y, pred []int32, k int, w []float64) [][]float64 {
	checkLen("Confusion", len(y), w)
	c := NewConfusion(k)
	AddConfusion(c, y, pred, w)
	return c
}

// NewConfusion returns a zero k×k confusion matrix.
func NewConfusion(k int) [][]float64 {
	c := make([][]float64, k)
	for i := range c {
		c[i] = make([]float64, k)
	}
	return c
}

// AddConfusion adds the rows (y, pred, w) to the confusion matrix c, for
// a matrix accumulated batch by batch.
func AddConfusion(c [][]float64, y, pred []int32, w []float64) {
	for i, t := range y {
		c[t][pred[i]] += weight(w, i)
	}
}

// Class is one class's row of a classification report: precision
// (right / predicted), recall (right / actual), their harmonic mean F1,
// and the support, the weight of the class's rows. A ratio with a zero
// denominator is 0 (sklearn's zero_division=0).
type Class struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   float64 `json:"support"`
}

// ClassReport is the per-class rows and their means.
type ClassReport struct {
	Classes []Class `json:"classes"`
	// Macro is the plain mean over the classes present among the labels
	// or the predictions; Weighted the mean weighted by support. Their
	// Support is the total weight.
	Macro    Class `json:"macro"`
	Weighted Class `json:"weighted"`
}

// Report computes precision, recall, F1 and support per class from the
// confusion matrix c, and their macro and weighted means, as sklearn's
// precision_recall_fscore_support (labels=None, zero_division=0).
func Report(c [][]float64) ClassReport {
	k := len(c)
	r := ClassReport{Classes: make([]Class, k)}
	predicted := make([]float64, k)
	for _, row := range c {
		for j, v := range row {
			predicted[j] += v
		}
	}
	var n int
	var total float64
	for i, row := range c {
		var support float64
		for _, v := range row {
			support += v
		}
		tp := row[i]
		cl := Class{Support: support}
		if predicted[i] != 0 {
			cl.Precision = tp / predicted[i]
		}
		if support != 0 {
			cl.Recall = tp / support
		}
		if d := cl.Precision + cl.Recall; d != 0 {
			cl.F1 = 2 * cl.Precision * cl.Recall / d
		}
		r.Classes[i] = cl
		total += support
		if support == 0 && predicted[i] == 0 {
			continue // absent: sklearn's labels=None leaves it out of the macro mean
		}
		n++
		r.Macro.Precision += cl.Precision
		r.Macro.Recall += cl.Recall
		r.Macro.F1 += cl.F1
		r.Weighted.Precision += cl.Precision * support
		r.Weighted.Recall += cl.Recall * support
		r.Weighted.F1 += cl.F1 * support
	}
	if n > 0 {
		r.Macro.Precision /= float64(n)
		r.Macro.Recall /= float64(n)
		r.Macro.F1 /= float64(n)
	}
	if total != 0 {
		r.Weighted.Precision /= total
		r.Weighted.Recall /= total
		r.Weighted.F1 /= total
	} else {
		r.Weighted = Class{}
	}
	r.Macro.Support, r.Weighted.Support = total, total
	return r
}

// Eps is the probability clip of LogLoss: float64's machine epsilon,
// sklearn's eps="auto" for float64 scores.
const Eps = 0x1p-52

// LogLoss is the weighted mean of −log p[i][y[i]] over rows of the
// row-major n×k probability matrix p, each row clipped to [Eps, 1−Eps]
// and renormalized to sum 1 (sklearn log_loss); NaN without rows.
func LogLoss(y []int32, p []float64, k int, w []float64) float64 {
	checkLen("LogLoss", len(y), w)
	if len(p) != len(y)*k {
		panic(fmt.Sprintf("metrics: LogLoss: %d probabilities for %d rows of %d classes", len(p), len(y), k))
	}
	var sum, total float64
	for i, t := range y {
		row := p[i*k : (i+1)*k]
		var s float64
		for _, v := range row {
			s += clip(v)
		}
		wi := weight(w, i)
		sum += wi * -math.Log(clip(row[t])/s)
		total += wi
	}
	if total == 0 {
		return math.NaN()
	}
	return sum / total
}

// LogLossBinary is LogLoss of one probability per row, that of the
// positive class: the rows are (1 − p, p), p clipped first.
func LogLossBinary(pos []bool, p, w []float64) float64 {
	checkLen("LogLossBinary", len(pos), w)
	var sum, total float64
	for i, t := range pos {
		q := clip(p[i])
		s := (1 - q) + q
		pt := 1 - q
		if t {
			pt = q
		}
		wi := weight(w, i)
		sum += wi * -math.Log(pt/s)
		total += wi
	}
	if total == 0 {
		return math.NaN()
	}
	return sum / total
}

func clip(v float64) float64 { return min(max(v, Eps), 1-Eps) }

// TopClass returns each row's largest probability and its class (the
// first on ties) of the row-major n×k matrix p.
func TopClass(p []float64, k int) (conf []float64, pred []int32) {
	n := len(p) / k
	conf, pred = make([]float64, n), make([]int32, n)
	for i := range n {
		row := p[i*k : (i+1)*k]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		conf[i], pred[i] = row[best], int32(best)
	}
	return conf, pred
}
