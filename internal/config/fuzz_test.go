package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoad feeds Load arbitrary config files. It must never panic or
// hang; every line of an error names the file; an accepted config renders
// (YAML) to a file that loads back as the same config. Search with
//
//	go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 2m ./internal/config/
func FuzzLoad(f *testing.F) {
	clearEnv(f)
	files, _ := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "seed: 1\nseed: 2\n", "data: {val_count: 0}\n", "model: {hidden: [8, 8], activations: [relu, tanh]}\n",
		"a: &a [1, 2]\nb: [*a, *a]\n", "seed: [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]\n", "- 1\n", "optimizer: {rule: adam, beta1: 1}\n",
		"schedule: {kind: cosine, warmup: 2}\ntrain: {epochs: 5}\n", "data:\n\tsource: csv\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p, nil)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, p+":") && !strings.HasPrefix(line, p+" ") {
					t.Fatalf("error line %q does not name %s", line, p)
				}
			}
			return
		}
		p2 := filepath.Join(dir, "resolved.yaml")
		if err := os.WriteFile(p2, []byte(c.YAML()), 0o644); err != nil {
			t.Fatal(err)
		}
		c2, err := LoadStored(p2)
		if err != nil {
			t.Fatalf("the resolved config does not load: %v\n%s", err, c.YAML())
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("the resolved config loads as another config:\n%s\nwas\n%+v\nnow\n%+v", c.YAML(), c, c2)
		}
	})
}
