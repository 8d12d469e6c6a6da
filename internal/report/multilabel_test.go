package report

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/train"
)

// TestBuildMultilabel: the report of a multilabel run (a small table of
// two labels, one column of ";"-separated labels) has a per-label table
// whose rows are the trainer's test figures (precision, recall, F1 per
// label, named), no confusion matrix, and counts a row wrong when any of
// its labels is (the subset accuracy).
func TestBuildMultilabel(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y,tags\n")
	for i := range 120 {
		x, y := float64(i%11)/5-1, float64(i%7)/3-1
		var tags []string
		if x > 0 {
			tags = append(tags, "right")
		}
		if y > 0 {
			tags = append(tags, "up")
		}
		fmt.Fprintf(&b, "%.3f,%.3f,%s\n", x, y, strings.Join(tags, ";"))
	}
	csv := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := writeTemp(fmt.Sprintf(`seed: 2
data: {source: table, train: %s, test: %s, target: tags, val_fraction: 0.2}
model: {task: multilabel, hidden: [8], activation: tanh}
optimizer: {rule: adam, lr: 0.05}
train: {epochs: 8, batch_size: 16, out_dir: %s}
`, csv, csv, filepath.Join(dir, "run")))
	defer os.Remove(yaml)
	c, err := config.Load(yaml, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Start(context.Background(), c, train.Options{Progress: "none"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(res.Dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lr := res.Test.Labels
	if lr == nil || len(p.Labels) != 2+3 || p.Labels[0].Label != "right" || p.Labels[1].Label != "up" || !p.Labels[3].Mean {
		t.Fatalf("label rows %+v (trainer's report %+v)", p.Labels, lr)
	}
	for j, l := range lr.Labels {
		if got, want := p.Labels[j].F1, fmt.Sprintf("%.4f", l.F1); got != want {
			t.Errorf("label %s: F1 %s, the trainer measured %s", p.Labels[j].Label, got, want)
		}
	}
	if wrong := int(math.Round(float64(res.Test.N) * (1 - lr.SubsetAccuracy))); p.Test.Errors != wrong || p.Conf != "" {
		t.Errorf("test: %d wrong, want %d (rows with a wrong label); confusion %q", p.Test.Errors, wrong, p.Conf)
	}
	var h bytes.Buffer
	if err := Render(&h, p); err != nil {
		t.Fatal(err)
	}
	html := h.String()
	if !strings.Contains(html, `id="labels"`) || !strings.Contains(html, `href="#labels"`) || strings.Contains(html, `href="#confusion"`) {
		t.Errorf("page: per-label section or its link missing, or a link to a confusion matrix it does not have")
	}
}
