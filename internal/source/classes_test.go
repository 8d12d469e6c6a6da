package source

import (
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/data"
)

// TestEmptyClassesWarning (issue 28 item 2): labels 1..3 make a 4-class
// model with an empty class 0: warned, naming data.classes and string
// labels; declared classes and data with every class present are not.
func TestEmptyClassesWarning(t *testing.T) {
	oneBased := &data.Dataset{Name: "l.csv", Y: []int32{1, 2, 3, 1}, N: 4, D: 1, Classes: 4}
	val := &data.Dataset{Name: "l.csv[val]", Y: []int32{3}, N: 1, D: 1, Classes: 4}
	w := EmptyClassesWarning(Config{Source: "csv"}, 4, oneBased, val)
	for _, want := range []string{"4 classes", "class 0 has no sample", "data.classes: 4", "string labels"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %q: %q", want, w)
		}
	}
	gaps := &data.Dataset{Y: []int32{0, 3, 5}, Classes: 6}
	if w := EmptyClassesWarning(Config{Source: "csv"}, 6, gaps); !strings.Contains(w, "classes 1, 2, 4 have no sample") {
		t.Errorf("gaps 1, 2, 4: %q", w)
	}
	if w := EmptyClassesWarning(Config{Source: "csv", Classes: 4}, 4, oneBased); w != "" {
		t.Errorf("declared data.classes: 4 warned: %q", w)
	}
	full := &data.Dataset{Y: []int32{0, 1, 2, 3}, Classes: 4}
	if w := EmptyClassesWarning(Config{Source: "csv"}, 4, full); w != "" {
		t.Errorf("every class present, warned: %q", w)
	}
	// The validation split counts: class 3 only there is no phantom.
	trainOnly := &data.Dataset{Y: []int32{0, 1, 2}, Classes: 4}
	if w := EmptyClassesWarning(Config{Source: "csv"}, 4, trainOnly, val); w != "" {
		t.Errorf("class 3 in the validation split, warned: %q", w)
	}
}
