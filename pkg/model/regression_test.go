package model_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
)

// flat flattens a tensor of testdata's JSON (a list of rows, or a list).
func flat(v any) []float64 {
	switch v := v.(type) {
	case float64:
		return []float64{v}
	case []any:
		var out []float64
		for _, e := range v {
			out = append(out, flat(e)...)
		}
		return out
	}
	panic("flat: unexpected JSON")
}

// TestRegressionMatchesPyTorch: a 4-5(tanh)-2 regression network with
// PyTorch's weights gives, in float64, the loss of nn.MSELoss, nn.L1Loss
// and nn.HuberLoss (delta 1 and 0.3), and of MSE weighed per row, and
// after one SGD step (lr 0.1; fused TrainStep and Loss then Step) the
// weights of torch.optim.SGD, all to 1e-10
// (scripts/torch-regression-oracle.py wrote testdata/torch_regression.json).
func TestRegressionMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "torch_regression.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		X, T  any
		Init  map[string]any
		Cases []struct {
			Name     string
			LossName string `json:"loss_name"`
			Delta    float64
			Loss     float64
			After    map[string]any
			Weights  []float64
		}
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Cases) != 5 {
		t.Fatalf("%d oracle cases, want 5", len(o.Cases))
	}
	x := &layers.Matrix[float64]{Rows: 7, Cols: 4, Data: flat(o.X)}
	v := &layers.Matrix[float64]{Rows: 7, Cols: 2, Data: flat(o.T)}
	const tol = 1e-10
	for _, tc := range o.Cases {
		for _, fused := range []bool{true, false} {
			spec := model.Spec{Kind: model.KindRegression, InputDim: 4, Hidden: []int{5}, Activations: []string{"tanh"},
				Targets: 2, Loss: tc.LossName, HuberDelta: tc.Delta, Init: "he"}
			net, err := model.New[float64](spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range net.Params() {
				copy(p.Data, flat(o.Init[p.Name]))
			}
			opt, err := optim.New(optim.Config{Rule: "sgd"}, net.Params())
			if err != nil {
				t.Fatal(err)
			}
			tgt := layers.Target[float64]{Value: v, Weight: tc.Weights}
			var loss float64
			if fused {
				loss, _ = net.TrainStep(x, tgt, opt, 0.1)
			} else {
				loss, _ = net.Loss(x, tgt)
				opt.Step(0.1)
			}
			if math.Abs(loss-tc.Loss) > tol {
				t.Errorf("%s (fused %v): loss %.15g, PyTorch %.15g", tc.Name, fused, loss, tc.Loss)
			}
			for _, p := range net.Params() {
				want := flat(tc.After[p.Name])
				for i, w := range want {
					if math.Abs(p.Data[i]-w) > tol {
						t.Errorf("%s (fused %v): %s[%d] after the step %.15g, PyTorch %.15g", tc.Name, fused, p.Name, i, p.Data[i], w)
						break
					}
				}
			}
		}
	}
}
