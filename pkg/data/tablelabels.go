package data

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// TargetLabels is a multi-label target: k labels per row, each set (1)
// or not (0), named Target.Classes. They come either from k columns of
// 0/1 (Target.Names, the same as Classes) or from one column (Target.Name)
// whose cells list the row's labels separated by Target.Sep (LabelSep);
// the labels are then those seen in the training rows, sorted. Dataset
// carries them as its Target matrix (N × k of 0/1, not standardized).
const TargetLabels = "labels"

// LabelSep separates the labels of a one-column label target: "a;b".
const LabelSep = ";"

// labelSets parses each row of a label column: its labels, without
// surrounding spaces, empty pieces skipped; a missing cell has none.
func labelSets(c *TableColumn, n int) [][]string {
	sets := make([][]string, n)
	for i := range n {
		if c.Missing(i) {
			continue
		}
		for _, l := range strings.Split(c.String(i), LabelSep) {
			if l = strings.TrimSpace(l); l != "" && !slices.Contains(sets[i], l) {
				sets[i] = append(sets[i], l)
			}
		}
	}
	return sets
}

// labelUnion is the sorted union of the label sets of rows.
func labelUnion(sets [][]string, rows []int) []string {
	var names []string
	for _, i := range rows {
		for _, l := range sets[i] {
			if !slices.Contains(names, l) {
				names = append(names, l)
			}
		}
	}
	slices.Sort(names)
	return names
}

// labelMatrix is the 0/1 matrix (len(sets) × len(names)) of the label
// sets over names, and the number of labels of rows that are not in
// names (left out).
func labelMatrix(sets [][]string, names []string) (v []float64, unknown int) {
	k := len(names)
	index := make(map[string]int, k)
	for j, n := range names {
		index[n] = j
	}
	v = make([]float64, len(sets)*k)
	for i, s := range sets {
		for _, l := range s {
			if j, ok := index[l]; ok {
				v[i*k+j] = 1
			} else {
				unknown++
			}
		}
	}
	return v, unknown
}

// LabelColumns reads the target columns cols of t as labels: 0 or 1 per
// cell, NaN where missing. Any other value is an error naming the file
// line and the column.
func LabelColumns(t *Table, cols []*TableColumn) ([]float64, error) {
	k := len(cols)
	v := make([]float64, t.N*k)
	for j, c := range cols {
		for i := range t.N {
			if c.Missing(i) {
				v[i*k+j] = math.NaN()
				continue
			}
			x, ok := parseFinite(c.String(i))
			if !ok || (x != 0 && x != 1) {
				return nil, fmt.Errorf("data.target: %s line %d holds %q in column %s, expected 0 or 1 (one label of model.task multilabel; a single column of labels separated by %q is data.target: COLUMN)", t.Path, t.Line(i), c.String(i), c.Name, LabelSep)
			}
			v[i*k+j] = x
		}
	}
	return v, nil
}

// labelTarget is the fitted label target: the label names, the columns
// they come from, and the count of training rows with each label.
func labelTarget(tcs []*TableColumn, names []string, v []float64, train []int) Target {
	k := len(names)
	tg := Target{Name: tcs[0].Name, Kind: TargetLabels, Classes: names, Counts: make([]int, k)}
	if len(tcs) == 1 {
		tg.Sep = LabelSep
	} else {
		tg.Names = slices.Clone(names)
	}
	for _, i := range train {
		for j := range k {
			if v[i*k+j] == 1 {
				tg.Counts[j]++
			}
		}
	}
	return tg
}

// readLabels reads the label target of the table t: from k 0/1 columns
// tcs, or from one column tcs[0] of LabelSep-separated labels. names are
// the labels when known (a fitted schema; needed for one column), else
// the columns' names. The rows without a target have NaN (columns only);
// notes tell of labels left out.
func readLabels(t *Table, tcs []*TableColumn, names []string) (rt rowTarget, labels []string, notes []string, err error) {
	if len(tcs) > 1 {
		if rt.v, err = LabelColumns(t, tcs); err != nil {
			return rt, nil, nil, err
		}
		rt.k = len(tcs)
		labels = make([]string, len(tcs))
		for j, c := range tcs {
			labels[j] = c.Name
		}
		if names != nil && !slices.Equal(names, labels) {
			return rt, nil, nil, fmt.Errorf("data.target: lists the columns %s, the model's labels are %s", quoteNames(labels), quoteNames(names))
		}
		return rt, labels, nil, nil
	}
	if names == nil {
		panic("data: readLabels of a label column without its labels")
	}
	var unknown int
	rt.v, unknown = labelMatrix(labelSets(tcs[0], t.N), names)
	rt.k = len(names)
	if unknown > 0 {
		notes = append(notes, unknownLabels(t.Path, unknown, tcs[0].Name, len(names)))
	}
	return rt, names, notes, nil
}

// unknownLabels is the note about labels none of the model's.
func unknownLabels(path string, n int, column string, k int) string {
	return fmt.Sprintf("%s: %d label(s) in column %s are none of the %d of the training rows: left out", path, n, column, k)
}

// setLabels gives ds the 0/1 label matrix of rows (as they are: no
// scaling) and the label names.
func (s *Schema) setLabels(ds *Dataset, rows []int, rt rowTarget) {
	K := len(s.Target.Classes)
	ds.K, ds.TargetNames = K, s.Target.Classes
	if rt.v == nil { // predict: no targets read
		return
	}
	ds.Target = make([]float64, len(rows)*K)
	for k, i := range rows {
		copy(ds.Target[k*K:(k+1)*K], rt.v[i*K:(i+1)*K])
	}
}

// validateLabels checks a label target read from a model file.
func (tg *Target) validateLabels() error {
	k := len(tg.Classes)
	switch {
	case tg.Name == "" || k == 0:
		return fmt.Errorf("table schema: label target %q with %d labels, expected a name and at least 1", tg.Name, k)
	case tg.Sep != "" && tg.Sep != LabelSep:
		return fmt.Errorf("table schema: label target %q separated by %q, expected %q", tg.Name, tg.Sep, LabelSep)
	case tg.Sep == "" && (!slices.Equal(tg.Names, tg.Classes) || tg.Name != tg.Names[0]):
		return fmt.Errorf("table schema: label target %q: columns %s for labels %s, expected the same (the first the target's name)", tg.Name, quoteNames(tg.Names), quoteNames(tg.Classes))
	}
	return nil
}

// describeLabels is the schema's line about a label target.
func (tg *Target) describeLabels(dropped string) string {
	from := "columns " + strings.Join(tg.Names, ", ") + " of 0/1"
	if tg.Sep != "" {
		from = fmt.Sprintf("column %s, separated by %q", tg.Name, tg.Sep)
	}
	return fmt.Sprintf("target: %d labels from %s, with their training rows: %s%s", len(tg.Classes), from, tg.classesWithCounts(), dropped)
}
