package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// TableConfig is what a table data source needs to prepare a run's data:
// how to read the files, which column to predict, how to fit the inputs,
// and how much of the training file to hold out for validation.
type TableConfig struct {
	Train, Test string // paths; Test is optional
	Read        TableOptions
	Fit         FitOptions
	// ValCount or ValFraction (see ValCount) rows of the training file
	// are held out; Stratify keeps each class's share in both parts.
	ValCount    int
	ValFraction float64
	Stratify    bool
	// Fold, when its K is set, holds out fold Index of a K-fold partition
	// of the training file's rows (Folds) instead, before the fit.
	Fold FoldSpec
	// Positive, when set, names the target value that is the positive
	// class of a binary task: it is numbered last (class 1 of two).
	Positive string
	// Schema, when set, is a schema fitted before (the model a run
	// resumes or fine-tunes): the rows are labelled with its classes,
	// split the same way, and encoded with it instead of a new fit.
	Schema *Schema
	// Float64 encodes the inputs in float64 too (Dataset.X64), for a
	// float64 run: standardized numeric inputs as computed, not rounded
	// to float32.
	Float64 bool
	// TargetKind is the kind of target the task predicts: TargetClass
	// ("" too), TargetNumber (the numbers of Fit's target columns) or
	// TargetLabels (0/1 columns, or one column of labels separated by
	// LabelSep).
	TargetKind string
}

// TableData is a table prepared for training: the fitted schema and the
// encoded splits (Classes = len(Schema.Target.Classes)). Notes are the
// lines a run prints about the data (dropped rows, unseen values, ignored
// columns); the schema's own lines are Schema.Describe.
type TableData struct {
	Schema           *Schema
	Train, Val, Test *Dataset // Test is nil without a test file
	Notes            []string
}

