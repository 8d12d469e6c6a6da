package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// clfCurve is sklearn's _binary_clf_curve: the rows of non-zero weight
// sorted by decreasing score, and at each distinct score (the threshold)
// the weight of the positive (tps) and negative (fps) rows scoring at
// least that much.
func clfCurve(pos []bool, score, w []float64) (fps, tps, thr []float64) {
	if len(score) != len(pos) {
		panic(fmt.Sprintf("metrics: %d scores for %d rows", len(score), len(pos)))
	}
	checkLen("curve", len(pos), w)
	idx := make([]int, 0, len(pos))
	for i := range pos {
		if weight(w, i) != 0 {
			idx = append(idx, i)
		}
	}
	// sklearn: argsort(score, kind="mergesort")[::-1], i.e. decreasing
	// score, ties in decreasing row order; the order of the sums below.
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(score[b], score[a]); c != 0 {
			return c
		}
		return b - a
	})
	var tp, fp float64
	for j, i := range idx {
		if pos[i] {
			tp += weight(w, i)
		} else if w != nil {
			fp += w[i]
		}
		if j+1 < len(idx) && score[idx[j+1]] == score[i] {
			continue
		}
		f := fp
		if w == nil {
			f = float64(j+1) - tp // sklearn: fps = 1 + threshold_idx − tps
		}
		fps, tps, thr = append(fps, f), append(tps, tp), append(thr, score[i])
	}
	return fps, tps, thr
}

// ROCPoint is a point of the ROC curve: the false and true positive rates
// of predicting positive for scores ≥ Threshold.
type ROCPoint struct {
	FPR, TPR, Threshold float64
}

// ROC returns the ROC curve of scores score for rows whose class is
// positive where pos, from (0, 0) at threshold +Inf to (1, 1), without
// the points collinear with their neighbours (sklearn roc_curve,
// drop_intermediate=True, except that its first threshold is
// max(score)+1). A rate whose class is absent is NaN.
func ROC(pos []bool, score, w []float64) []ROCPoint {
	fps, tps, thr := clfCurve(pos, score, w)
	if len(fps) > 2 {
		keep := []int{0}
		for i := 1; i+1 < len(fps); i++ {
			// np.diff(_, 2), computed as numpy does
			if (fps[i+1]-fps[i])-(fps[i]-fps[i-1]) != 0 || (tps[i+1]-tps[i])-(tps[i]-tps[i-1]) != 0 {
				keep = append(keep, i)
			}
		}
		keep = append(keep, len(fps)-1)
		for j, i := range keep {
			fps[j], tps[j], thr[j] = fps[i], tps[i], thr[i]
		}
		fps, tps, thr = fps[:len(keep)], tps[:len(keep)], thr[:len(keep)]
	}
	pts := make([]ROCPoint, len(fps)+1)
	pts[0] = ROCPoint{0, 0, math.Inf(1)}
	nf, nt := math.NaN(), math.NaN()
	if len(fps) > 0 {
		nf, nt = fps[len(fps)-1], tps[len(tps)-1]
	}
	for i := range fps {
		pts[i+1] = ROCPoint{rate(fps[i], nf), rate(tps[i], nt), thr[i]}
	}
	if !(nf > 0) {
		pts[0].FPR = math.NaN()
	}
	if !(nt > 0) {
		pts[0].TPR = math.NaN()
	}
	return pts
}

func rate(x, total float64) float64 {
	if !(total > 0) {
		return math.NaN()
	}
	return x / total
}

// ROCAUC is the area under the ROC curve by the trapezoid rule (tied
// scores count half a pair; sklearn roc_auc_score); NaN unless both
// classes are present.
func ROCAUC(pos []bool, score, w []float64) float64 {
	pts := ROC(pos, score, w)
	if len(pts) < 2 || math.IsNaN(pts[1].FPR) || math.IsNaN(pts[1].TPR) {
		return math.NaN()
	}
	var a float64
	for i := 1; i < len(pts); i++ {
		a += (pts[i].FPR - pts[i-1].FPR) * (pts[i].TPR + pts[i-1].TPR) / 2
	}
	return a
}

// PRPoint is a point of the precision-recall curve: precision and recall
// of predicting positive for scores ≥ Threshold.
type PRPoint struct {
	Recall, Precision, Threshold float64
}

// PR returns the precision-recall curve, one point per distinct score
// from the highest threshold (lowest recall) down, then the point
// (recall 0, precision 1) at threshold +Inf that sklearn's
// precision_recall_curve appends, in sklearn's order: decreasing recall.
// Without positive rows recall is 1 throughout (as sklearn).
func PR(pos []bool, score, w []float64) []PRPoint {
	fps, tps, thr := clfCurve(pos, score, w)
	n := len(tps)
	pts := make([]PRPoint, n+1)
	for i := range n {
		p := PRPoint{Threshold: thr[i], Recall: 1}
		if s := tps[i] + fps[i]; s != 0 {
			p.Precision = tps[i] / s
		}
		if tps[n-1] != 0 {
			p.Recall = tps[i] / tps[n-1]
		}
		pts[n-1-i] = p
	}
	pts[n] = PRPoint{Recall: 0, Precision: 1, Threshold: math.Inf(1)}
	return pts
}

// AveragePrecision is the area under the precision-recall step curve,
// Σₙ (Rₙ − Rₙ₋₁)·Pₙ over decreasing thresholds (sklearn
// average_precision_score); 0 without positive rows (sklearn warns and
// returns 0), NaN without rows.
func AveragePrecision(pos []bool, score, w []float64) float64 {
	pts := PR(pos, score, w)
	if len(pts) < 2 {
		return math.NaN()
	}
	var ap float64
	for i := 0; i+1 < len(pts); i++ {
		ap -= (pts[i+1].Recall - pts[i].Recall) * pts[i].Precision
	}
	return ap
}

// OVR averages the binary metric f (ROCAUC or AveragePrecision) over the
// classes of the row-major n×k probability matrix p, each class against
// the rest (sklearn's one-vs-rest macro mean). Classes where f is NaN,
// or that have no positive row, are left out; NaN when none is left.
func OVR(f func(pos []bool, score, w []float64) float64, y []int32, p []float64, k int, w []float64) float64 {
	n := len(y)
	if len(p) != n*k {
		panic(fmt.Sprintf("metrics: OVR: %d probabilities for %d rows of %d classes", len(p), n, k))
	}
	pos, score := make([]bool, n), make([]float64, n)
	var sum float64
	var m int
	for c := range k {
		any := false
		for i := range n {
			pos[i] = y[i] == int32(c)
			score[i] = p[i*k+c]
			any = any || (pos[i] && weight(w, i) != 0)
		}
		if !any {
			continue
		}
		if v := f(pos, score, w); !math.IsNaN(v) {
			sum += v
			m++
		}
	}
	if m == 0 {
		return math.NaN()
	}
	return sum / float64(m)
}
