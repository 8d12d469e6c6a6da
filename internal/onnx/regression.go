package onnx

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nnfc/nnfc/pkg/model"
)

// Output name of a regression's graph.
const OutPredictions = "predictions" // [N, targets], in the data's units (nnfc serve's name too)

// MetaTargets is the metadata key of a regression's target names: a JSON
// array, one per column of "predictions".
const MetaTargets = "nnfc.targets"

func init() { registerTask(model.KindRegression, regressionTask, OutPredictions) }

// regressionTask: input → layers → o, the standardized targets the
// network was trained on; predictions = o·Std + Mean per target (Mul,
// Add), the target scaling the data source fitted (a table's number
// target) undone in the graph, so the outputs are in the data's units.
func regressionTask(g *graph, s *source) error {
	spec := s.net.Spec
	if s.opts.ClassNames != nil {
		return errors.New("class names given for a regression, which has no classes")
	}
	x, err := modelInput(g, s)
	if err != nil {
		return err
	}
	o, err := body(g, s.net, x)
	if err != nil {
		return err
	}
	if ts := s.target; ts.Mean != nil {
		if len(ts.Mean) != spec.Targets || len(ts.Std) != spec.Targets {
			return fmt.Errorf("the target scaling has %d means and %d standard deviations, the model has %d targets", len(ts.Mean), len(ts.Std), spec.Targets)
		}
		std := g.constant("target_std", []int64{int64(spec.Targets)}, append([]float64(nil), ts.Std...))
		mean := g.constant("target_mean", []int64{int64(spec.Targets)}, append([]float64(nil), ts.Mean...))
		o = g.node("Add", "", []string{g.node("Mul", "", []string{o, std}), mean})
		if ts.Names != nil {
			b, _ := json.Marshal(ts.Names)
			s.meta[MetaTargets] = string(b)
		}
	}
	g.output(g.node("Identity", OutPredictions, []string{o}), g.elem, spec.Targets)
	return nil
}
