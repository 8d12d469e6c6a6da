package model_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// TestRegularizedLayout: batchnorm and dropout layers take their
// nn.Sequential indices, so the state_dict names are PyTorch's for
// Sequential(Linear, BatchNorm1d, act, Dropout, Linear, ...).
func TestRegularizedLayout(t *testing.T) {
	for _, tc := range []struct {
		bn      bool
		dropout float64
		params  string
		buffers string
		str     string
	}{
		{false, 0, "0.weight[3 4] 0.bias[3] 2.weight[2 3] 2.bias[2] 4.weight[2 2] 4.bias[2]", "", "4-3(swish)-2(tanh)-2 softmax"},
		{false, 0.5, "0.weight[3 4] 0.bias[3] 3.weight[2 3] 3.bias[2] 6.weight[2 2] 6.bias[2]", "", "4-3(swish)-2(tanh)-2 softmax dropout=0.5"},
		{true, 0, "0.weight[3 4] 0.bias[3] 1.weight[3] 1.bias[3] 3.weight[2 3] 3.bias[2] 4.weight[2] 4.bias[2] 6.weight[2 2] 6.bias[2]",
			"1.running_mean[3] 1.running_var[3] 4.running_mean[2] 4.running_var[2]", "4-3(bn,swish)-2(bn,tanh)-2 softmax"},
		{true, 0.25, "0.weight[3 4] 0.bias[3] 1.weight[3] 1.bias[3] 4.weight[2 3] 4.bias[2] 5.weight[2] 5.bias[2] 8.weight[2 2] 8.bias[2]",
			"1.running_mean[3] 1.running_var[3] 5.running_mean[2] 5.running_var[2]", "4-3(bn,swish)-2(bn,tanh)-2 softmax dropout=0.25"},
	} {
		spec := model.Spec{InputDim: 4, Hidden: []int{3, 2}, Activations: []string{"swish", "tanh"}, Classes: 2,
			Loss: "softmax", Init: "he", Reg: 0.1, BatchNorm: tc.bn, Dropout: tc.dropout}
		net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		var ps, bs []string
		for _, p := range net.Params() {
			ps = append(ps, fmt.Sprint(p.Name, p.Shape))
			if p.Decay != (len(p.Shape) == 2) {
				t.Errorf("%s: %s has Decay %v: L2 is for affine weights only", spec, p.Name, p.Decay)
			}
		}
		for _, b := range net.Buffers() {
			bs = append(bs, fmt.Sprint(b.Name, b.Shape))
		}
		if got := strings.Join(ps, " "); got != tc.params {
			t.Errorf("%s: params %q, want %q", spec, got, tc.params)
		}
		if got := strings.Join(bs, " "); got != tc.buffers {
			t.Errorf("%s: buffers %q, want %q", spec, got, tc.buffers)
		}
		if spec.String() != tc.str {
			t.Errorf("String %q, want %q", spec.String(), tc.str)
		}
		if spec.NumParams() != len(must(net.Flat())) {
			t.Errorf("%s: NumParams %d, flat %d", spec, spec.NumParams(), len(must(net.Flat())))
		}
		// The tensors of a file: state_dict order, each layer's parameters
		// then its buffers.
		var ts []string
		for _, x := range model.Tensors(net, "") {
			ts = append(ts, x.Name)
		}
		want := strings.Fields(stripShapes(tc.params))
		for i := len(want) - 1; i >= 0; i-- {
			if bn := strings.TrimSuffix(want[i], "bias"); bn != want[i] && strings.Contains(tc.buffers, bn+"running_mean") {
				want = slices.Insert(want, i+1, bn+"running_mean", bn+"running_var")
			}
		}
		if got := strings.Join(ts, " "); got != strings.Join(want, " ") {
			t.Errorf("%s: tensors %q, want %q", spec, got, strings.Join(want, " "))
		}
		// Unused options stay out of the spec JSON, so older files and
		// configs read the same.
		js, _ := json.Marshal(spec)
		if has := strings.Contains(string(js), "batchnorm"); has != tc.bn {
			t.Errorf("%s: JSON %s", spec, js)
		}
		if has := strings.Contains(string(js), "dropout"); has != (tc.dropout > 0) {
			t.Errorf("%s: JSON %s", spec, js)
		}
	}
}

// stripShapes turns "a[3 4] b[3]" into "a b".
func stripShapes(s string) string {
	var out []string
	for _, f := range strings.Fields(s) {
		if i := strings.Index(f, "["); i >= 0 {
			out = append(out, f[:i])
		}
	}
	return strings.Join(out, " ")
}

