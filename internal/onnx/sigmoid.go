package onnx

import (
	"math"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/pkg/model"
)

// Output names of the sigmoid kinds' graphs (binary also has the
// classifier's probabilities, label and class).
const (
	OutProbability = "probability" // binary: [N], σ of the logit, the positive class's probability
	OutLabels      = "labels"      // multilabel: [N, labels] int64, 1 where the label's probability reaches the threshold
)

func init() {
	registerTask(model.KindBinary, binaryTask, OutProbabilities, OutProbability, OutLabel, OutClass)
	registerTask(model.KindMultilabel, multilabelTask, OutProbabilities, OutLabels)
}

// binaryTask: one logit z; probabilities = [1 − p, p] per row, p = σ(z)
// (what nnfc predict prints, as a classifier's), as Softmax([0, z]);
// probability = p ([N]);
// label = 1 where p ≥ the model's threshold, else 0 (int64), and with
// class names the name of the label.
//
// Not ONNX's Sigmoid: ONNX Runtime's float kernel (MLAS's logistic, a
// rational approximation) was off by up to 0.25% relative in the tail
// (p ~ 1e-5, breast cancer), where nnfc's sigmoid and Softmax's exp agree
// with a double graph to 1.4e-6; and the softmax gives 1 − p without
// the cancellation of Sub(1, p).
func binaryTask(g *graph, s *source) error {
	spec := s.net.Spec
	names, err := classNames(spec.Classes, s.opts, s.classes)
	if err != nil {
		return err
	}
	x, err := modelInput(g, s)
	if err != nil {
		return err
	}
	z, err := body(g, s.net, x)
	if err != nil {
		return err
	}
	// [0, z] per row: its softmax is [1 − σ(z), σ(z)].
	zero := g.node("Sub", "", []string{z, z})
	p2 := g.node("Softmax", OutProbabilities, []string{g.node("Concat", "", []string{zero, z}, attrInt("axis", 1))}, attrInt("axis", -1))
	p := g.node("Gather", OutProbability, []string{p2, g.intConstant("positive", []int64{}, []int64{1})}, attrInt("axis", 1))
	label := g.node("Cast", OutLabel, []string{threshold(g, p, spec.Threshold)}, attrInt("to", int64(onnxpb.TensorProto_INT64)))
	g.output(p2, g.elem, 2)
	g.output(p, g.elem)
	g.output(label, onnxpb.TensorProto_INT64)
	classOutput(g, s, label, names)
	return nil
}

// multilabelTask: one logit per label; probabilities = σ(z) [N, labels],
// as 1/(1 + Exp(−z)) rather than ONNX's Sigmoid (see binaryTask; where
// e^(−z) overflows, p is 0, within 1e-38 of σ), labels = 1 where a probability reaches the model's threshold
// (int64). The label names, when known, are in the metadata.
func multilabelTask(g *graph, s *source) error {
	spec := s.net.Spec
	names, err := classNames(spec.Classes, s.opts, s.classes)
	if err != nil {
		return err
	}
	x, err := modelInput(g, s)
	if err != nil {
		return err
	}
	z, err := body(g, s.net, x)
	if err != nil {
		return err
	}
	one := g.constant("one", []int64{}, []float64{1})
	e := g.node("Exp", "", []string{g.node("Neg", "", []string{z})})
	p := g.node("Div", OutProbabilities, []string{one, g.node("Add", "", []string{one, e})})
	labels := g.node("Cast", OutLabels, []string{threshold(g, p, spec.Threshold)}, attrInt("to", int64(onnxpb.TensorProto_INT64)))
	g.output(p, g.elem, spec.Classes)
	g.output(labels, onnxpb.TensorProto_INT64, spec.Classes)
	classOutput(g, s, "", names) // the names in the metadata only
	return nil
}

// threshold is p ≥ t as nnfc decides it, float64(p) ≥ t: in a float
// graph t becomes the smallest float32 at or above it, so that the
// comparison of float32 probabilities gives the same answers.
func threshold(g *graph, p string, t float64) string {
	if g.elem == onnxpb.TensorProto_FLOAT {
		t32 := float32(t)
		if float64(t32) < t {
			t32 = math.Nextafter32(t32, float32(math.Inf(1)))
		}
		t = float64(t32)
	}
	return g.node("GreaterOrEqual", "", []string{p, g.constant("threshold", []int64{}, []float64{t})})
}
