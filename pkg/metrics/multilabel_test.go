package metrics

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// labelOracle is the multilabel section of testdata/oracle.json
// (scripts/metrics-oracle.py, sklearn on indicator matrices).
type labelOracle struct {
	Multilabel []struct {
		Name      string `json:"name"`
		K         int    `json:"k"`
		Y         []int
		P         []num
		Threshold []float64
		Weight    []num
		PerLabel  struct {
			Precision, Recall, F1, Support []num
		} `json:"per_label"`
		Micro, Macro, Weighted struct {
			Precision, Recall, F1 num
		}
		SubsetAccuracy num   `json:"subset_accuracy"`
		HammingLoss    num   `json:"hamming_loss"`
		ROCAUC         []num `json:"roc_auc"`
		PRAUC          []num `json:"pr_auc"`
		ROCAUCMacro    *num  `json:"roc_auc_macro"`
		PRAUCMacro     *num  `json:"pr_auc_macro"`
		LogLoss        num   `json:"log_loss"`
	} `json:"multilabel"`
}

func orNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// TestMultilabelAgainstSklearn: every figure of Multilabel and
// LogLossLabels equals sklearn's on the oracle's indicator matrices to
// 1e-12: ties, weights with a zero, per-label thresholds, a label never
// set and one always set, probabilities 0 and 1.
func TestMultilabelAgainstSklearn(t *testing.T) {
	b, err := os.ReadFile("testdata/oracle.json")
	if err != nil {
		t.Fatal(err)
	}
	var o labelOracle
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Multilabel) < 4 {
		t.Fatalf("testdata/oracle.json: %d multilabel cases, expected 4 (regenerate with scripts/metrics-oracle.py)", len(o.Multilabel))
	}
	for _, c := range o.Multilabel {
		y := make([]bool, len(c.Y))
		for i, v := range c.Y {
			y[i] = v == 1
		}
		p, w := floats(c.P), floats(c.Weight)
		r := Multilabel(y, p, c.K, c.Threshold, w)
		for j, l := range r.Labels {
			s := c.Name + " label " + strconv.Itoa(j)
			check(t, s+" precision", l.Precision, float64(c.PerLabel.Precision[j]))
			check(t, s+" recall", l.Recall, float64(c.PerLabel.Recall[j]))
			check(t, s+" f1", l.F1, float64(c.PerLabel.F1[j]))
			check(t, s+" support", l.Support, float64(c.PerLabel.Support[j]))
			check(t, s+" roc_auc", orNaN(r.ROCAUC[j]), float64(c.ROCAUC[j]))
			check(t, s+" pr_auc", orNaN(r.PRAUC[j]), float64(c.PRAUC[j]))
		}
		for _, m := range []struct {
			name      string
			got       Class
			P, R, F1v num
		}{{"micro", r.Micro, c.Micro.Precision, c.Micro.Recall, c.Micro.F1},
			{"macro", r.Macro, c.Macro.Precision, c.Macro.Recall, c.Macro.F1},
			{"weighted", r.Weighted, c.Weighted.Precision, c.Weighted.Recall, c.Weighted.F1}} {
			check(t, c.Name+" "+m.name+" precision", m.got.Precision, float64(m.P))
			check(t, c.Name+" "+m.name+" recall", m.got.Recall, float64(m.R))
			check(t, c.Name+" "+m.name+" f1", m.got.F1, float64(m.F1v))
		}
		check(t, c.Name+" subset accuracy", r.SubsetAccuracy, float64(c.SubsetAccuracy))
		check(t, c.Name+" hamming loss", r.HammingLoss, float64(c.HammingLoss))
		if c.ROCAUCMacro != nil {
			check(t, c.Name+" roc_auc macro", MeanDefined(r.ROCAUC), float64(*c.ROCAUCMacro))
			check(t, c.Name+" pr_auc macro", MeanDefined(r.PRAUC), float64(*c.PRAUCMacro))
		}
		check(t, c.Name+" log loss", LogLossLabels(y, p, c.K, w), float64(c.LogLoss))
	}
}

// TestMultilabelThresholdMatters: the decisions are at each label's own
// threshold (a negative twin of the oracle's per-label case: one common
// threshold gives other figures).
func TestMultilabelThresholdMatters(t *testing.T) {
	y := []bool{true, false, true, true, false, false}
	p := []float64{0.4, 0.4, 0.6, 0.6, 0.2, 0.1}
	a := Multilabel(y, p, 2, []float64{0.5, 0.5}, nil)
	b := Multilabel(y, p, 2, []float64{0.3, 0.5}, nil)
	if a.Labels[0].Recall == b.Labels[0].Recall {
		t.Errorf("label 0's recall %g at threshold 0.5 and at 0.3: the per-label threshold is not used", a.Labels[0].Recall)
	}
	if a.Labels[1] != b.Labels[1] {
		t.Errorf("label 1 changed with label 0's threshold: %+v vs %+v", a.Labels[1], b.Labels[1])
	}
}
