package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestResolvedYAML (issue 28 item 6): the resolved config (--print-config,
// a run's config.yaml, the report) prints every key that applies with its
// value, defaults included, and no key that does not apply; read back, it
// is the same config, for every example config.
func TestResolvedYAML(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(csv, []byte("data: {source: csv, train: t.csv}\nmodel: {hidden: [4], activation: leaky_relu}\nschedule: {kind: step}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path        string
		want, never []string
	}{
		{filepath.Join("..", "..", "configs", "mnist-swish.yaml"),
			[]string{"\n    gamma: 0.95\n", "\n    dir: data/mnist\n", "\n    warmup: 0\n"},
			[]string{"spiral:", "label_column", "x_key", "momentum", "beta1", "leaky_alpha", "target:", "impute", "\n    classes: 0\n    spiral"}},
		{filepath.Join("..", "..", "configs", "mnist-momentum.yaml"),
			[]string{"\n    momentum: 0.9\n", "\n    min_lr: 0\n"},
			[]string{"gamma", "beta2", "weight_decay"}},
		{filepath.Join("..", "..", "configs", "spiral-7.yaml"),
			[]string{"\n    spiral:\n        per_class: 300\n"},
			[]string{"\n    dir:", "gamma", "train_labels"}},
		{csv,
			[]string{"\n    train: t.csv\n", "\n    label_column: 0\n", "\n    leaky_alpha: 0.01\n", "\n    gamma: 0.1\n", "\n    every: "},
			[]string{"\n    dir:", "spiral:", "x_key", "momentum"}},
	} {
		c, err := Load(tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		y := c.YAML()
		for _, w := range tc.want {
			if !strings.Contains(y, w) {
				t.Errorf("%s: resolved config lacks %q:\n%s", tc.path, w, y)
			}
		}
		for _, n := range tc.never {
			if strings.Contains(y, n) {
				t.Errorf("%s: resolved config has %q, which does not apply:\n%s", tc.path, n, y)
			}
		}
	}
	// Read back, every example config is the config that was resolved.
	paths, _ := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	for _, p := range append(paths, csv) {
		c, err := Load(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		stored := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(stored, []byte(c.YAML()), 0o644); err != nil {
			t.Fatal(err)
		}
		back, err := LoadStored(stored)
		if err != nil {
			t.Errorf("%s: the resolved config does not load: %v\n%s", p, err, c.YAML())
			continue
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: read back, the resolved config differs:\n%+v\n%+v", p, back, c)
		}
	}
}