// LoadTable reads the training file (and the test file, if any), takes
// the labels of the target column, drops the rows without one, carves
// the validation split with rng (stratified on request), fits the schema
// on the training rows only and encodes every split with it.
func LoadTable(c TableConfig, rng *rand.Rand) (*TableData, error) {
	t, err := ReadTable(c.Train, c.Read)
	if err != nil {
		return nil, err
	}
	tcs, err := ResolveTargets(t, c.Fit.targetNames())
	if err != nil {
		return nil, err
	}
	tc := tcs[0]
	var rt rowTarget
	var classes []string
	number := c.TargetKind == TargetNumber
	labels := c.TargetKind == TargetLabels
	kind := c.TargetKind
	if kind == "" {
		kind = TargetClass
	}
	if c.Schema != nil && c.Schema.Target.Kind != kind {
		return nil, fmt.Errorf("data.target: the model's stored preprocessing predicts a %s target, the config's task a %s one", c.Schema.Target.Kind, kind)
	}
	var labelSetsOf [][]string // one label column: its sets, made a matrix once the training rows are drawn
	var notes []string
	switch {
	case (number || labels) && c.Stratify:
		return nil, fmt.Errorf("data.stratify: keeps each class's share in the validation split, and a %s target (model.task %s) has no classes", kind, map[bool]string{true: "regression", false: "multilabel"}[number])
	case labels && len(tcs) == 1 && c.Schema == nil:
		labelSetsOf = labelSets(tc, t.N)
	case labels:
		var known []string
		if c.Schema != nil {
			known = c.Schema.Target.Classes
		}
		if rt, classes, notes, err = readLabels(t, tcs, known); err != nil {
			return nil, err
		}
	case number:
		if rt.v, err = NumberTargets(t, tcs); err != nil {
			return nil, err
		}
		rt.k = len(tcs)
	case len(tcs) > 1:
		return nil, fmt.Errorf("data.target: lists %d columns, and a class target is one column", len(tcs))
	default:
		rt.y, classes = ClassLabels(tc)
		if c.Positive != "" && c.Schema == nil {
			if classes, err = positiveLast(rt.y, classes, c.Positive, tc.Name); err != nil {
				return nil, err
			}
		}
		if c.Schema != nil {
			if rt.y, err = c.Schema.labels(t, tc); err != nil {
				return nil, err
			}
			classes = c.Schema.Target.Classes
		}
	}
	var rows []int
	for i := range t.N {
		if !rt.missing(i) {
			rows = append(rows, i)
		}
	}
	out := &TableData{Notes: notes}
	dropped := t.N - len(rows)
	if dropped > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%s: %d of %d row(s) have no %s (the target): dropped", t.Path, dropped, t.N, targetList(tcs)))
	}
	if len(rows) == 0 && (number || labels) {
		return nil, fmt.Errorf("data.target: %s has no row with a value in %s", t.Path, targetList(tcs))
	}
	if len(classes) < 2 && !number && !labels {
		only := "no value"
		if len(classes) == 1 {
			only = fmt.Sprintf("the one value %q", classes[0])
		}
		return nil, fmt.Errorf("data.target: column %s of %s holds %s, expected at least 2 classes", tc.Name, t.Path, only)
	}
	frac := c.ValFraction
	if c.ValCount > 0 || c.Fold.K > 0 {
		frac = 0
	}
	nval, err := ValCount(len(rows), c.ValCount, frac)
	if err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	var vi, ti []int
	if c.Fold.K > 0 {
		if number && c.Fold.Stratify {
			return nil, fmt.Errorf("data.cv.stratify: keeps each class's share in every fold, and a number target (model.task regression) has no classes")
		}
		var sub []int32 // the labels of rows (class targets)
		for _, i := range rows {
			if rt.y != nil {
				sub = append(sub, rt.y[i])
			}
		}
		if vi, ti, err = c.Fold.Rows(len(rows), sub, len(classes), rng); err != nil {
			return nil, fmt.Errorf("%s: %v", t.Path, err)
		}
	} else if c.Stratify {
		sub := make([]int32, len(rows))
		for k, i := range rows {
			sub[k] = rt.y[i]
		}
		vi, ti = StratifiedSplit(sub, len(classes), nval, rng)
	} else {
		vi, ti = RandomSplit(len(rows), nval, rng)
	}
	for k := range vi {
		vi[k] = rows[vi[k]]
	}
	for k := range ti {
		ti[k] = rows[ti[k]]
	}
	if labelSetsOf != nil {
		// The labels are those of the training rows.
		if classes = labelUnion(labelSetsOf, ti); len(classes) == 0 {
			return nil, fmt.Errorf("data.target: column %s of %s has no label in its training rows, expected labels separated by %q (model.task multilabel)", tc.Name, t.Path, LabelSep)
		}
		var unknown int
		rt.v, unknown = labelMatrix(labelSetsOf, classes)
		rt.k = len(classes)
		if unknown > 0 {
			out.Notes = append(out.Notes, unknownLabels(t.Path, unknown, tc.Name, len(classes))+" (they occur in validation rows only)")
		}
	}
	s := c.Schema
	if s == nil {
		if s, err = FitSchema(t, tc, classes, ti, c.Fit); err != nil {
			return nil, err
		}
		if number {
			s.Target = fitNumberTarget(tcs, rt.v, ti)
		}
		if labels {
			s.Target = labelTarget(tcs, classes, rt.v, ti)
		}
		s.DroppedTarget = dropped
		s.NoHeader = c.Read.NoHeader
		if c.Read.NAValues != nil {
			s.NAValues = slices.Clone(c.Read.NAValues)
		} else {
			s.NAValues = slices.Clone(DefaultNAValues)
		}
	}
	var nd int
	ti, nd = s.dropRows(t, ti)
	vi, ndv := s.dropRows(t, vi)
	if nd+ndv > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%s: %d row(s) with a missing cell in a drop_row column: dropped", t.Path, nd+ndv))
	}
	if len(ti) == 0 {
		return nil, fmt.Errorf("%s: no training rows left after dropping rows with missing cells (data.impute)", t.Path)
	}
	if c.Schema == nil && !number && !labels {
		s.Target.Counts = ClassCounts(rt.y, ti, len(classes))
	}
	for _, col := range s.Columns {
		if col.Type == TypeIgnore && col.Inferred {
			out.Notes = append(out.Notes, fmt.Sprintf("column %s ignored: %s", col.Name, col.Note))
		}
	}
	cols, _, err := s.Bind(t)
	if err != nil {
		return nil, err
	}
	// Train and validation rows share one buffer, training rows first.
	all := append(slices.Clip(ti), vi...)
	ds, notes, err := s.encodeRows(t, cols, all, rt, c.Float64)
	if err != nil {
		return nil, err
	}
	if s.WeightColumn != "" {
		if ds.W, err = SampleWeights(t, s.WeightColumn, all); err != nil {
			return nil, err
		}
	}
	out.Notes = append(out.Notes, notes...)
	out.Schema = s
	out.Train, out.Val = ds.cut(len(ti))
	if c.Test != "" {
		tt, err := ReadTable(c.Test, s.ReadOptions())
		if err != nil {
			return nil, err
		}
		test, notes, err := s.EncodeTableAs(tt, true, c.Float64)
		if err != nil {
			return nil, err
		}
		out.Test = test
		out.Notes = append(out.Notes, notes...)
	}
	return out, nil
}

