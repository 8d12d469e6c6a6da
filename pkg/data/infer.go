package data

import (
	"fmt"
	"math"
	"strings"
)

// InferTarget says which kind of target the columns cols of t hold when
// the config names no task, following scikit-learn's type_of_target
// (sklearn.utils.multiclass; the reference for each rule below), and why,
// in words:
//
//   - one column with a non-integer number among its values: sklearn's
//     "continuous", TargetNumber (a regression);
//   - one column of strings with a LabelSep in some cell: TargetLabels
//     (labels separated by ";"; sklearn has no such type, its
//     MultiLabelBinarizer takes the sets);
//   - one other column: sklearn's "binary" (at most two values) or
//     "multiclass", TargetClass — two values stay a class target of two
//     (a 2-class softmax, as before) unless the config says binary;
//   - several columns all 0/1: sklearn's "multilabel-indicator",
//     TargetLabels; several numeric columns with a non-integer value:
//     "continuous-multioutput", TargetNumber; several others:
//     "multiclass-multioutput", which nnfc has no task for: "" (the
//     class task then refuses several columns).
//
// Missing cells are left out, as sklearn never sees them.
func InferTarget(t *Table, cols []*TableColumn) (kind, why string) {
	if len(cols) > 1 {
		allBits, anyFrac, allNum := true, false, true
		for _, c := range cols {
			if !c.IsNumeric() {
				allNum, allBits = false, false
				break
			}
			for i := range t.N {
				v := c.Num[i]
				if math.IsNaN(v) {
					continue
				}
				allBits = allBits && (v == 0 || v == 1)
				anyFrac = anyFrac || v != math.Trunc(v)
			}
		}
		names := make([]string, len(cols))
		for j, c := range cols {
			names[j] = c.Name
		}
		list := strings.Join(names, ", ")
		switch {
		case allBits:
			return TargetLabels, fmt.Sprintf("the %d target columns %s hold only 0 and 1 (scikit-learn's type_of_target: multilabel-indicator)", len(cols), list)
		case allNum && anyFrac:
			return TargetNumber, fmt.Sprintf("the %d target columns %s hold numbers, some not integers (type_of_target: continuous-multioutput)", len(cols), list)
		}
		return "", ""
	}
	c := cols[0]
	if c.IsNumeric() {
		distinct := map[float64]bool{}
		for i := range t.N {
			v := c.Num[i]
			if math.IsNaN(v) {
				continue
			}
			if v != math.Trunc(v) {
				return TargetNumber, fmt.Sprintf("target column %s holds numbers that are not integers, e.g. %s on line %d (type_of_target: continuous)", c.Name, canonNumber(v), t.Line(i))
			}
			distinct[v] = true
		}
		return TargetClass, classWhy(c.Name, len(distinct), "integers")
	}
	for i := range t.N {
		if !c.Missing(i) && strings.Contains(c.String(i), LabelSep) {
			return TargetLabels, fmt.Sprintf("target column %s holds labels separated by %q, e.g. %q on line %d", c.Name, LabelSep, c.String(i), t.Line(i))
		}
	}
	return TargetClass, classWhy(c.Name, len(c.Dict), "values")
}

// classWhy is why a column of n distinct values is a class target.
func classWhy(name string, n int, what string) string {
	if n <= 2 {
		return fmt.Sprintf("target column %s holds %d distinct %s (type_of_target: binary; a 2-class softmax here, model.task binary for one sigmoid output and a threshold)", name, n, what)
	}
	if n > 20 {
		return fmt.Sprintf("target column %s holds %d distinct %s (type_of_target: multiclass; if they are quantities, model.task regression)", name, n, what)
	}
	return fmt.Sprintf("target column %s holds %d distinct %s (type_of_target: multiclass)", name, n, what)
}