func TestRegularizedValidate(t *testing.T) {
	base := model.Spec{InputDim: 4, Hidden: []int{3}, Activations: []string{"relu"}, Classes: 2, Loss: "softmax", Init: "he"}
	for _, tc := range []struct {
		mod  func(*model.Spec)
		want string // "" for valid
	}{
		{func(s *model.Spec) { s.Dropout = 0.5; s.BatchNorm = true }, ""},
		{func(s *model.Spec) { s.Dropout = 0 }, ""},
		{func(s *model.Spec) { s.Dropout = -0.1 }, "dropout"},
		{func(s *model.Spec) { s.Dropout = 1 }, "dropout"},
		{func(s *model.Spec) { s.Dropout = math.NaN() }, "dropout"},
		{func(s *model.Spec) { s.Hidden, s.Activations, s.BatchNorm = nil, nil, true }, "batchnorm"},
		{func(s *model.Spec) { s.Hidden, s.Activations, s.Dropout = nil, nil, 0.5 }, "dropout"},
	} {
		s := base
		tc.mod(&s)
		err := s.Validate()
		if tc.want == "" && err != nil {
			t.Errorf("%+v: %v", s, err)
		}
		if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want+":")) {
			t.Errorf("%+v: error %v does not name %s", s, err, tc.want)
		}
	}
}

// preBNBiases names the affine biases that feed a batchnorm layer: the
// normalization subtracts the batch mean, so the loss does not depend on
// them and their true gradient is exactly 0.
func preBNBiases(net *model.Net[float64]) map[string]bool {
	m := map[string]bool{}
	if net.Spec.BatchNorm {
		for _, a := range net.Affine[:len(net.Spec.Hidden)] {
			m[a.B.Name] = true
		}
	}
	return m
}

// bnStep is the finite-difference step of the batchnorm net checks.
// Batch normalization divides by the batch standard deviation of its
// input, which after a sigmoid or tanh layer is 0.1–0.3, so the loss's
// higher derivatives are much larger than a plain net's: at
// gradcheck.DefaultStep (1e-3) the five-point stencil's h⁴ truncation
// error alone reached 3e-7 relative on some seeds of these nets (measured
// over 30 seeds per activation); 3e-4 divides it by (10/3)⁴ ≈ 120.
const bnStep = 3e-4

// noiseFloor is the relative error's denominator floor for a loss near l
// differentiated with step h: the rounding noise of the five-point
// stencil, (18/12h)·16 ulps·|l|, over the threshold (pkg/gradcheck/suite
// uses the same rule at h = 1e-3). For l ≈ 1.1 and h = 3e-4 it is 2e-4:
// an entry smaller than that must agree to within 2e-11 absolutely;
// larger entries are compared exactly as the course compares them.
func noiseFloor(l, h float64) float64 {
	noise := 18 / (12 * h) * 16 * 0x1p-52 * max(math.Abs(l), 1)
	return max(1e-8, noise/gradcheck.DefaultThreshold)
}

// TestRegularizedNetGradients checks every parameter of whole networks
// with batchnorm and/or dropout (fixed masks), in training mode and with
// the L2 term, against gradcheck.DefaultThreshold. Dropout-only nets are
// checked exactly as plain nets are (gradcheck.Net). Batchnorm nets use
// bnStep and noiseFloor. A bias feeding batchnorm has gradient exactly 0
// (the normalization subtracts the batch mean), where a relative error
// means nothing: both gradients must be 0 to within rounding instead.
// ReLU and LeakyReLU are left out: batchnorm centres their input on the
// kink, and the layer and plain-net checks cover them.
func TestRegularizedNetGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	var worstBN, worstDrop float64
	for _, hidden := range [][]int{{6}, {6, 5}, {7, 6, 5}} {
		for _, act := range []string{"swish", "tanh", "sigmoid"} {
			for _, reg := range []float64{0, 0.3} {
				for _, tc := range []struct {
					bn      bool
					dropout float64
				}{{true, 0}, {false, 0.4}, {true, 0.3}} {
					acts := make([]string, len(hidden))
					for i := range acts {
						acts[i] = act
					}
					spec := model.Spec{InputDim: 4, Hidden: hidden, Activations: acts, Classes: 3,
						Loss: "softmax", Init: "xavier", Reg: reg, BatchNorm: tc.bn, Dropout: tc.dropout}
					t.Run(spec.String()+fmt.Sprintf("/reg=%g", reg), func(t *testing.T) {
						worst := checkRegularizedNet(t, spec, rng)
						t.Logf("max rel error %.2e", worst)
						if tc.bn {
							worstBN = max(worstBN, worst)
						} else {
							worstDrop = max(worstDrop, worst)
						}
					})
				}
			}
		}
	}
	t.Logf("max rel error: batchnorm nets %.2e, dropout-only nets %.2e", worstBN, worstDrop)
}

