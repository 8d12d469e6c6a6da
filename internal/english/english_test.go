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

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th",
		21: "21st", 22: "22nd", 23: "23rd", 101: "101st", 111: "111th", 112: "112th"} {
		if got := Ordinal(n); got != want {
			t.Errorf("Ordinal(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestDuration: times read at every size, from an epoch of a tiny table
// (26 µs, which "%.2f s" showed as 0.00 s) to minutes.
func TestDuration(t *testing.T) {
	for v, want := range map[float64]string{123.456: "123.46 s", 12.345: "12.35 s", 0.25: "0.25 s", 0.0344: "34 ms", 0.0032: "3.2 ms", 0.000026: "26 µs", 0: "–"} {
		if got := Duration(v); got != want {
			t.Errorf("Duration(%g) = %q, want %q", v, got, want)
		}
	}
}
