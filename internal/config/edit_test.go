package config

import (
	"strings"
	"testing"
)

// TestSetValue: a key set in a flow mapping, in a block mapping, added to
// an existing section and to a new one; comments and the other keys
// kept; a key that is a section, or under a value, refused.
func TestSetValue(t *testing.T) {
	for _, tc := range []struct {
		name, src, key, value string
		want                  []string // substrings of the result
		err                   string
	}{
		{"flow", "# tuned\noptimizer: {rule: adam, lr: 0.01}\n", "optimizer.lr", "0.003",
			[]string{"# tuned", "rule: adam", "lr: 0.003"}, ""},
		{"block", "optimizer:\n  rule: sgd  # plain\n  lr: 0.4\ntrain:\n  epochs: 3\n", "optimizer.lr", "0.05",
			[]string{"rule: sgd # plain", "lr: 0.05", "epochs: 3"}, ""},
		{"added to its section", "optimizer:\n  rule: sgd\n", "optimizer.lr", "0.2", []string{"rule: sgd", "lr: 0.2"}, ""},
		{"new section", "seed: 3\n", "optimizer.lr", "0.2", []string{"seed: 3", "optimizer:", "lr: 0.2"}, ""},
		{"a section", "optimizer: {lr: 0.1}\n", "optimizer", "1", nil, "optimizer: must be a value, the config has a mapping"},
		{"under a value", "optimizer: adam\n", "optimizer.lr", "1", nil, "optimizer: must be a section of keys, the config has a value"},
	} {
		out, err := SetValue([]byte(tc.src), tc.key, tc.value)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: result lacks %q:\n%s", tc.name, w, out)
			}
		}
		p := write(t, string(out))
		c, err := Load(p, nil)
		if err != nil {
			t.Errorf("%s: the result does not load: %v\n%s", tc.name, err, out)
		} else if tc.key == "optimizer.lr" && c.Optimizer.LR != map[string]float64{"0.003": 0.003, "0.05": 0.05, "0.2": 0.2}[tc.value] {
			t.Errorf("%s: optimizer.lr %g after setting %s", tc.name, c.Optimizer.LR, tc.value)
		}
	}
}
