package data

import (
	"strings"
	"testing"
)

// TestInferTarget: scikit-learn's type_of_target rules on table columns
// (what sklearn 1.2.1's type_of_target says of each column is in the
// case's comment), and nnfc's own rule for a ";" column.
func TestInferTarget(t *testing.T) {
	p := writeTable(t, "t.csv", "x,price,count,two,name,tags,a,b,c,big\n"+
		"1,1.5,3,0,cat,a;b,0,1,0.5,2\n"+
		"2,2,4,1,dog,a,1,1,1,3\n"+
		"3,,5,,cow,,0,0,0,4\n")
	tb, err := ReadTable(p, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cols []string
		kind string
		why  string
	}{
		{[]string{"price"}, TargetNumber, "price holds numbers that are not integers, e.g. 1.5 on line 2 (type_of_target: continuous)"}, // continuous
		{[]string{"count"}, TargetClass, "3 distinct integers (type_of_target: multiclass)"},                                            // multiclass
		{[]string{"two"}, TargetClass, "2 distinct integers (type_of_target: binary; a 2-class softmax here"},                           // binary (NaN left out)
		{[]string{"name"}, TargetClass, "3 distinct values (type_of_target: multiclass)"},                                               // multiclass
		{[]string{"tags"}, TargetLabels, `tags holds labels separated by ";", e.g. "a;b" on line 2`},                                    // sklearn: no type for it
		{[]string{"a", "b"}, TargetLabels, "the 2 target columns a, b hold only 0 and 1 (scikit-learn's type_of_target: multilabel-indicator)"},
		{[]string{"a", "c"}, TargetNumber, "(type_of_target: continuous-multioutput)"},
		{[]string{"a", "big"}, "", ""}, // multiclass-multioutput
	} {
		cols, err := ResolveTargets(tb, tc.cols)
		if err != nil {
			t.Fatal(err)
		}
		kind, why := InferTarget(tb, cols)
		if kind != tc.kind || !strings.Contains(why, tc.why) || strings.Contains(why, "\n") {
			t.Errorf("%v: %q, %q; want %q with %q", tc.cols, kind, why, tc.kind, tc.why)
		}
	}
}
