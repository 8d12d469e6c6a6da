package config

import (
	"strings"
	"testing"
)

// TestAugmentKeys: data.augment is refused for sources of no pictures
// with one line naming the file and the key; its values are checked with
// the image's size; the good form loads, and a resolved config writes it
// back (for picture sources only) so that it loads as the same config.
func TestAugmentKeys(t *testing.T) {
	clearEnv(t)
	for _, tc := range []struct{ name, yaml, want string }{
		{"spiral", "data: {source: spiral, augment: {translate: 2}}", `data.augment.translate: augmentation applies to pictures (data.source mnist, fashion-mnist or cifar10); data.source spiral has none`},
		{"table", "data: {source: table, train: x.csv, target: y, augment: {flip: true}}", `data.augment.flip: augmentation applies to pictures`},
		{"csv elastic", "data: {source: csv, train: x.csv, augment: {elastic_alpha: 30, elastic_sigma: 4}}", `data.augment.elastic_alpha: augmentation applies to pictures`},
		{"translate too far", "data: {source: cifar10, dir: d, augment: {translate: 32}}", `data.augment.translate: must be below the image side (32 pixels), got 32`},
		{"rotate", "data: {augment: {rotate: 200}}", `data.augment.rotate: must be in [0, 180] degrees, got 200`},
		{"sigma missing", "data: {source: fashion-mnist, augment: {elastic_alpha: 34}}", `data.augment.elastic_sigma: must be > 0 pixels when elastic_alpha is set`},
		{"typo", "data: {augment: {translat: 2}}", `unknown key data.augment.translat (did you mean data.augment.translate?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, tc.yaml+"\n")
			_, err := Load(p, nil)
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			msg := err.Error()
			if !strings.Contains(msg, p) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q lacks the file or %q", msg, tc.want)
			}
			for _, line := range strings.Split(msg, "\n") {
				if strings.Contains(line, tc.want) && !strings.Contains(line, p) {
					t.Errorf("not one line naming the file: %q", line)
				}
			}
		})
	}
	c, err := Load(write(t, "data: {source: mnist, augment: {translate: 2, rotate: 10, scale: 0.1, elastic_alpha: 34, elastic_sigma: 4}}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadStored(write(t, c.YAML()))
	if err != nil || back.Data.Augment != c.Data.Augment || back.YAML() != c.YAML() {
		t.Errorf("the resolved config does not load back as itself (%v):\n%s", err, c.YAML())
	}
	if !strings.Contains(c.YAML(), "elastic_sigma: 4") {
		t.Errorf("the resolved config leaves out data.augment:\n%s", c.YAML())
	}
	s, err := Load(write(t, "data: {source: spiral}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.YAML(), "augment") {
		t.Errorf("a spiral run's resolved config lists data.augment:\n%s", s.YAML())
	}
}