// positiveLast renumbers the classes so that the class named positive is
// the last one (the positive class of two), relabelling y in place; the
// other classes keep their order. A name that is no class is an error
// naming the column and its values.
func positiveLast(y []int32, classes []string, positive, column string) ([]string, error) {
	p := slices.Index(classes, positive)
	if p < 0 {
		return nil, fmt.Errorf("data.positive: column %s has no value %q%s, its values are %s", column, positive, suggestName(positive, classes), quoteNames(classes))
	}
	order := append(slices.Delete(slices.Clone(classes), p, p+1), positive)
	rank := make([]int32, len(classes))
	for k, name := range order {
		rank[slices.Index(classes, name)] = int32(k)
	}
	for i, v := range y {
		if v >= 0 {
			y[i] = rank[v]
		}
	}
	return order, nil
}

// ReadOptions are the options that read a file as the training file
// was read: its NA values, and without a header row if it had none.
func (s *Schema) ReadOptions() TableOptions {
	return TableOptions{NAValues: s.NAValues, NoHeader: s.NoHeader}
}

// labels maps the target column tc of t to the schema's classes (-1
// where missing); a value that is not a class is an error.
func (s *Schema) labels(t *Table, tc *TableColumn) ([]int32, error) {
	class := make(map[string]int32, len(s.Target.Classes))
	for k, c := range s.Target.Classes {
		class[c] = int32(k)
	}
	y := make([]int32, t.N)
	for i := range t.N {
		if tc.Missing(i) {
			y[i] = -1
			continue
		}
		k, ok := class[tc.String(i)]
		if !ok {
			return nil, fmt.Errorf("%s:%d: column %s: %q is not one of the model's classes (%s)", t.Path, t.Line(i), tc.Name, tc.String(i), strings.Join(s.Target.Classes, ", "))
		}
		y[i] = k
	}
	return y, nil
}

// EncodeTable encodes every row of t with the fitted schema. With
// needTarget, t must have the target column: rows without a target are
// dropped (and noted), and a value that is not one of the classes is an
// error. Without it the labels are the target's when t has the column
// and every row's value is a class, else 0; a number target is then not
// read at all.
func (s *Schema) EncodeTable(t *Table, needTarget bool) (*Dataset, []string, error) {
	return s.EncodeTableAs(t, needTarget, false)
}

