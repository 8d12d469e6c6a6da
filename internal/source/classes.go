package source

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/pkg/data"
)

// EmptyClassesWarning returns a warning when the number of classes was
// inferred from integer labels (the largest plus one; data.classes not
// set) and some of those classes have no sample in the training data
// (train and validation splits): labels 1..3 make a 4-class model whose
// class 0 is a phantom. Data whose classes are declared, or named (a
// table's string labels), get none; nor does data with every class
// present, nor data without class labels (Y nil). (The readers refuse
// labels that leave most classes empty.)
func EmptyClassesWarning(c Config, classes int, sets ...*data.Dataset) string {
	if c.Classes > 0 || classes == 0 {
		return ""
	}
	for _, s := range sets {
		if s != nil && s.Y == nil {
			return "" // no class labels (a multilabel or number target)
		}
	}
	empty := data.EmptyClasses(classes, sets...)
	if len(empty) == 0 {
		return ""
	}
	names := make([]string, 0, min(len(empty), 5))
	for _, e := range empty[:min(len(empty), 5)] {
		names = append(names, strconv.Itoa(e))
	}
	list := strings.Join(names, ", ")
	if len(empty) > 5 {
		list += ", ..."
	}
	what := "class " + list + " has no sample: a phantom class"
	if len(empty) > 1 {
		what = "classes " + list + " have no sample: phantom classes"
	}
	return fmt.Sprintf("the labels make %s (the largest label, %d, plus one), but %s the model never sees; "+
		"renumber the labels from 0, give the classes as string labels (data.source: table), or, if there are %d classes, say so with data.classes: %d",
		english.Count(classes, "class"), classes-1, what, classes, classes)
}
