package metrics

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// clfCurve is sklearn's _binary_clf_curve: the rows of non-zero weight
// sorted by decreasing score, and at each distinct score (the threshold)
// the weight of the positive (tps) and negative (fps) rows scoring at
// least that much; nothing when a score is NaN.
func clfCurve(pos []bool, score, w []float64) (fps, tps, thr []float64) {
	if len(score) != len(pos) {
		panic(fmt.Sprintf("metrics: %d scores for %d rows", len(score), len(pos)))
	}
	checkLen("curve", len(pos), w)
	for _, s := range score {
		if math.IsNaN(s) {
			return nil, nil, nil // no order: every figure of the curve is NaN (sklearn refuses NaN)
		}
	}
	if w == nil {
		return clfCurveCounts(pos, score)
	}
	type row struct {
		s float64
		i int
	}
	rows := make([]row, 0, len(pos))
	for i, s := range score {
		if weight(w, i) != 0 {
			rows = append(rows, row{s, i})
		}
	}
	// sklearn: argsort(score, kind="mergesort")[::-1], i.e. decreasing
	// score, ties in decreasing row order; the order of the sums below.
	slices.SortFunc(rows, func(a, b row) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return b.i - a.i // scores are finite: NaN is not ordered
	})
	var tp, fp float64
	for j, r := range rows {
		if pos[r.i] {
			tp += weight(w, r.i)
		} else if w != nil {
			fp += w[r.i]
		}
		if j+1 < len(rows) && rows[j+1].s == r.s {
			continue
		}
		f := fp
		if w == nil {
			f = float64(j+1) - tp // sklearn: fps = 1 + threshold_idx − tps
		}
		fps, tps, thr = append(fps, f), append(tps, tp), append(thr, r.s)
	}
	return fps, tps, thr
}