// EncodeTableAs is EncodeTable, with the inputs in float64 too
// (Dataset.X64) when f64.
func (s *Schema) EncodeTableAs(t *Table, needTarget, f64 bool) (*Dataset, []string, error) {
	cols, notes, err := s.Bind(t)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]int, t.N)
	for i := range rows {
		rows[i] = i
	}
	if s.Target.Kind == TargetNumber || s.Target.Kind == TargetLabels {
		return s.encodeValues(t, cols, rows, notes, needTarget, f64)
	}
	y := make([]int32, t.N)
	tc := t.Column(s.Target.Name)
	if tc == nil && needTarget {
		return nil, nil, fmt.Errorf("%s: no column %q, the target the model predicts", t.Path, s.Target.Name)
	}
	if tc != nil {
		class := make(map[string]int32, len(s.Target.Classes))
		for k, c := range s.Target.Classes {
			class[c] = int32(k)
		}
		rows = rows[:0]
		for i := range t.N {
			if tc.Missing(i) {
				continue
			}
			k, ok := class[tc.String(i)]
			if !ok {
				if needTarget {
					return nil, nil, fmt.Errorf("%s:%d: column %s: %q is not one of the model's classes (%s)", t.Path, t.Line(i), tc.Name, tc.String(i), strings.Join(s.Target.Classes, ", "))
				}
				k = 0
			}
			y[i] = k
			rows = append(rows, i)
		}
		if d := t.N - len(rows); d > 0 {
			if !needTarget {
				// predict keeps every row
				rows = rows[:0]
				for i := range t.N {
					rows = append(rows, i)
				}
			} else {
				notes = append(notes, fmt.Sprintf("%s: %d row(s) have no %s (the target): dropped", t.Path, d, tc.Name))
			}
		}
	}
	ds, more, err := s.encodeRows(t, cols, rows, rowTarget{y: y}, f64)
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, more...)
	return ds, notes, s.evalWeights(t, ds, rows, needTarget, &notes)
}

// encodeValues is EncodeTable for a number or a labels target (the
// Dataset's Target matrix): with needTarget every target column must be
// there, and rows with a missing target (a number, or a 0/1 label cell)
// are dropped (noted); a label column's unknown labels are left out
// (noted).
func (s *Schema) encodeValues(t *Table, cols []*TableColumn, rows []int, notes []string, needTarget, f64 bool) (*Dataset, []string, error) {
	var rt rowTarget
	if needTarget {
		var tcs []*TableColumn
		for _, n := range s.Target.columns() {
			tc := t.Column(n)
			if tc == nil {
				return nil, nil, fmt.Errorf("%s: no column %q, a target the model predicts", t.Path, n)
			}
			tcs = append(tcs, tc)
		}
		if s.Target.Kind == TargetLabels {
			var more []string
			var err error
			if rt, _, more, err = readLabels(t, tcs, s.Target.Classes); err != nil {
				return nil, nil, err
			}
			notes = append(notes, more...)
		} else {
			v, err := NumberTargets(t, tcs)
			if err != nil {
				return nil, nil, err
			}
			rt = rowTarget{v: v, k: len(tcs)}
		}
		rows = rows[:0]
		for i := range t.N {
			if !rt.missing(i) {
				rows = append(rows, i)
			}
		}
		if d := t.N - len(rows); d > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d row(s) have no %s (the target): dropped", t.Path, d, targetList(tcs)))
		}
	}
	ds, more, err := s.encodeRows(t, cols, rows, rt, f64)
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, more...)
	return ds, notes, s.evalWeights(t, ds, rows, needTarget, &notes)
}

// evalWeights gives ds, encoded for evaluation (needTarget), the sample
// weights of its rows when the schema has a weight column and the file
// has it: evaluation weighs the rows as training did; predict needs none.
func (s *Schema) evalWeights(t *Table, ds *Dataset, rows []int, needTarget bool, notes *[]string) error {
	if s.WeightColumn == "" || !needTarget {
		return nil
	}
	if t.Column(s.WeightColumn) == nil {
		*notes = append(*notes, fmt.Sprintf("%s: no column %s (data.weight_column): every row weighs 1", t.Path, s.WeightColumn))
		return nil
	}
	var err error
	ds.W, err = SampleWeights(t, s.WeightColumn, rows)
	return err
}

