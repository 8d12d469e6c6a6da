package onnx

import (
	"errors"
	"fmt"

	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Output names of a tied autoencoder's graph.
const (
	OutCode           = "code"           // [N, code_dim], f(x'·Wᵀ)
	OutReconstruction = "reconstruction" // [N, input_dim], in the input's units
)

func init() {
	registerTask(model.KindAutoencoder, autoencoder, OutCode, OutReconstruction)
}

// autoencoder: with x' the normalized input and W (code_dim × input_dim)
// one shared initializer, code = f(Gemm(x', W, transB = 1)) and r =
// f(Gemm(code, W)), as nnfc computes them. The reconstruction is then
// mapped back to the input's units, r/scale + shift, since the graph's
// input is raw data too.
func autoencoder(g *graph, s *source) error {
	spec := s.net.Spec
	if s.opts.ClassNames != nil {
		return errors.New("class names given for an autoencoder, which has no classes")
	}
	if name, _, err := fittedSource(s.norm); err != nil || name != "" {
		if err != nil {
			return err
		}
		return fmt.Errorf("an autoencoder of the %q source's encoded inputs: its reconstruction would be in encoded units, not the raw columns the graph takes; only autoencoders of numeric rows are exported", name)
	}
	x, shift, scale := numericInput(g, spec.InputDim, s.norm)
	w := s.net.Params()[0]
	wc := g.constant("W", []int64{int64(spec.CodeDim), int64(spec.InputDim)}, append([]float64(nil), w.Data...))
	act := func(v string) (string, error) {
		if spec.Activations[0] == model.Identity {
			return v, nil
		}
		f, err := layers.NewActivation[float64](spec.Activations[0], spec.LeakyAlpha)
		if err != nil {
			return "", err
		}
		return layer(g, f, v)
	}
	code, err := act(g.node("Gemm", "", []string{x, wc}, attrInt("transB", 1)))
	if err != nil {
		return err
	}
	code = g.node("Identity", OutCode, []string{code})
	r, err := act(g.node("Gemm", "", []string{code, wc}))
	if err != nil {
		return err
	}
	if scale != "" {
		r = g.node("Add", "", []string{g.node("Div", "", []string{r, scale}), shift})
	}
	g.output(g.node("Identity", OutReconstruction, []string{r}), g.elem, spec.InputDim)
	g.output(code, g.elem, spec.CodeDim)
	return nil
}
