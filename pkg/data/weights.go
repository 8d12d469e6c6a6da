package data

import (
	"fmt"
	"math"
	"strings"
)

// Row weights and class weights (issue 24): a table's weight column gives
// each row a sample weight (data.weight_column, Dataset.W); class weights
// (train.class_weights) give each class one, "balanced" fitted on the
// training split as scikit-learn fits it.

// BalancedWeights returns scikit-learn's class_weight="balanced" for the
// labels y of classes classes: n_samples / (n_classes · count_c), so that
// every class weighs as much as the others in total and the weights of
// all rows sum to n_samples. A class with no row is an error naming it
// (its weight would be infinite), names[c] when names is not nil.
func BalancedWeights(y []int32, classes int, names []string) ([]float64, error) {
	counts := make([]int, classes)
	for _, c := range y {
		counts[c]++
	}
	w := make([]float64, classes)
	for c, n := range counts {
		if n == 0 {
			name := fmt.Sprint(c)
			if c < len(names) {
				name = names[c]
			}
			return nil, fmt.Errorf("train.class_weights: balanced, but class %s has no row in the training split (its weight would be infinite); give the weights as {class: weight}", name)
		}
		w[c] = float64(len(y)) / (float64(classes) * float64(n))
	}
	return w, nil
}

// ResolveClassWeights turns the user's {class: weight} map into a weight
// per class. A key is a class name (names, exactly, else ignoring case:
// YAML keys reach nnfc lowercased) or, when the classes have no names, a
// class index; classes the map does not name weigh 1. An unknown class or
// a weight that is not a finite number > 0 is an error naming the key.
func ResolveClassWeights(given map[string]float64, classes int, names []string) ([]float64, error) {
	w := make([]float64, classes)
	for c := range w {
		w[c] = 1
	}
	if len(names) == 0 {
		names = make([]string, classes)
		for c := range names {
			names[c] = fmt.Sprint(c)
		}
	}
	for _, key := range sortedKeys(given) {
		c := -1
		for i, n := range names {
			if n == key {
				c = i
			}
		}
		if c < 0 {
			for i, n := range names {
				if strings.EqualFold(n, key) {
					if c >= 0 {
						return nil, fmt.Errorf("train.class_weights.%s: matches classes %q and %q but for case (YAML keys are read lowercased): rename one of them", key, names[c], n)
					}
					c = i
				}
			}
		}
		if c < 0 {
			lower := make([]string, len(names))
			for i, n := range names {
				lower[i] = strings.ToLower(n)
			}
			hint := suggestName(key, lower)
			for i, n := range lower {
				if hint == fmt.Sprintf(" (did you mean %q?)", n) {
					hint = fmt.Sprintf(" (did you mean %q?)", names[i])
				}
			}
			return nil, fmt.Errorf("train.class_weights.%s: no class %q%s, the classes are %s", key, key, hint, quoteNames(names))
		}
		v := given[key]
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("train.class_weights.%s: must be a number > 0, got %g", key, v)
		}
		w[c] = v
	}
	return w, nil
}

// SampleWeights reads the weight column name of t for the rows rows: a
// finite number ≥ 0 per row. A missing cell, a word or a negative weight
// is a one-line error naming the column and the file's line.
func SampleWeights(t *Table, name string, rows []int) ([]float32, error) {
	c := t.Column(name)
	if c == nil {
		return nil, fmt.Errorf("data.weight_column: %s has no column %q%s, its columns are %s", t.Path, name, suggestName(name, t.Names()), quoteNames(t.Names()))
	}
	w := make([]float32, len(rows))
	for k, i := range rows {
		bad := func(what string) error {
			return fmt.Errorf("data.weight_column: %s:%d: column %s: %s, expected a sample weight ≥ 0", t.Path, t.Line(i), name, what)
		}
		if c.Missing(i) {
			return nil, bad("the cell is blank")
		}
		var v float64
		if c.IsNumeric() {
			v = c.Num[i]
		} else {
			s := c.String(i)
			f, ok := parseFinite(s)
			if !ok {
				return nil, bad(fmt.Sprintf("%q is not a number", s))
			}
			v = f
		}
		if !(v >= 0) || math.IsInf(v, 0) || v > math.MaxFloat32 {
			return nil, bad(fmt.Sprintf("%g", v))
		}
		w[k] = float32(v)
	}
	return w, nil
}