// targetList names target columns: "price", or "price, area".
func targetList(tcs []*TableColumn) string {
	names := make([]string, len(tcs))
	for i, c := range tcs {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// encodeRows encodes rows into a new Dataset with the target rt of those
// rows (Schema.setTarget), with X64 too when f64.
func (s *Schema) encodeRows(t *Table, cols []*TableColumn, rows []int, rt rowTarget, f64 bool) (*Dataset, []string, error) {
	W := s.Width()
	ds := &Dataset{Name: t.Path, X: make([]float32, len(rows)*W), N: len(rows), D: W, Embed: s.EmbedInputs()}
	s.setTarget(ds, rows, rt)
	if f64 {
		ds.X64 = make([]float64, len(ds.X))
	}
	notes, err := s.encode(t, cols, rows, ds.X, ds.X64)
	if err != nil {
		return nil, nil, err
	}
	return ds, notes, nil
}

// cut splits d into its first n rows and the rest, sharing d's buffers.
func (d *Dataset) cut(n int) (a, b *Dataset) {
	D, K := d.D, d.K
	a = &Dataset{Name: d.Name + "[train]", X: d.X[: n*D : n*D], N: n, D: D, Classes: d.Classes, K: K, Embed: d.Embed}
	b = &Dataset{Name: d.Name + "[val]", X: d.X[n*D:], N: d.N - n, D: D, Classes: d.Classes, K: K, Embed: d.Embed}
	a.copyTargetMeta(d)
	b.copyTargetMeta(d)
	if d.Y != nil {
		a.Y, b.Y = d.Y[:n:n], d.Y[n:]
	}
	if d.Target != nil {
		a.Target, b.Target = d.Target[:n*K:n*K], d.Target[n*K:]
	}
	if d.W != nil {
		a.W, b.W = d.W[:n:n], d.W[n:]
	}
	if d.X64 != nil {
		a.X64, b.X64 = d.X64[:n*D:n*D], d.X64[n*D:]
	}
	return a, b
}

// dropRows leaves out the rows with a missing cell in a drop_row column.
func (s *Schema) dropRows(t *Table, rows []int) ([]int, int) {
	var drop []*TableColumn
	for _, c := range s.Columns {
		if c.Impute == ImputeDropRow && c.Type != TypeIgnore {
			drop = append(drop, t.Column(c.Name))
		}
	}
	if len(drop) == 0 {
		return rows, 0
	}
	kept := rows[:0:0]
	for _, i := range rows {
		ok := true
		for _, c := range drop {
			ok = ok && !c.Missing(i)
		}
		if ok {
			kept = append(kept, i)
		}
	}
	return kept, len(rows) - len(kept)
}

// RandomSplit draws val of n positions with rng for validation, the rest
// for training, each ascending: the same draw as Dataset.Split.
func RandomSplit(n, val int, rng *rand.Rand) (vi, ti []int) {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	Shuffle(perm, rng)
	vi, ti = slices.Clone(perm[:val]), slices.Clone(perm[val:])
	slices.Sort(vi)
	slices.Sort(ti)
	return vi, ti
}

// StratifiedSplit draws val of the positions of y for validation so that
// each class keeps its share: class c gets floor(val·n_c/N) rows, and the
// rows left over go to the classes with the largest remainders (ties to
// the smaller class index); within a class the rows are a random draw
// with rng. Both results are ascending.
func StratifiedSplit(y []int32, classes, val int, rng *rand.Rand) (vi, ti []int) {
	n := len(y)
	if val < 0 || val > n {
		panic(fmt.Sprintf("data: StratifiedSplit(%d) out of range for %d rows", val, n))
	}
	members := make([][]int, classes)
	for i, c := range y {
		members[c] = append(members[c], i)
	}
	quota := make([]int, classes)
	rem := make([]int, classes)
	left := val
	for c := range classes {
		q := val * len(members[c])
		quota[c], rem[c] = q/max(n, 1), q%max(n, 1)
		left -= quota[c]
	}
	order := make([]int, classes)
	for c := range order {
		order[c] = c
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	for _, c := range order {
		if left == 0 {
			break
		}
		if quota[c] < len(members[c]) {
			quota[c]++
			left--
		}
	}
	for c := range classes {
		m := members[c]
		Shuffle(m, rng)
		vi = append(vi, m[:quota[c]]...)
		ti = append(ti, m[quota[c]:]...)
	}
	slices.Sort(vi)
	slices.Sort(ti)
	return vi, ti
}
