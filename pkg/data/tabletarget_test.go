package data

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestNumberTarget: a number target (model.task regression) of two
// columns is standardized with the training rows' mean and population
// standard deviation, rows without a target are dropped, the schema
// (kind number, names, mean, std) survives JSON and encodes a test file
// the same way; a cell that is not a number is a one-line error naming
// the line and the column, before anything is fitted.
func TestNumberTarget(t *testing.T) {
	p := writeTable(t, "t.csv", "x,kind,y,z\n1,a,10,1\n2,b,20,2\n3,a,,3\n4,b,40,4\n5,a,50,5\n")
	td, err := LoadTable(TableConfig{Train: p, Test: p, Fit: FitOptions{Target: "y", Targets: []string{"y", "z"}}, TargetKind: TargetNumber}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	s, tr := td.Schema, td.Train
	// y over the 4 rows with a target: mean 30, std √250; z: mean 3, std √2.5.
	if tg := s.Target; tg.Kind != TargetNumber || strings.Join(tg.Names, ",") != "y,z" || tg.Mean[0] != 30 || math.Abs(tg.Std[0]-math.Sqrt(250)) > 1e-12 || tg.Mean[1] != 3 {
		t.Fatalf("target %+v", tg)
	}
	if tr.N != 4 || tr.K != 2 || tr.Y != nil || tr.Classes != 0 || tr.D != 2 || strings.Join(tr.TargetNames, ",") != "y,z" {
		t.Fatalf("train: N %d K %d Y %v classes %d D %d names %v", tr.N, tr.K, tr.Y, tr.Classes, tr.D, tr.TargetNames)
	}
	if v := tr.Target[0]; math.Abs(v-(10-30)/math.Sqrt(250)) > 1e-12 {
		t.Errorf("first target %v, want (10−30)/√250", v)
	}
	if err := tr.Validate(); err != nil {
		t.Error(err)
	}
	b, _ := json.Marshal(s)
	back := &Schema{}
	if err := json.Unmarshal(b, back); err != nil || back.Validate(s.Width()) != nil {
		t.Fatalf("schema round trip: %v, %v", err, back.Validate(s.Width()))
	}
	if td.Test.N != 4 || td.Test.Target[0] != tr.Target[0] || !strings.Contains(strings.Join(td.Notes, "\n"), "1 row(s) have no y, z (the target): dropped") {
		t.Errorf("test split: N %d, notes %q", td.Test.N, td.Notes)
	}
	bad := *back
	bad.Target.Std = []float64{1, 0}
	if err := bad.Validate(s.Width()); err == nil || !strings.Contains(err.Error(), `target "z": mean 3, std 0`) {
		t.Errorf("schema with std 0: %v", err)
	}
	for _, tc := range []struct {
		cfg  TableConfig
		want string
	}{
		{TableConfig{Train: p, Fit: FitOptions{Target: "kind"}, TargetKind: TargetNumber},
			`data.target: ` + p + ` line 2 holds "a" in column kind, not a number: a regression (model.task regression) predicts numbers; to take each value as a class, use model.task classification`},
		{TableConfig{Train: p, Fit: FitOptions{Target: "y"}, TargetKind: TargetNumber, Stratify: true}, "data.stratify: keeps each class's share"},
		{TableConfig{Train: p, Fit: FitOptions{Targets: []string{"y", "y"}}, TargetKind: TargetNumber}, "data.target: lists column y twice"},
		{TableConfig{Train: p, Fit: FitOptions{Targets: []string{"y", "z"}}}, "data.target: lists 2 columns, and a class target is one column"},
		{TableConfig{Train: p, Fit: FitOptions{Target: "y"}, TargetKind: TargetNumber, Schema: &Schema{Target: Target{Kind: TargetClass}}}, "data.target: the model's stored preprocessing predicts a class target, the config's task a number one"},
	} {
		_, err := LoadTable(tc.cfg, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line with %q", err, tc.want)
		}
	}
}
