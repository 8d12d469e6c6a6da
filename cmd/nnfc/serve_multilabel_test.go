package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/testfix"
)

// TestServeMultilabel trains model.task multilabel on the real digits
// table of make data (one ";" column of labels: even, ge5, prime), runs
// nnfc predict on the first rows of the test file (a "labels" column of
// the labels at or above the threshold, joined by ";", and p_<label>
// per label) and serves the model: the same raw CSV rows get the same
// labels and, per label, the same probabilities (to predict's 6 digits)
// and a 0/1 decision that agrees with them.
func TestServeMultilabel(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "digits.yaml"), []byte(fmt.Sprintf(`seed: 1
data: {source: table, train: %s, target: tags, exclude: [digit, even, ge5, prime], types: {p16: numeric, p31: numeric, p56: numeric}, val_fraction: 0}
model: {task: multilabel, hidden: [16], threshold: 0.4}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 5, batch_size: 32, out_dir: %s}
`, testfix.TableFile(t, "digit-labels-train.csv"), filepath.Join(dir, "run"))))
	if o := run(t, 2*time.Minute, nil, "train", "--config", cfg, "--progress", "none"); o.code != 0 {
		t.Fatalf("nnfc train: exit %d\n%s", o.code, o.stderr)
	}
	modelPath := filepath.Join(dir, "run", "model.safetensors")
	b, err := os.ReadFile(testfix.TableFile(t, "digit-labels-test.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	raw := strings.Join(lines[:13], "") // the header and 12 rows
	in := writeFile(t, filepath.Join(dir, "raw.csv"), []byte(raw))
	o := run(t, time.Minute, nil, "predict", "--model", modelPath, "--input", in)
	if o.code != 0 {
		t.Fatalf("nnfc predict: exit %d\n%s", o.code, o.stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(o.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(recs[0], ","); h != "row,labels,p_even,p_ge5,p_prime" {
		t.Fatalf("nnfc predict's header %s", h)
	}
	type labelled struct {
		labels string
		probs  []float64
	}
	var want []labelled
	sets := map[string]bool{}
	for _, r := range recs[1:] {
		p := labelled{labels: r[1]}
		var on []string
		for j, f := range r[2:] {
			v, _ := strconv.ParseFloat(f, 64)
			p.probs = append(p.probs, v)
			if v >= 0.4 {
				on = append(on, []string{"even", "ge5", "prime"}[j])
			}
		}
		if got := strings.Join(on, ";"); got != p.labels {
			t.Errorf("nnfc predict row %s: labels %q, its probabilities %v at threshold 0.4 say %q", r[0], p.labels, p.probs, got)
		}
		want = append(want, p)
		sets[p.labels] = true
	}
	if len(want) != 12 || len(sets) < 3 {
		t.Fatalf("nnfc predict answered %d rows with %d label sets, want 12 rows and 3 sets or more:\n%s", len(want), len(sets), o.stdout)
	}

	p := startServe(t, "--model", "digits="+modelPath)
	a := p.do("POST", "/v1/models/digits/predict", []byte(raw), "Content-Type", "text/csv")
	if a.code != 200 {
		t.Fatalf("serve: %s", a)
	}
	var r struct {
		Predictions []struct {
			Probabilities []float64 `json:"probabilities"`
			Labels        []int     `json:"labels"`
			LabelNames    string    `json:"label_names"`
		} `json:"predictions"`
	}
	if err := json.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("%v: %s", err, a.body)
	}
	if len(r.Predictions) != len(want) {
		t.Fatalf("serve answered %d rows, nnfc predict %d: %s", len(r.Predictions), len(want), a.body)
	}
	for i, got := range r.Predictions {
		if got.LabelNames != want[i].labels {
			t.Errorf("row %d: label_names %q, nnfc predict says %q", i, got.LabelNames, want[i].labels)
		}
		sameAsPredict(t, "serve", i, 0, got.Probabilities, predicted{probs: want[i].probs})
		if len(got.Labels) != 3 {
			t.Fatalf("row %d: labels %v, want 3 decisions", i, got.Labels)
		}
		for j, l := range got.Labels {
			if (l == 1) != (got.Probabilities[j] >= 0.4) {
				t.Errorf("row %d label %d: decision %d, probability %v at threshold 0.4", i, j, l, got.Probabilities[j])
			}
		}
	}
}
