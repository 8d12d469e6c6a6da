package data

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// TargetNumber is a numeric target: one or several columns of numbers
// (Target.Names), standardized with the training split's mean and
// standard deviation (Target.Mean, Target.Std) for training; a model's
// outputs map back to the data's units as Mean[j] + Std[j]·output.
const TargetNumber = "number"

// rowTarget is the target of a table's rows before encoding: a class
// label per row (y, −1 where missing), or k numbers per row (v, NaN
// where missing).
type rowTarget struct {
	y []int32
	v []float64
	k int
}

// missing reports whether row i has no target.
func (r rowTarget) missing(i int) bool {
	if r.v == nil && r.y == nil {
		return false // a label column's sets: a missing cell has no label
	}
	if r.v == nil {
		return r.y[i] < 0
	}
	for _, x := range r.v[i*r.k : (i+1)*r.k] {
		if math.IsNaN(x) {
			return true
		}
	}
	return false
}

// targetNames lists the target columns of the options: Targets, else
// Target.
func (o FitOptions) targetNames() []string {
	if len(o.Targets) > 0 {
		return o.Targets
	}
	return []string{o.Target}
}

// ResolveTargets finds the target columns names of t (see ResolveTarget).
func ResolveTargets(t *Table, names []string) ([]*TableColumn, error) {
	var cols []*TableColumn
	for _, n := range names {
		c, err := ResolveTarget(t, n)
		if err != nil {
			return nil, err
		}
		if slices.Contains(cols, c) {
			return nil, fmt.Errorf("data.target: lists column %s twice", c.Name)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// NumberTargets reads the target columns cols of t as numbers: k = len(cols)
// values per row, NaN where a cell is missing. A cell that is not a
// number is an error naming the file line and the column.
func NumberTargets(t *Table, cols []*TableColumn) ([]float64, error) {
	k := len(cols)
	v := make([]float64, t.N*k)
	for j, c := range cols {
		for i := range t.N {
			if c.IsNumeric() {
				v[i*k+j] = c.Num[i]
				continue
			}
			if c.Missing(i) {
				v[i*k+j] = math.NaN()
				continue
			}
			x, ok := parseFinite(c.String(i))
			if !ok {
				return nil, fmt.Errorf("data.target: %s line %d holds %q in column %s, not a number: a regression (model.task regression) predicts numbers; to take each value as a class, use model.task classification", t.Path, t.Line(i), c.String(i), c.Name)
			}
			v[i*k+j] = x
		}
	}
	return v, nil
}

// fitNumberTarget is the number target of cols, standardized with the
// mean and (population) standard deviation of the training rows of v; a
// constant column keeps Std 1.
func fitNumberTarget(cols []*TableColumn, v []float64, train []int) Target {
	k := len(cols)
	tg := Target{Name: cols[0].Name, Kind: TargetNumber, Mean: make([]float64, k), Std: make([]float64, k)}
	for j, c := range cols {
		tg.Names = append(tg.Names, c.Name)
		var sum float64
		for _, i := range train {
			sum += v[i*k+j]
		}
		mean := sum / float64(len(train))
		var ss float64
		for _, i := range train {
			d := v[i*k+j] - mean
			ss += d * d
		}
		std := math.Sqrt(ss / float64(len(train)))
		if !(std > 0) || math.IsInf(std, 0) {
			std = 1
		}
		tg.Mean[j], tg.Std[j] = mean, std
	}
	return tg
}

// validateTarget checks the target of a schema read from a model file.
func (tg *Target) validate() error {
	switch tg.Kind {
	case TargetClass:
		if tg.Name == "" || len(tg.Classes) < 2 {
			return fmt.Errorf("table schema: class target %q with %d classes, expected a name and at least 2", tg.Name, len(tg.Classes))
		}
	case TargetNumber:
		k := len(tg.Names)
		if k == 0 || tg.Name != tg.Names[0] || len(tg.Mean) != k || len(tg.Std) != k {
			return fmt.Errorf("table schema: number target %q with %d names, %d means and %d stds, expected at least one name (the first the target's name) and one mean and std each", tg.Name, k, len(tg.Mean), len(tg.Std))
		}
		for j := range k {
			if m, s := tg.Mean[j], tg.Std[j]; math.IsNaN(m) || math.IsInf(m, 0) || !(s > 0) || math.IsInf(s, 0) {
				return fmt.Errorf("table schema: target %q: mean %g, std %g: expected finite numbers and std > 0", tg.Names[j], m, s)
			}
		}
	case TargetLabels:
		return tg.validateLabels()
	default:
		return fmt.Errorf("table schema: target %q of kind %q, expected %s, %s or %s", tg.Name, tg.Kind, TargetClass, TargetNumber, TargetLabels)
	}
	return nil
}

// columns names the target's columns.
func (tg *Target) columns() []string {
	if tg.Kind == TargetNumber || (tg.Kind == TargetLabels && tg.Sep == "") {
		return tg.Names
	}
	return []string{tg.Name}
}

// describe is the schema's line about its target.
func (tg *Target) describe(dropped string) string {
	if tg.Kind == TargetLabels {
		return tg.describeLabels(dropped)
	}
	if tg.Kind != TargetNumber {
		return fmt.Sprintf("target %s: %d classes: %s%s", tg.Name, len(tg.Classes), tg.classesWithCounts(), dropped)
	}
	var parts []string
	for j, n := range tg.Names {
		parts = append(parts, fmt.Sprintf("%s (mean %.4g, std %.4g)", n, tg.Mean[j], tg.Std[j]))
	}
	return fmt.Sprintf("target: %s, standardized on the training split for training; predictions in the data's units%s", strings.Join(parts, ", "), dropped)
}

// classesWithCounts lists the classes (or labels) with their training
// rows: "a (3), b (2)"; a name without a count when Counts is short.
func (tg *Target) classesWithCounts() string {
	var cls []string
	for i, c := range tg.Classes {
		if i < len(tg.Counts) {
			cls = append(cls, fmt.Sprintf("%s (%d)", c, tg.Counts[i]))
		} else {
			cls = append(cls, c)
		}
	}
	return strings.Join(cls, ", ")
}

// setTarget gives ds the encoded target of rows: the labels of a class
// target, or the standardized numbers of a number target with their
// scaling and names.
func (s *Schema) setTarget(ds *Dataset, rows []int, rt rowTarget) {
	if s.Target.Kind == TargetLabels {
		s.setLabels(ds, rows, rt)
		return
	}
	if s.Target.Kind != TargetNumber {
		ds.Y = make([]int32, len(rows))
		for k, i := range rows {
			ds.Y[k] = rt.y[i]
		}
		ds.Classes = len(s.Target.Classes)
		return
	}
	tg := &s.Target
	ds.K = len(tg.Names)
	ds.TargetMean, ds.TargetStd, ds.TargetNames = tg.Mean, tg.Std, tg.Names
	if rt.v == nil { // predict: no targets read
		return
	}
	K := ds.K
	ds.Target = make([]float64, len(rows)*K)
	for k, i := range rows {
		for j := range K {
			ds.Target[k*K+j] = (rt.v[i*K+j] - tg.Mean[j]) / tg.Std[j]
		}
	}
}
