// Package english words nnfc's messages: counts with their nouns in the
// right number ("1 feature", "2 features"), ordinals, and times.
package english

import (
	"fmt"
	"strconv"
)

// Duration is a time in seconds as a reader wants it at any size:
// "12.35 s", "0.25 s", "34 ms", "3.2 ms", "26 µs" (an epoch of a tiny
// table; "0.00 s" would say nothing); "–" for none (0 or less).
func Duration(seconds float64) string {
	v := seconds
	switch {
	case v >= 0.1:
		return fmt.Sprintf("%.2f s", v)
	case v >= 0.01:
		return fmt.Sprintf("%.0f ms", 1e3*v)
	case v >= 0.001:
		return fmt.Sprintf("%.1f ms", 1e3*v)
	case v > 0:
		return fmt.Sprintf("%.0f µs", 1e6*v)
	}
	return "–"
}

// Plural is noun in the plural: an s, or es after s and x ("class" →
// "classes"; "epoch" → "epochs"); the irregular nouns nnfc counts are
// listed.
func Plural(noun string) string {
	switch noun {
	case "":
		return noun
	case "entry":
		return "entries"
	}
	for _, end := range []string{"s", "x"} {
		if len(noun) >= len(end) && noun[len(noun)-len(end):] == end {
			return noun + "es"
		}
	}
	return noun + "s"
}

// Count is n followed by noun, in the plural unless n is 1: "1 epoch",
// "0 epochs", "3 classes".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + Plural(noun)
}

// Ordinal writes n as an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th,
// 13th, 21st, 22nd, 101st, 111th.
func Ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}
