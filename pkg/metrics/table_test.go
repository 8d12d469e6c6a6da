package metrics

import (
	"math"
	"strings"
	"testing"
)

func TestParseMonitor(t *testing.T) {
	valid := []string{"loss", "accuracy", "f1_macro", "log_loss"}
	if _, err := ParseMonitor("val_nope", valid); err == nil || !strings.Contains(err.Error(), "val_acc↑, val_f1_macro↑") {
		t.Errorf("the valid list should spell accuracy as val_acc, the default: %v", err)
	}
	for _, c := range []struct {
		in     string
		name   string
		higher bool
	}{{"val_acc", "accuracy", true}, {"val_accuracy", "accuracy", true}, {"val_f1_macro", "f1_macro", true},
		{"val_loss", "loss", false}, {"val_log_loss", "log_loss", false},
		{"train_acc", "accuracy", true}, {"train_f1_macro", "f1_macro", true}, {"train_loss", "loss", false}} {
		m, err := ParseMonitor(c.in, valid)
		if err != nil || m.Metric.Name != c.name || m.Metric.Higher != c.higher || m.Key != c.in || m.Train != strings.HasPrefix(c.in, "train_") {
			t.Errorf("ParseMonitor(%q) = %+v, %v; want metric %s, higher %v", c.in, m, err, c.name, c.higher)
		}
	}
	for _, in := range []string{"val_rmse", "f1_macro", "train_rmse", "val_", "val_f1", "train_", "test_acc", "trainacc"} {
		_, err := ParseMonitor(in, valid)
		if err == nil {
			t.Errorf("ParseMonitor(%q) accepted a name the task does not report", in)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "val_f1_macro↑") || !strings.Contains(msg, "val_loss↓") || !strings.Contains(msg, "train_") || !strings.Contains(msg, in) {
			t.Errorf("ParseMonitor(%q): %q should be one line naming the valid values with their directions and the input", in, msg)
		}
	}
}

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Table {
		if seen[m.Name] || m.Doc == "" || strings.ContainsAny(m.Name, " -") {
			t.Errorf("table entry %+v: duplicate, undocumented or not a key", m)
		}
		seen[m.Name] = true
	}
	for name, higher := range map[string]bool{"accuracy": true, "f1_macro": true, "roc_auc": true, "r2": true,
		"loss": false, "log_loss": false, "ece": false, "rmse": false, "mae": false} {
		if m, ok := Lookup(name); !ok || m.Higher != higher {
			t.Errorf("Lookup(%q) = %+v, %v; want higher=%v", name, m, ok, higher)
		}
	}
	if s := (Metric{Name: "rmse"}).Score(2); s != -2 {
		t.Errorf("a lower-is-better score of 2 = %g, want -2", s)
	}
	m := map[string]float64{}
	Put(m, "roc_auc", math.NaN())
	Put(m, "accuracy", 0.5)
	if _, ok := m["roc_auc"]; ok || m["accuracy"] != 0.5 {
		t.Errorf("Put kept a NaN or lost a value: %v", m)
	}
}
