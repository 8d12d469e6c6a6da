package metrics

import (
	"fmt"
	"math"
)

// LabelReport is a multi-label evaluation: each row has k labels, each
// true (1) or false (0), and the model's decision for each. Labels are
// the per-label rows (precision, recall and F1 of the label's positives;
// Support is the weight of its positive rows), with their micro, macro and
// weighted means as sklearn's precision_recall_fscore_support computes
// them on an indicator matrix (average="micro" pools every label's counts,
// "macro" is the plain mean over all k labels, "weighted" the mean
// weighted by support; zero_division=0).
type LabelReport struct {
	Labels   []Class `json:"labels"`
	Micro    Class   `json:"micro"`
	Macro    Class   `json:"macro"`
	Weighted Class   `json:"weighted"`
	// SubsetAccuracy is the weighted share of rows whose k decisions are
	// all right (sklearn's accuracy_score on an indicator matrix);
	// HammingLoss the weighted share of wrong decisions among the n·k
	// (sklearn's hamming_loss).
	SubsetAccuracy float64 `json:"subset_accuracy"`
	HammingLoss    float64 `json:"hamming_loss"`
	// ROCAUC and PRAUC are each label's area under the ROC curve and
	// average precision of its probabilities, nil where undefined (a label
	// with no positive row, or, for ROC-AUC, no negative row).
	ROCAUC []*float64 `json:"roc_auc"`
	PRAUC  []*float64 `json:"pr_auc"`
}

// Multilabel computes the LabelReport of n rows of k labels: y and p are
// row-major n×k, y the true labels, p the predicted probabilities; a
// label is predicted where its probability reaches threshold[j]. w holds a
// sample weight per row (nil: 1).
func Multilabel(y []bool, p []float64, k int, threshold []float64, w []float64) LabelReport {
	if k < 1 || len(y)%k != 0 || len(p) != len(y) || len(threshold) != k {
		panic(fmt.Sprintf("metrics: Multilabel: %d labels, %d probabilities, %d thresholds for %d labels per row", len(y), len(p), len(threshold), k))
	}
	n := len(y) / k
	checkLen("Multilabel", n, w)
	tp, fp, fn := make([]float64, k), make([]float64, k), make([]float64, k)
	var total, exact, wrong float64
	for i := range n {
		wi := weight(w, i)
		total += wi
		miss := 0
		for j := range k {
			truth, pred := y[i*k+j], p[i*k+j] >= threshold[j]
			switch {
			case truth && pred:
				tp[j] += wi
			case pred:
				fp[j] += wi
				miss++
			case truth:
				fn[j] += wi
				miss++
			}
		}
		if miss == 0 {
			exact += wi
		}
		wrong += wi * float64(miss)
	}
	r := LabelReport{Labels: make([]Class, k), SubsetAccuracy: math.NaN(), HammingLoss: math.NaN()}
	if total > 0 {
		r.SubsetAccuracy = exact / total
		r.HammingLoss = wrong / (total * float64(k))
	}
	var sTP, sFP, sFN, support float64
	for j := range k {
		c := prf(tp[j], fp[j], fn[j])
		r.Labels[j] = c
		r.Macro.Precision += c.Precision / float64(k)
		r.Macro.Recall += c.Recall / float64(k)
		r.Macro.F1 += c.F1 / float64(k)
		r.Weighted.Precision += c.Precision * c.Support
		r.Weighted.Recall += c.Recall * c.Support
		r.Weighted.F1 += c.F1 * c.Support
		sTP, sFP, sFN, support = sTP+tp[j], sFP+fp[j], sFN+fn[j], support+c.Support
	}
	if support > 0 {
		r.Weighted.Precision /= support
		r.Weighted.Recall /= support
		r.Weighted.F1 /= support
	} else {
		r.Weighted = Class{}
	}
	r.Micro = prf(sTP, sFP, sFN)
	r.Macro.Support, r.Weighted.Support = support, support
	pos, score := make([]bool, n), make([]float64, n)
	r.ROCAUC, r.PRAUC = make([]*float64, k), make([]*float64, k)
	for j := range k {
		for i := range n {
			pos[i], score[i] = y[i*k+j], p[i*k+j]
		}
		auc, ap := Ranking(pos, score, w)
		if tp[j]+fn[j] > 0 { // a positive row of non-zero weight
			r.ROCAUC[j], r.PRAUC[j] = defined(auc), defined(ap)
		}
	}
	return r
}

// prf is precision, recall and F1 from the weighted counts of true
// positives, false positives and false negatives (zero_division=0);
// Support is tp + fn.
func prf(tp, fp, fn float64) Class {
	c := Class{Support: tp + fn}
	if tp+fp != 0 {
		c.Precision = tp / (tp + fp)
	}
	if tp+fn != 0 {
		c.Recall = tp / (tp + fn)
	}
	if d := c.Precision + c.Recall; d != 0 {
		c.F1 = 2 * c.Precision * c.Recall / d
	}
	return c
}

// defined is &v, nil for NaN.
func defined(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// MeanDefined is the mean of the non-nil values of v; NaN when none is.
func MeanDefined(v []*float64) float64 {
	var sum float64
	var n int
	for _, x := range v {
		if x != nil {
			sum += *x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// LogLossLabels is the mean over the k labels of each label's binary log
// loss (LogLossBinary of its column of p): the binary cross-entropy a
// multi-label model trains on (sklearn's log_loss of an indicator matrix
// renormalizes each row instead, which is not this).
func LogLossLabels(y []bool, p []float64, k int, w []float64) float64 {
	n := len(y) / k
	pos, score := make([]bool, n), make([]float64, n)
	var sum float64
	for j := range k {
		for i := range n {
			pos[i], score[i] = y[i*k+j], p[i*k+j]
		}
		sum += LogLossBinary(pos, score, w)
	}
	return sum / float64(k)
}
