package data

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestLabelTarget: a label target (model.task multilabel) from 0/1
// columns and from one ";" column gives the same 0/1 matrix; the labels
// of a ";" column are the sorted union of the training rows' (spaces
// trimmed, repeats and empty pieces dropped, a blank cell: no label);
// the schema survives JSON and encodes a test file the same way, leaving
// out (with a note) labels it does not know; bad cells and empty label
// columns are one-line errors naming the file, line and column.
func TestLabelTarget(t *testing.T) {
	p := writeTable(t, "t.csv", "x,a,b,tags\n1,1,0,a\n2,0,1, b ;b\n3,1,1,b;a;\n4,0,0,\n5,1,0,a\n")
	cols, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "a", Targets: []string{"a", "b"}, Exclude: []string{"tags"}}, TargetKind: TargetLabels}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	tags, err := LoadTable(TableConfig{Train: p, Fit: FitOptions{Target: "tags", Targets: []string{"tags"}, Exclude: []string{"a", "b"}}, TargetKind: TargetLabels}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 0, 0, 1, 1, 1, 0, 0, 1, 0}
	for _, td := range []*TableData{cols, tags} {
		tg, tr := td.Schema.Target, td.Train
		if tg.Kind != TargetLabels || !slices.Equal(tg.Classes, []string{"a", "b"}) || !slices.Equal(tg.Counts, []int{3, 2}) {
			t.Errorf("target %+v", tg)
		}
		if tr.N != 5 || tr.K != 2 || tr.Y != nil || tr.D != 1 || !slices.Equal(tr.Target, want) || !slices.Equal(tr.TargetNames, []string{"a", "b"}) {
			t.Errorf("train: N %d K %d Y %v D %d target %v names %v", tr.N, tr.K, tr.Y, tr.D, tr.Target, tr.TargetNames)
		}
		if err := tr.Validate(); err != nil {
			t.Error(err)
		}
		b, _ := json.Marshal(td.Schema)
		back := &Schema{}
		if err := json.Unmarshal(b, back); err != nil || back.Validate(td.Schema.Width()) != nil {
			t.Fatalf("schema round trip: %v, %v", err, back.Validate(td.Schema.Width()))
		}
	}
	if tg := tags.Schema.Target; tg.Sep != ";" || tg.Name != "tags" || tg.Names != nil {
		t.Errorf("one column's target: %+v", tg)
	}
	if tg := cols.Schema.Target; tg.Sep != "" || !slices.Equal(tg.Names, []string{"a", "b"}) {
		t.Errorf("columns' target: %+v", tg)
	}
	// A test file with a label the training rows never had.
	tt, err := ReadTable(writeTable(t, "test.csv", "x,tags\n1,a;c\n2,c\n"), tags.Schema.ReadOptions())
	if err != nil {
		t.Fatal(err)
	}
	ds, notes, err := tags.Schema.EncodeTable(tt, true)
	if err != nil || !slices.Equal(ds.Target, []float64{1, 0, 0, 0}) || !strings.Contains(strings.Join(notes, "\n"), "2 label(s) in column tags are none of the 2 of the training rows: left out") {
		t.Errorf("test file: %v, target %v, notes %q", err, ds.Target, notes)
	}
	if ds, _, err := tags.Schema.EncodeTable(tt, false); err != nil || ds.Target != nil || ds.K != 2 {
		t.Errorf("predict: %v", err)
	}
	bad := *cols.Schema
	bad.Target.Names = []string{"a", "c"}
	if err := bad.Validate(cols.Schema.Width()); err == nil || !strings.Contains(err.Error(), `label target "a": columns a, c for labels a, b`) {
		t.Errorf("schema with mismatched columns: %v", err)
	}
	q := writeTable(t, "q.csv", "x,a,b,none\n1,1,2,\n2,0,1,\n")
	for _, tc := range []struct {
		cfg  TableConfig
		want string
	}{
		{TableConfig{Train: q, Fit: FitOptions{Targets: []string{"a", "b"}}, TargetKind: TargetLabels},
			`data.target: ` + q + ` line 2 holds "2" in column b, expected 0 or 1 (one label of model.task multilabel; a single column of labels separated by ";" is data.target: COLUMN)`},
		{TableConfig{Train: q, Fit: FitOptions{Target: "none", Targets: []string{"none"}}, TargetKind: TargetLabels},
			`data.target: column none of ` + q + ` has no label in its training rows, expected labels separated by ";" (model.task multilabel)`},
		{TableConfig{Train: q, Fit: FitOptions{Targets: []string{"a", "b"}}, TargetKind: TargetLabels, Stratify: true}, "data.stratify: keeps each class's share in the validation split, and a labels target (model.task multilabel) has no classes"},
		{TableConfig{Train: p, Fit: FitOptions{Targets: []string{"a", "b"}}, TargetKind: TargetLabels, Schema: &Schema{Target: Target{Kind: TargetNumber}}}, "data.target: the model's stored preprocessing predicts a number target, the config's task a labels one"},
	} {
		_, err := LoadTable(tc.cfg, rand.New(rand.NewPCG(1, 1)))
		if err == nil || err.Error() != tc.want {
			t.Errorf("error %v\nwant %s", err, tc.want)
		}
	}
}