// checkRegularizedNet builds spec's net from rng, with γ and β away from
// 1 and 0 and dropout masks fixed, checks it on a batch of 8 and returns
// the largest relative error.
func checkRegularizedNet(t *testing.T, spec model.Spec, rng *rand.Rand) float64 {
	t.Helper()
	net, err := model.New[float64](spec, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, bn := range net.BatchNorm {
		for j := range bn.D {
			bn.Gamma.Data[j] = 0.5 + rng.Float64()
			bn.Beta.Data[j] = 0.5 * rng.NormFloat64()
		}
	}
	for _, d := range net.Dropout {
		d.FixedMask = true
	}
	x := layers.NewMatrix[float64](8, 4)
	for i := range x.Data {
		x.Data[i] = rng.NormFloat64()
	}
	y := []int32{0, 1, 2, 1, 0, 2, 2, 1}
	var worst float64
	if !spec.BatchNorm {
		for _, r := range gradcheck.Net(spec.String(), net, x, layers.Classes[float64](y), gradcheck.DefaultThreshold) {
			worst = max(worst, r.MaxRel)
			if !r.Pass() {
				t.Errorf("%s: rel error %.3g at %d (analytic %.6g numeric %.6g)", r.Tensor, r.MaxRel, r.Worst, r.Analytic, r.Numeric)
			}
		}
		return worst
	}
	l, _ := net.Loss(x, layers.Classes[float64](y))
	var analytic [][]float64
	for _, p := range net.Params() {
		analytic = append(analytic, slices.Clone(p.Grad))
	}
	f := func() float64 { l, _ := net.Loss(x, layers.Classes[float64](y)); return l }
	floor := noiseFloor(l, bnStep)
	zero := map[string]bool{}
	for _, a := range net.Affine[:len(spec.Hidden)] {
		zero[a.B.Name] = true
	}
	for k, p := range net.Params() {
		a, num := analytic[k], gradcheck.Numerical(f, p.Data, bnStep)
		for j := range a {
			if zero[p.Name] {
				if math.Abs(a[j]) > 1e-14 || math.Abs(num[j]) > 1e-10 {
					t.Errorf("%s[%d]: analytic %.3g numeric %.3g, want both 0", p.Name, j, a[j], num[j])
				}
				continue
			}
			rel := math.Abs(a[j]-num[j]) / max(floor, math.Abs(a[j])+math.Abs(num[j]))
			worst = max(worst, rel)
			if !(rel < gradcheck.DefaultThreshold) {
				t.Errorf("%s[%d]: rel error %.3g (analytic %.6g numeric %.6g)", p.Name, j, rel, a[j], num[j])
			}
		}
	}
	return worst
}

// TestRegularizedModes: training updates the running statistics and
// draws masks; evaluation uses the running statistics, is deterministic
// and drops nothing.
func TestRegularizedModes(t *testing.T) {
	spec := model.Spec{InputDim: 5, Hidden: []int{8, 6}, Activations: []string{"relu", "relu"}, Classes: 3,
		Loss: "softmax", Init: "he", BatchNorm: true, Dropout: 0.5}
	rng := rand.New(rand.NewPCG(3, 3))
	net, err := model.New[float64](spec, rng)
	if err != nil {
		t.Fatal(err)
	}
	x := layers.NewMatrix[float64](16, 5)
	for i := range x.Data {
		x.Data[i] = 3 + rng.NormFloat64()
	}
	y := make([]int32, 16)
	before := slices.Clone(net.FlatBuffers())
	a := slices.Clone(net.Scores(x).Data)
	b := slices.Clone(net.Scores(x).Data)
	if slices.Equal(a, b) {
		t.Error("two training forwards gave the same scores: dropout masks not redrawn")
	}
	if slices.Equal(before, net.FlatBuffers()) {
		t.Error("training forwards left the running statistics alone")
	}
	net.Loss(x, layers.Classes[float64](y))
	net.SetTraining(false)
	stats := slices.Clone(net.FlatBuffers())
	a = slices.Clone(net.Scores(x).Data)
	one := &layers.Matrix[float64]{Rows: 1, Cols: 5, Data: x.Data[:5]} // a one-row batch is fine in evaluation
	b = slices.Clone(net.Scores(one).Data)
	if !slices.Equal(a[:3], b) {
		t.Errorf("evaluation of row 0 alone %v differs from in the batch %v", b, a[:3])
	}
	if !slices.Equal(stats, net.FlatBuffers()) {
		t.Error("evaluation changed the running statistics")
	}
	// Evaluation is batchnorm with the running statistics and no dropout:
	// recompute the scores layer by layer from the parameters.
	h := x
	for k, aff := range net.Affine {
		z := layers.NewMatrix[float64](h.Rows, aff.Out)
		for i := range h.Rows {
			for o := range aff.Out {
				s := aff.B.Data[o]
				for j := range aff.In {
					s += h.At(i, j) * aff.W.Data[o*aff.In+j]
				}
				if k < len(net.BatchNorm) {
					bn := net.BatchNorm[k]
					s = bn.Gamma.Data[o]*(s-bn.RunningMean.Data[o])/math.Sqrt(bn.RunningVar.Data[o]+bn.Eps) + bn.Beta.Data[o]
					s = max(s, 0)
				}
				z.Data[i*aff.Out+o] = s
			}
		}
		h = z
	}
	for i, v := range h.Data {
		if math.Abs(v-a[i]) > 1e-12*max(1, math.Abs(v)) {
			t.Fatalf("evaluation score %d = %v, recomputed %v", i, a[i], v)
		}
	}
}

// TestSeedDropout: the same spec and rng give the same masks, and
// SeedDropout restarts them.
func TestSeedDropout(t *testing.T) {
	spec := model.Spec{InputDim: 5, Hidden: []int{8, 8}, Activations: []string{"tanh", "tanh"}, Classes: 3,
		Loss: "softmax", Init: "he", Dropout: 0.5}
	n1, _ := model.New[float64](spec, rand.New(rand.NewPCG(9, 9)))
	n2, _ := model.New[float64](spec, rand.New(rand.NewPCG(9, 9)))
	x := layers.NewMatrix[float64](4, 5)
	for i := range x.Data {
		x.Data[i] = float64(i%7) - 3
	}
	s1 := slices.Clone(n1.Scores(x).Data)
	if !slices.Equal(s1, n2.Scores(x).Data) {
		t.Error("same spec and seed, different scores")
	}
	if slices.Equal(n1.Dropout[0].Mask().Data, n1.Dropout[1].Mask().Data) {
		t.Error("two dropout layers drew the same mask")
	}
	n1.SeedDropout(5)
	a := slices.Clone(n1.Scores(x).Data)
	n1.SeedDropout(5)
	if !slices.Equal(a, n1.Scores(x).Data) {
		t.Error("SeedDropout did not restart the masks")
	}
	// The weights do not depend on dropout.
	spec.Dropout = 0
	n3, _ := model.New[float64](spec, rand.New(rand.NewPCG(9, 9)))
	if !slices.Equal(must(n1.Flat()), must(n3.Flat())) {
		t.Error("adding dropout changed the initial weights")
	}
}

func TestSaveLoadRegularized(t *testing.T) {
	spec := model.Spec{InputDim: 5, Hidden: []int{4, 3}, Activations: []string{"swish", "relu"}, Classes: 3,
		Loss: "softmax", Init: "he", Reg: 0.1, BatchNorm: true, Dropout: 0.2}
	rng := rand.New(rand.NewPCG(2, 2))
	net, err := model.New[float32](spec, rng)
	if err != nil {
		t.Fatal(err)
	}
	for i := range net.FlatBuffers() { // running statistics a run would leave
		net.FlatBuffers()[i] = float32(0.5 + rng.Float64())
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := model.Save(path, net, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := model.Load[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(must(net.Flat()), must(got.Flat())) || !slices.Equal(net.FlatBuffers(), got.FlatBuffers()) {
		t.Error("parameters or running statistics changed in the round trip")
	}
	if got.Spec.String() != spec.String() {
		t.Errorf("spec %s, want %s", got.Spec, spec)
	}
	x := layers.NewMatrix[float32](3, 5)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	net.SetTraining(false)
	got.SetTraining(false)
	if !slices.Equal(net.Scores(x).Data, got.Scores(x).Data) {
		t.Error("the loaded model predicts differently")
	}
	ts, meta, err := stfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta[model.MetaVersion] != "2" {
		t.Errorf("version %q: a file with batchnorm must not be read by a reader that ignores it", meta[model.MetaVersion])
	}
	// A file without a running statistic is rejected by name.
	var missing []stfile.Tensor
	for _, x := range ts {
		if x.Name != "5.running_var" {
			missing = append(missing, x)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := stfile.Write(bad, missing, meta); err != nil {
		t.Fatal(err)
	}
	if _, _, err := model.Load[float32](bad); err == nil || !strings.Contains(err.Error(), "5.running_var") {
		t.Errorf("missing running_var: %v", err)
	}
	// Plain specs keep version 1.
	plain, _ := model.Metadata(model.Spec{InputDim: 2, Classes: 2, Loss: "softmax", Init: "he"}, nil)
	if plain[model.MetaVersion] != "1" {
		t.Errorf("plain spec: version %q, want 1", plain[model.MetaVersion])
	}
}
