package onnx

import (
	"encoding/json"
	"fmt"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/pkg/model"
)

// Output names of a classifier's graph.
const (
	OutProbabilities = "probabilities" // [N, classes], softmax of the scores
	OutLabel         = "label"         // [N] int64, the arg-max class index
	OutClass         = "class"         // [N] string, the class name (models with names)
)

func init() {
	registerTask(model.KindClassifier, classifier, OutProbabilities, OutLabel, OutClass)
}

// classifier: input → normalizer → layers → scores; probabilities =
// Softmax(scores) (what nnfc predict prints, whatever the training loss),
// label = ArgMax(scores) (the first of equal maxima, as nnfc's), and with
// class names the name of the label by ai.onnx.ml's LabelEncoder.
func classifier(g *graph, s *source) error {
	spec := s.net.Spec
	names, err := classNames(spec.Classes, s.opts, s.classes)
	if err != nil {
		return err
	}
	x, err := modelInput(g, s)
	if err != nil {
		return err
	}
	scores, err := body(g, s.net, x)
	if err != nil {
		return err
	}
	g.output(g.node("Softmax", OutProbabilities, []string{scores}, attrInt("axis", -1)), g.elem, spec.Classes)
	label := g.node("ArgMax", OutLabel, []string{scores}, attrInt("axis", 1), attrInt("keepdims", 0))
	g.output(label, onnxpb.TensorProto_INT64)
	classOutput(g, s, label, names)
	return nil
}

// classOutput records the class names (none: nothing) in the metadata
// and, when label (an int64 class index 0..len(names)-1) is not "", adds
// the class output: a LabelEncoder from the index to its name.
func classOutput(g *graph, s *source, label string, names []string) {
	if names == nil {
		return
	}
	b, _ := json.Marshal(names)
	s.meta[MetaClasses] = string(b)
	if label == "" {
		return
	}
	keys := make([]int64, len(names))
	for i := range keys {
		keys[i] = int64(i)
	}
	class := g.domainNode(DomainML, "LabelEncoder", OutClass, []string{label},
		attrInts("keys_int64s", keys), attrStrings("values_strings", names), attrString("default_string", ""))
	g.output(class, onnxpb.TensorProto_STRING)
}

// classNames are the names the options give the classes, else the ones
// the data source fitted (fitted), else the options' NameClasses (nil:
// none), checked: one per class, none twice.
func classNames(classes int, o Options, fitted []string) ([]string, error) {
	names := o.ClassNames
	if names == nil {
		names = fitted
	}
	if names == nil && o.NameClasses != nil {
		names = o.NameClasses(classes)
	}
	if names == nil {
		return nil, nil
	}
	if len(names) != classes {
		return nil, fmt.Errorf("%d class names given, the model has %d classes", len(names), classes)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return nil, fmt.Errorf("class name %q is given twice", n)
		}
		seen[n] = true
	}
	return names, nil
}
