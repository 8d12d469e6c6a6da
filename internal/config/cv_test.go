package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCVKeys: data.cv's bad values are one-line errors naming the key,
// and a valid fold drops the default validation fraction (the fold is
// the validation split).
func TestCVKeys(t *testing.T) {
	clearEnv(t)
	load := func(data string) (Config, error) {
		p := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(p, []byte("data: {source: spiral"+data+"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return Load(p, nil)
	}
	for _, tc := range []struct{ data, want string }{
		{", cv: {folds: 1, fold: 1}", "data.cv.folds: must be ≥ 2"},
		{", cv: {folds: -2}", "data.cv.folds: must be ≥ 2"},
		{", cv: {folds: 5, fold: 0}", "data.cv.fold: must be in 1…5"},
		{", cv: {folds: 5, fold: 6}", "data.cv.fold: must be in 1…5"},
		{", cv: {fold: 2}", "data.cv.fold: applies only with data.cv.folds"},
		{", val_count: 10, cv: {folds: 3, fold: 1}", "data.val_count: the validation split is data.cv's fold"},
		{", val_fraction: 0.2, cv: {folds: 3, fold: 1}", "data.val_fraction: the validation split is data.cv's fold"},
	} {
		_, err := load(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("data {%s}: got %v, want one line with %q", tc.data, err, tc.want)
		}
	}
	c, err := load(", cv: {folds: 3, fold: 2, stratify: true}")
	if err != nil {
		t.Fatal(err)
	}
	if c.Data.ValFraction != 0 || c.Data.CV.Folds != 3 || c.Data.CV.Fold != 2 || !c.Data.CV.Stratify {
		t.Errorf("data.cv {3, 2, stratify}: got %+v, val_fraction %g", c.Data.CV, c.Data.ValFraction)
	}
}
