package layers_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/nnfc/nnfc/pkg/layers"
)

// smoothingCase is one case of testdata/torch_smoothing.json, written by
// scripts/torch-smoothing-oracle.py with PyTorch's
// nn.CrossEntropyLoss(label_smoothing=eps) and autograd.
type smoothingCase struct {
	Name    string      `json:"name"`
	Eps     float64     `json:"eps"`
	Scores  [][]float64 `json:"scores"`
	Class   []int32     `json:"class"`
	Loss    float64     `json:"loss"`
	DScores [][]float64 `json:"dscores"`
}

// Tolerances against PyTorch in float64: both sum a handful of terms of
// order 1 in different orders (1e-15 each), and rows of scores up to ±300
// (the extreme case) lose the digits below 300·2⁻⁵² ≈ 7e-14.
const (
	tolSmoothLoss = 1e-12
	tolSmoothGrad = 1e-14
)

// TestSmoothedSoftmaxMatchesPyTorch: the loss and its gradient equal
// PyTorch's CrossEntropyLoss(label_smoothing) on every oracle case (ε 0
// to 1, up to 10 classes, scores up to ±300), in float64 and, to float32
// rounding, in float32; with ε = 0 it is SoftmaxCrossEntropy bit for bit.
func TestSmoothedSoftmaxMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "torch_smoothing.json"))
	if err != nil {
		t.Fatal(err)
	}
	var oracle struct {
		Cases []smoothingCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &oracle); err != nil {
		t.Fatal(err)
	}
	if len(oracle.Cases) < 6 {
		t.Fatalf("%d oracle cases, want 6", len(oracle.Cases))
	}
	for _, tc := range oracle.Cases {
		n, c := len(tc.Scores), len(tc.Scores[0])
		s64, s32 := layers.NewMatrix[float64](n, c), layers.NewMatrix[float32](n, c)
		for i, row := range tc.Scores {
			for j, v := range row {
				s64.Data[i*c+j], s32.Data[i*c+j] = v, float32(v)
			}
		}
		d64, d32 := layers.NewMatrix[float64](n, c), layers.NewMatrix[float32](n, c)
		l64 := layers.SmoothedSoftmaxCrossEntropy[float64]{Eps: tc.Eps}.Loss(s64, layers.Classes[float64](tc.Class), d64)
		l32 := layers.SmoothedSoftmaxCrossEntropy[float32]{Eps: tc.Eps}.Loss(s32, layers.Classes[float32](tc.Class), d32)
		if math.Abs(l64-tc.Loss) > tolSmoothLoss*max(1, math.Abs(tc.Loss)) {
			t.Errorf("%s: loss %.17g, PyTorch %.17g", tc.Name, l64, tc.Loss)
		}
		if math.Abs(l32-tc.Loss) > 1e-5*max(1, math.Abs(tc.Loss)) {
			t.Errorf("%s: float32 loss %.9g, PyTorch %.17g", tc.Name, l32, tc.Loss)
		}
		for i, row := range tc.DScores {
			for j, want := range row {
				if got := d64.Data[i*c+j]; math.Abs(got-want) > tolSmoothGrad {
					t.Errorf("%s: dscores[%d][%d] = %.17g, PyTorch %.17g", tc.Name, i, j, got, want)
				}
				if got := float64(d32.Data[i*c+j]); math.Abs(got-want) > 1e-7 {
					t.Errorf("%s: float32 dscores[%d][%d] = %.9g, PyTorch %.17g", tc.Name, i, j, got, want)
				}
			}
		}
		if tc.Eps == 0 {
			dp := layers.NewMatrix[float64](n, c)
			if lp := (layers.SoftmaxCrossEntropy[float64]{}).Loss(s64, layers.Classes[float64](tc.Class), dp); lp != l64 {
				t.Errorf("%s: ε 0 loss %.17g, softmax's %.17g", tc.Name, l64, lp)
			}
			for k := range dp.Data {
				if dp.Data[k] != d64.Data[k] {
					t.Fatalf("%s: ε 0 gradient differs from softmax's at %d", tc.Name, k)
				}
			}
		}
	}
}
