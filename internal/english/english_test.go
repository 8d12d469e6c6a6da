package english

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{1, "feature", "1 feature"},
		{0, "feature", "0 features"},
		{2, "epoch", "2 epochs"},
		{1, "class", "1 class"},
		{3, "class", "3 classes"},
		{7, "entry", "7 entries"},
		{-1, "sample", "-1 samples"},
	} {
		if got := Count(tc.n, tc.noun); got != tc.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
