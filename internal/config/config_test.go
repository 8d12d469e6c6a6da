package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadReportsEveryProblem(t *testing.T) {
	p := write(t, `
seed: 3
data:
  source: spiral
  val_fraction: 0.2
model:
  hiden: [10]
  activation: swsh
optimizer:
  rule: sgd
  beta1: 0.9
  lr: -1
train:
  epochs: 0
`)
	_, err := Load(p, nil)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"unknown key model.hiden (did you mean model.hidden?)",
		"model.activation: must be one of",
		"optimizer.beta1: does not apply to rule sgd",
		"optimizer.lr: must be > 0, got -1",
		"train.epochs: must be > 0, got 0",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(msg, p) {
		t.Errorf("error does not name the file %s:\n%s", p, msg)
	}
}

func TestDefaultsAndRuleDefaults(t *testing.T) {
	p := write(t, "optimizer:\n  rule: adam\n  lr: 0.001\nschedule:\n  kind: cosine\n")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := c.Optimizer
	if o.Beta1 != 0.9 || o.Beta2 != 0.999 || o.Eps != 1e-8 || o.LR != 0.001 {
		t.Errorf("adam defaults not applied: %+v", o)
	}
	if c.Schedule.Epochs != c.Train.Epochs {
		t.Errorf("cosine epochs %d, want train.epochs %d", c.Schedule.Epochs, c.Train.Epochs)
	}
	if c.Train.BatchSize != 128 || c.Precision != "float32" {
		t.Errorf("defaults not applied: %+v", c.Train)
	}
}

func TestEnvOverrides(t *testing.T) {
	p := write(t, "train:\n  epochs: 3\n")
	t.Setenv("NNFC_TRAIN_EPOCHS", "7")
	t.Setenv("NNFC_OPTIMIZER_LR", "0.5")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Train.Epochs != 7 || c.Optimizer.LR != 0.5 {
		t.Errorf("env not applied: epochs %d lr %g", c.Train.Epochs, c.Optimizer.LR)
	}
}

func TestMissingAndMalformedFile(t *testing.T) {
	if _, err := Load("/nonexistent/run.yaml", nil); err == nil || !strings.Contains(err.Error(), "/nonexistent/run.yaml") {
		t.Errorf("missing file: %v", err)
	}
	p := write(t, "model: [unclosed\n")
	if _, err := Load(p, nil); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("malformed file: %v", err)
	}
	p = write(t, "train:\n  epochs: many\n")
	if _, err := Load(p, nil); err == nil || !strings.Contains(err.Error(), "epochs") {
		t.Errorf("wrong type: %v", err)
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	c := Default()
	p := write(t, c.YAML())
	got, err := Load(p, nil)
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, c.YAML())
	}
	if got.YAML() != c.YAML() {
		t.Errorf("round trip changed the config:\n%s\nvs\n%s", got.YAML(), c.YAML())
	}
}

func TestValCountReplacesDefaultFraction(t *testing.T) {
	c, err := Load(write(t, "data:\n  val_count: 100\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Data.ValCount != 100 || c.Data.ValFraction != 0 {
		t.Errorf("val_count %d val_fraction %g, want 100 and 0", c.Data.ValCount, c.Data.ValFraction)
	}
	// The resolved config, as a run directory stores it, loads back.
	if _, err := LoadStored(write(t, c.YAML())); err != nil {
		t.Errorf("stored config does not load: %v", err)
	}
	if _, err := Load(write(t, "data:\n  val_count: 100\n  val_fraction: 0.2\n"), nil); err == nil {
		t.Error("both val_count and val_fraction accepted")
	}
}
