package rundir

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAppendRead: records appended one per epoch read back in order; a
// torn last line (an append cut short by a kill) is skipped; a rewrite
// replaces them.
func TestAppendRead(t *testing.T) {
	dir := t.TempDir()
	for e := 1; e <= 3; e++ {
		if err := AppendMetrics(dir, Metrics{Epoch: e, Loss: 1 / float64(e), DataLoss: 0.5, ValAcc: 0.1 * float64(e)}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, MetricsLog), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"epoch":4,"loss":0.2`)
	f.Close()
	ms, err := ReadMetrics(dir)
	if err != nil || len(ms) != 3 || ms[2].Epoch != 3 || ms[2].ValAcc != 0.30000000000000004 {
		t.Fatalf("read %+v, %v; want epochs 1-3", ms, err)
	}
	if err := WriteMetrics(dir, ms[:1]); err != nil {
		t.Fatal(err)
	}
	if ms, err = ReadMetrics(dir); err != nil || len(ms) != 1 || ms[0].Epoch != 1 {
		t.Fatalf("after the rewrite: %+v, %v", ms, err)
	}
	// A bad line in the middle is an error naming the file and line.
	os.WriteFile(filepath.Join(dir, MetricsLog), []byte("{\"epoch\":1}\nnot json\n{\"epoch\":3}\n"), 0o644)
	if _, err := ReadMetrics(dir); err == nil || err.Error()[:len(dir)] != dir {
		t.Errorf("bad line: %v", err)
	}
}

// TestNoVal: a record measured no validation split only when every
// validation figure is 0 and it has no validation metrics.
func TestNoVal(t *testing.T) {
	for _, c := range []struct {
		m    Metrics
		want bool
	}{
		{Metrics{Epoch: 1, Loss: 0.5, TrainAcc: 0.9}, true},
		{Metrics{ValLoss: 0.3}, false},
		{Metrics{ValAcc: 1}, false},
		{Metrics{ValMSE: 0.2}, false},
		{Metrics{Val: map[string]float64{"roc_auc": 0.9}}, false},
	} {
		if got := c.m.NoVal(); got != c.want {
			t.Errorf("%+v: NoVal %v, want %v", c.m, got, c.want)
		}
	}
}
