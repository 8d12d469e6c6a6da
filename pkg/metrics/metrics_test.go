package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
)

// tol is the agreement asked of every figure with scikit-learn's: the
// same formulas in float64, summed in a different order.
const tol = 1e-12

// num is a JSON number, null for NaN (the oracle's undefined figures).
type num float64

func (x *num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = num(math.NaN())
		return nil
	}
	var f float64
	err := json.Unmarshal(b, &f)
	*x = num(f)
	return err
}

func floats(xs []num) []float64 {
	if xs == nil {
		return nil
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

type oracle struct {
	Sklearn string `json:"sklearn"`
	Binary  []struct {
		Name     string `json:"name"`
		Pos      []bool `json:"pos"`
		Score    []num  `json:"score"`
		Weight   []num  `json:"weight"`
		ROCAUC   num    `json:"roc_auc"`
		AP       num    `json:"average_precision"`
		LogLoss  *num   `json:"log_loss"`
		ROCCurve *struct {
			FPR, TPR, Threshold []num
		} `json:"roc"`
		PRCurve struct {
			Precision, Recall, Threshold []num
		} `json:"pr"`
	} `json:"binary"`
	Classes []struct {
		Name     string `json:"name"`
		K        int    `json:"k"`
		Y        []int32
		P        []num
		Weight   []num
		Accuracy num
		PerClass struct {
			Precision, Recall, F1, Support []num
		} `json:"per_class"`
		Macro, Weighted struct {
			Precision, Recall, F1 num
		}
		LogLoss num                                                  `json:"log_loss"`
		ROCAUC  num                                                  `json:"roc_auc_ovr"`
		PRAUC   num                                                  `json:"pr_auc_ovr"`
		ECE15   num                                                  `json:"ece15"`
		ECE10   num                                                  `json:"ece10"`
		Bins15  []struct{ Lo, Hi, Weight, Confidence, Accuracy num } `json:"bins15"`
		Bins10  []struct{ Lo, Hi, Weight, Confidence, Accuracy num } `json:"bins10"`
	} `json:"classes"`
	Regression []struct {
		Name          string `json:"name"`
		K             int    `json:"k"`
		Y, Pred       []num
		Weight        []num
		RMSE, MAE, R2 []num
	} `json:"regression"`
}

func readOracle(t *testing.T) oracle {
	t.Helper()
	b, err := os.ReadFile("testdata/oracle.json")
	if err != nil {
		t.Fatal(err)
	}
	var o oracle
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Binary) == 0 || len(o.Classes) == 0 || len(o.Regression) == 0 {
		t.Fatal("testdata/oracle.json: a section is empty")
	}
	return o
}

// same reports whether a and b agree to tol, NaN agreeing with NaN only.
func same(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func check(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !same(got, want) {
		t.Errorf("%s = %.17g, sklearn %.17g (diff %.3g)", what, got, want, got-want)
	}
}

func checkAll(t *testing.T, what string, got []float64, want []num) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, sklearn %d", what, len(got), len(want))
		return
	}
	for i := range got {
		check(t, what+"["+strconv.Itoa(i)+"]", got[i], float64(want[i]))
	}
}

func TestBinaryAgainstSklearn(t *testing.T) {
	o := readOracle(t)
	for _, c := range o.Binary {
		t.Run(c.Name, func(t *testing.T) {
			s, w := floats(c.Score), floats(c.Weight)
			check(t, "ROCAUC", ROCAUC(c.Pos, s, w), float64(c.ROCAUC))
			check(t, "AveragePrecision", AveragePrecision(c.Pos, s, w), float64(c.AP))
			auc, ap := Ranking(c.Pos, s, w)
			check(t, "Ranking's ROC-AUC", auc, float64(c.ROCAUC))
			check(t, "Ranking's average precision", ap, float64(c.AP))
			// RankingCurves: the same four figures from one sort.
			auc2, ap2, roc2, pr2 := RankingCurves(c.Pos, s, w)
			if got, want := fmt.Sprint(auc2, ap2, roc2, pr2), fmt.Sprint(auc, ap, ROC(c.Pos, s, w), PR(c.Pos, s, w)); got != want {
				t.Errorf("RankingCurves %s, Ranking, ROC and PR %s", got, want)
			}
			if c.LogLoss != nil {
				check(t, "LogLossBinary", LogLossBinary(c.Pos, s, w), float64(*c.LogLoss))
			}
			if c.ROCCurve != nil {
				pts := ROC(c.Pos, s, w)
				var fpr, tpr, thr []float64
				for _, p := range pts {
					fpr, tpr, thr = append(fpr, p.FPR), append(tpr, p.TPR), append(thr, p.Threshold)
				}
				checkAll(t, "ROC FPR", fpr, c.ROCCurve.FPR)
				checkAll(t, "ROC TPR", tpr, c.ROCCurve.TPR)
				if !math.IsInf(thr[0], 1) {
					t.Errorf("ROC's first threshold = %g, want +Inf", thr[0])
				}
				checkAll(t, "ROC threshold", thr[1:], c.ROCCurve.Threshold)
			}
			pts := PR(c.Pos, s, w)
			var prec, rec, thr []float64
			for _, p := range pts {
				prec, rec, thr = append(prec, p.Precision), append(rec, p.Recall), append(thr, p.Threshold)
			}
			checkAll(t, "PR precision", prec, c.PRCurve.Precision)
			checkAll(t, "PR recall", rec, c.PRCurve.Recall)
			checkAll(t, "PR threshold", thr[:len(thr)-1], c.PRCurve.Threshold)
		})
	}
}

