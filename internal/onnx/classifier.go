package onnx

import (
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
	registerTask("", classifier)
	registerTask(model.KindClassifier, classifier)
}

// classifier: input → normalizer → layers → scores; probabilities =
// Softmax(scores) (what nnfc predict prints, whatever the training loss),
// label = ArgMax(scores) (the first of equal maxima, as nnfc's), and with
// class names the name of the label by ai.onnx.ml's LabelEncoder.
func classifier(g *graph, s *source) error {
	spec := s.net.Spec
	x, _, _ := numericInput(g, spec.InputDim, s.norm)
	scores, err := body(g, s.net, x)
	if err != nil {
		return err
	}
	g.output(g.node("Softmax", OutProbabilities, []string{scores}, attrInt("axis", -1)), g.elem, spec.Classes)
	label := g.node("ArgMax", OutLabel, []string{scores}, attrInt("axis", 1), attrInt("keepdims", 0))
	g.output(label, onnxpb.TensorProto_INT64)
	if len(s.classNames) == 0 {
		return nil
	}
	keys := make([]int64, len(s.classNames))
	for i := range keys {
		keys[i] = int64(i)
	}
	class := g.domainNode(DomainML, "LabelEncoder", OutClass, []string{label},
		attrInts("keys_int64s", keys), attrStrings("values_strings", s.classNames), attrString("default_string", ""))
	g.output(class, onnxpb.TensorProto_STRING)
	return nil
}