// clfCurveCounts is clfCurve without weights: the counts are whole
// numbers, so the order of the rows within a tie does not matter, and two
// sorted score lists (positive, negative rows) walked down from the top
// give them (twice as fast as sorting the rows with their index), each
// list sorted by sortFloats (a radix sort).
func clfCurveCounts(pos []bool, score []float64) (fps, tps, thr []float64) {
	np := 0
	for _, p := range pos {
		if p {
			np++
		}
	}
	ps, ns := make([]float64, 0, np), make([]float64, 0, len(pos)-np)
	fps, tps, thr = make([]float64, 0, len(pos)), make([]float64, 0, len(pos)), make([]float64, 0, len(pos))
	for i, s := range score {
		if pos[i] {
			ps = append(ps, s)
		} else {
			ns = append(ns, s)
		}
	}
	buf := sortFloats(ps, make([]uint64, 2*max(len(ps), len(ns))))
	sortFloats(ns, buf)
	i, j := len(ps)-1, len(ns)-1
	var tp, fp float64
	for i >= 0 || j >= 0 {
		var t float64
		switch {
		case i < 0:
			t = ns[j]
		case j < 0:
			t = ps[i]
		default:
			t = max(ps[i], ns[j])
		}
		for ; i >= 0 && ps[i] == t; i-- {
			tp++
		}
		for ; j >= 0 && ns[j] == t; j-- {
			fp++
		}
		fps, tps, thr = append(fps, fp), append(tps, tp), append(thr, t)
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
	return rocOf(clfCurve(pos, score, w))
}

// rocOf is ROC of clfCurve's counts; it reuses (overwrites) them.
func rocOf(fps, tps, thr []float64) []ROCPoint {
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
	return prOf(clfCurve(pos, score, w))
}

// prOf is PR of clfCurve's counts.
func prOf(fps, tps, thr []float64) []PRPoint {
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

// Ranking returns ROCAUC and AveragePrecision of the same rows from one
// sort of the scores (the trapezoids over every distinct threshold, not
// only ROC's corners: the same area).
func Ranking(pos []bool, score, w []float64) (auc, ap float64) {
	fps, tps, _ := clfCurve(pos, score, w)
	return rankingOf(fps, tps)
}

// RankingCurves is Ranking, ROC and PR of the same rows from one sort of
// the scores.
func RankingCurves(pos []bool, score, w []float64) (auc, ap float64, roc []ROCPoint, pr []PRPoint) {
	fps, tps, thr := clfCurve(pos, score, w)
	auc, ap = rankingOf(fps, tps)
	pr = prOf(fps, tps, thr)
	return auc, ap, rocOf(fps, tps, thr), pr // rocOf last: it overwrites the counts
}

// rankingOf is Ranking of clfCurve's counts.
func rankingOf(fps, tps []float64) (auc, ap float64) {
	n := len(tps)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	nf, nt := fps[n-1], tps[n-1]
	auc = math.NaN()
	if nf > 0 && nt > 0 {
		auc = 0
		var f0, t0 float64
		for i := range n {
			f1, t1 := fps[i]/nf, tps[i]/nt
			auc += (f1 - f0) * (t1 + t0) / 2
			f0, t0 = f1, t1
		}
	}
	if nt == 0 {
		return auc, 0 // as AveragePrecision: recall 1 throughout
	}
	var r0 float64
	for i := range n {
		r1 := tps[i] / nt
		if s := tps[i] + fps[i]; s != 0 {
			ap += (r1 - r0) * (tps[i] / s)
		}
		r0 = r1
	}
	return auc, ap
}

// OVRRanking is OVR of ROCAUC and of AveragePrecision from one sort per
// class (Ranking), the classes shared out over GOMAXPROCS goroutines (the
// means summed in class order: the same result on any number).
func OVRRanking(y []int32, p []float64, k int, w []float64) (auc, ap float64) {
	vals := ovr(y, p, k, w, func(pos []bool, score []float64) [2]float64 {
		a, b := Ranking(pos, score, w)
		return [2]float64{a, b}
	})
	return meanDefined(vals, 0), meanDefined(vals, 1)
}

// meanDefined is the mean of vals[c][j] over the classes where it is not
// NaN; NaN when there is none.
func meanDefined(vals [][2]float64, j int) float64 {
	v := make([]*float64, len(vals))
	for i := range vals {
		if !math.IsNaN(vals[i][j]) {
			v[i] = &vals[i][j]
		}
	}
	return MeanDefined(v)
}

// ovr returns f of each class of p against the rest, NaN for a class
// without a positive row of non-zero weight. The classes are shared out
// over GOMAXPROCS goroutines, each with its own buffers.
func ovr(y []int32, p []float64, k int, w []float64, f func(pos []bool, score []float64) [2]float64) [][2]float64 {
	n := len(y)
	if len(p) != n*k {
		panic(fmt.Sprintf("metrics: OVR: %d probabilities for %d rows of %d classes", len(p), n, k))
	}
	checkLen("OVR", n, w)
	vals := make([][2]float64, k)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(k, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			pos, score := make([]bool, n), make([]float64, n)
			for c := int(next.Add(1) - 1); c < k; c = int(next.Add(1) - 1) {
				has := false
				for i := range n {
					pos[i] = y[i] == int32(c)
					score[i] = p[i*k+c]
					has = has || (pos[i] && weight(w, i) != 0)
				}
				vals[c] = [2]float64{math.NaN(), math.NaN()}
				if has {
					vals[c] = f(pos, score)
				}
			}
		})
	}
	wg.Wait()
	return vals
}

// OVR averages the binary metric f (ROCAUC or AveragePrecision) over the
// classes of the row-major n×k probability matrix p, each class against
// the rest (sklearn's one-vs-rest macro mean). Classes where f is NaN,
// or that have no positive row, are left out; NaN when none is left.
func OVR(f func(pos []bool, score, w []float64) float64, y []int32, p []float64, k int, w []float64) float64 {
	return meanDefined(ovr(y, p, k, w, func(pos []bool, score []float64) [2]float64 {
		return [2]float64{f(pos, score, w)}
	}), 0)
}