func TestClassesAgainstSklearn(t *testing.T) {
	o := readOracle(t)
	for _, c := range o.Classes {
		t.Run(c.Name, func(t *testing.T) {
			p, w := floats(c.P), floats(c.Weight)
			conf, pred := TopClass(p, c.K)
			check(t, "Accuracy", Accuracy(c.Y, pred, w), float64(c.Accuracy))
			r := Report(Confusion(c.Y, pred, c.K, w))
			var P, R, F, S []float64
			for _, cl := range r.Classes {
				P, R, F, S = append(P, cl.Precision), append(R, cl.Recall), append(F, cl.F1), append(S, cl.Support)
			}
			checkAll(t, "precision", P, c.PerClass.Precision)
			checkAll(t, "recall", R, c.PerClass.Recall)
			checkAll(t, "F1", F, c.PerClass.F1)
			checkAll(t, "support", S, c.PerClass.Support)
			check(t, "precision_macro", r.Macro.Precision, float64(c.Macro.Precision))
			check(t, "recall_macro", r.Macro.Recall, float64(c.Macro.Recall))
			check(t, "f1_macro", r.Macro.F1, float64(c.Macro.F1))
			check(t, "precision_weighted", r.Weighted.Precision, float64(c.Weighted.Precision))
			check(t, "recall_weighted", r.Weighted.Recall, float64(c.Weighted.Recall))
			check(t, "f1_weighted", r.Weighted.F1, float64(c.Weighted.F1))
			check(t, "LogLoss", LogLoss(c.Y, p, c.K, w), float64(c.LogLoss))
			check(t, "roc_auc OVR", OVR(ROCAUC, c.Y, p, c.K, w), float64(c.ROCAUC))
			check(t, "pr_auc OVR", OVR(AveragePrecision, c.Y, p, c.K, w), float64(c.PRAUC))
			auc, ap := OVRRanking(c.Y, p, c.K, w)
			check(t, "OVRRanking's roc_auc", auc, float64(c.ROCAUC))
			check(t, "OVRRanking's pr_auc", ap, float64(c.PRAUC))
			correct := make([]bool, len(pred))
			for i := range pred {
				correct[i] = pred[i] == c.Y[i]
			}
			for _, bc := range []struct {
				bins int
				ece  num
				want []struct{ Lo, Hi, Weight, Confidence, Accuracy num }
			}{{15, c.ECE15, c.Bins15}, {10, c.ECE10, c.Bins10}} {
				bs := Reliability(conf, correct, w, bc.bins)
				check(t, "ECE", ECE(bs), float64(bc.ece))
				if len(bs) != len(bc.want) {
					t.Fatalf("%d bins, want %d", len(bs), len(bc.want))
				}
				for i, b := range bs {
					wb := bc.want[i]
					for _, f := range []struct {
						what      string
						got, want float64
					}{{"lo", b.Lo, float64(wb.Lo)}, {"hi", b.Hi, float64(wb.Hi)}, {"weight", b.Weight, float64(wb.Weight)},
						{"confidence", b.Confidence, float64(wb.Confidence)}, {"accuracy", b.Accuracy, float64(wb.Accuracy)}} {
						check(t, "bin "+f.what, f.got, f.want)
					}
				}
			}
		})
	}
}

func TestRegressionAgainstSklearn(t *testing.T) {
	o := readOracle(t)
	for _, c := range o.Regression {
		t.Run(c.Name, func(t *testing.T) {
			rs := Regress(floats(c.Y), floats(c.Pred), c.K, floats(c.Weight))
			var rmse, mae, r2 []float64
			for _, r := range rs {
				rmse, mae, r2 = append(rmse, r.RMSE), append(mae, r.MAE), append(r2, r.R2)
			}
			checkAll(t, "RMSE", rmse, c.RMSE)
			checkAll(t, "MAE", mae, c.MAE)
			checkAll(t, "R2", r2, c.R2)
		})
	}
}

// naiveAUC is the negative twin of ROCAUC: every row its own threshold,
// ties broken by row order instead of counted half. It is right on
// distinct scores and wrong on ties; the oracle must tell them apart.
func naiveAUC(pos []bool, score []float64) float64 {
	idx := make([]int, len(pos))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case score[a] > score[b]:
			return -1
		case score[a] < score[b]:
			return 1
		}
		return 0
	})
	var np, nn, area, tp float64
	for _, i := range pos {
		if i {
			np++
		} else {
			nn++
		}
	}
	for _, i := range idx {
		if pos[i] {
			tp++
		} else {
			area += tp
		}
	}
	return area / (np * nn)
}

func TestNaiveAUCDisagreesOnTies(t *testing.T) {
	o := readOracle(t)
	found := 0
	for _, c := range o.Binary {
		s := floats(c.Score)
		switch c.Name {
		case "distinct":
			// The twin is a correct AUC where no scores tie...
			check(t, "naive AUC, distinct scores", naiveAUC(c.Pos, s), float64(c.ROCAUC))
			found++
		case "ties", "all scores equal":
			// ...and the oracle catches it where they do.
			if d := math.Abs(naiveAUC(c.Pos, s) - float64(c.ROCAUC)); d < 1e-3 {
				t.Errorf("%s: the tie-blind AUC is within %.3g of sklearn's: the oracle does not test ties", c.Name, d)
			}
			found++
		}
	}
	if found != 3 {
		t.Fatalf("found %d of the 3 cases the twin needs", found)
	}
}

// TestOVRSkipsUndefinedClasses: a class without rows does not count in
// the one-vs-rest mean, and a single class leaves nothing defined.
func TestOVRSkipsUndefinedClasses(t *testing.T) {
	y := []int32{0, 0, 1, 1}
	p := []float64{0.9, 0.1, 0, 0.6, 0.4, 0, 0.3, 0.7, 0, 0.2, 0.8, 0} // class 2 never occurs
	if got := OVR(ROCAUC, y, p, 3, nil); got != 1 {
		t.Errorf("OVR ROC-AUC = %g, want 1 (classes 0 and 1 separate perfectly; class 2 absent)", got)
	}
	if got := OVR(ROCAUC, []int32{1, 1}, []float64{0.5, 0.5, 0.2, 0.8}, 2, nil); !math.IsNaN(got) {
		t.Errorf("OVR ROC-AUC with one class present = %g, want NaN", got)
	}
}

// TestNaNScores: a NaN score (a diverged model's output) makes the
// ranking figures NaN, not a hang (the walk down two sorted lists never
// passed a NaN: NaN ≠ NaN).
func TestNaNScores(t *testing.T) {
	pos := []bool{true, false, true, false}
	s := []float64{0.9, math.NaN(), 0.2, 0.4}
	for _, w := range [][]float64{nil, {1, 2, 1, 1}} {
		auc, ap := Ranking(pos, s, w)
		if !math.IsNaN(auc) || !math.IsNaN(ap) || !math.IsNaN(ROCAUC(pos, s, w)) || !math.IsNaN(AveragePrecision(pos, s, w)) {
			t.Errorf("weights %v: AUC %v, AP %v with a NaN score, want NaN", w, auc, ap)
		}
	}
	p := []float64{math.NaN(), math.NaN(), 0.5, 0.5}
	if auc, ap := OVRRanking([]int32{0, 1}, p, 2, nil); !math.IsNaN(auc) || !math.IsNaN(ap) {
		t.Errorf("OVR with a NaN row: %v, %v, want NaN", auc, ap)
	}
}
