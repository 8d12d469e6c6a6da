package model_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// embedSpec is a classifier of 13 inputs, two of them (2 and 7) category
// indices looked up in tables of 4×3 and 6×2: the first affine layer
// takes 11 dense inputs + 3 + 2 = 16.
var embedSpec = model.Spec{InputDim: 13, Hidden: []int{17}, Activations: []string{"relu"}, Classes: 5, Loss: "softmax",
	Init: "he", Reg: 0.01, BatchNorm: true, Dropout: 0.2, Embed: embedCols}

// TestEmbedLayout: the tables come first in the parameters and the file
// (embed.K.weight), the sequential modules keep their numbers, the first
// affine takes the dense inputs and the tables' rows, and the file is
// version 3.
func TestEmbedLayout(t *testing.T) {
	net, err := model.New[float32](embedSpec, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range net.Params() {
		names = append(names, fmt.Sprint(p.Name, p.Shape))
	}
	want := "embed.0.weight[4 3] embed.1.weight[6 2] 0.weight[17 16] 0.bias[17] 1.weight[17] 1.bias[17] 4.weight[5 17] 4.bias[5]"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("params %q, want %q", got, want)
	}
	if d := embedSpec.Dims(); !slices.Equal(d, []int{16, 17, 5}) {
		t.Errorf("Dims %v, want [16 17 5]", d)
	}
	if embedSpec.NumParams() != len(must(net.Flat())) {
		t.Errorf("NumParams %d, flat %d", embedSpec.NumParams(), len(must(net.Flat())))
	}
	// N(0, 1) tables: not all zero, and of unit scale.
	var ss float64
	for _, v := range net.Embedding.Tables[0].Data {
		ss += float64(v) * float64(v)
	}
	if ss == 0 || ss > 12*9 {
		t.Errorf("table 0 initialized to Σv² = %g, expected about 12 (N(0, 1))", ss)
	}
	meta, _ := model.Metadata(embedSpec, nil)
	if meta[model.MetaVersion] != "3" {
		t.Errorf("version %q: a file with embedding tables must not be read by a reader that ignores them", meta[model.MetaVersion])
	}
	if s := embedSpec.String(); !strings.Contains(s, "embedding input 2: 4×3, input 7: 6×2 (first affine 16 wide)") {
		t.Errorf("String() = %q does not describe the tables", s)
	}
	// The spec's JSON names the columns.
	b, _ := json.Marshal(embedSpec)
	if !strings.Contains(string(b), `"embed":[{"col":2,"vocab":4,"dim":3},{"col":7,"vocab":6,"dim":2}]`) {
		t.Errorf("spec JSON %s", b)
	}
	shapes := embedSpec.TensorShapes()
	if shapes[0].Name != "embed.0.weight" || !slices.Equal(shapes[1].Shape, []int{6, 2}) {
		t.Errorf("TensorShapes %v", shapes[:2])
	}
}

// TestEmbedSaveLoad: a network with tables saves and loads (tables,
// weights, running statistics), predicts the same, and a file without a
// table is refused by name.
func TestEmbedSaveLoad(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	net, err := model.New[float32](embedSpec, rng)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := model.Save(path, net, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := model.Load[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(must(net.Flat()), must(got.Flat())) || got.Spec.String() != embedSpec.String() {
		t.Fatal("parameters or spec changed in the round trip")
	}
	x, _ := randomBatch[float32](rng, 7, embedSpec)
	net.SetTraining(false)
	got.SetTraining(false)
	if !slices.Equal(net.Scores(x).Data, got.Scores(x).Data) {
		t.Error("the loaded model predicts differently")
	}
	ts, meta, _ := stfile.Read(path)
	var missing []stfile.Tensor
	for _, x := range ts {
		if x.Name != "embed.1.weight" {
			missing = append(missing, x)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := stfile.Write(bad, missing, meta); err != nil {
		t.Fatal(err)
	}
	if _, _, err := model.Load[float32](bad); err == nil || !strings.Contains(err.Error(), "embed.1.weight") {
		t.Errorf("missing table: %v", err)
	}
}

// TestEmbedValidate: every bad embedding entry is named; an autoencoder
// takes none.
func TestEmbedValidate(t *testing.T) {
	s := model.Spec{InputDim: 4, Hidden: []int{3}, Activations: []string{"relu"}, Classes: 2, Loss: "softmax", Init: "he",
		Embed: []layers.EmbedColumn{{Col: 4, Vocab: 2, Dim: 2}, {Col: 1, Vocab: 0, Dim: 2}, {Col: 1, Vocab: 3, Dim: 0}}}
	err := s.Validate()
	for _, want := range []string{"embed[0]: input column 4, the network has inputs 0..3", "embed[1]: vocab must be in 1..", "embed[2]: input column 1 is embedded twice", "embed[2]: dim must be in 1.."} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	ae := model.Spec{Kind: model.KindAutoencoder, InputDim: 4, CodeDim: 2, Activations: []string{"identity"}, Init: "xavier",
		Embed: []layers.EmbedColumn{{Col: 1, Vocab: 2, Dim: 2}}}
	if err := ae.Validate(); err == nil || !strings.Contains(err.Error(), "embed:") {
		t.Errorf("autoencoder with tables: %v", err)
	}
}

// TestCheckIndices: an input of an index column that is not an integer in
// [0, Vocab) is an error naming the sample and the input, where the
// embedding itself would panic.
func TestCheckIndices(t *testing.T) {
	s := model.Spec{InputDim: 3, Embed: []layers.EmbedColumn{{Col: 1, Vocab: 3, Dim: 2}}}
	if err := model.CheckIndices(s, "in.csv", []float32{0.5, 2, -1, 7, 0, 8}); err != nil {
		t.Errorf("valid indices: %v", err)
	}
	for _, bad := range []float32{3, -1, 0.5} {
		err := model.CheckIndices(s, "in.csv", []float32{0.5, 2, -1, 7, bad, 8})
		if err == nil || !strings.Contains(err.Error(), "in.csv: sample 1, input 1") {
			t.Errorf("index %v: %v", bad, err)
		}
	}
}

// torchEmbed is scripts/torch-embed-oracle.py's record (see there).
type torchEmbed struct {
	Reg     float64              `json:"reg"`
	Init    map[string][]float64 `json:"init"`
	Batches []struct {
		X []float64 `json:"x"`
		Y []int32   `json:"y"`
	} `json:"batches"`
	Loss  float64              `json:"loss"`
	Grad  map[string][]float64 `json:"grad"`
	Steps map[string]struct {
		LR      float64              `json:"lr"`
		Tensors map[string][]float64 `json:"tensors"`
	} `json:"steps"`
}

// TestEmbedAgainstTorch: a network with two embedding tables, against
// PyTorch (nn.Embedding, nn.Linear, cross-entropy plus the L2 term, in
// float64; scripts/torch-embed-oracle.py): the loss and every gradient
// on a batch with repeated indices, and every tensor after three steps of
// SGD, momentum and Adam taken by TrainStep (the update inside the
// backward pass) and by Loss then Step.
func TestEmbedAgainstTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "torch_embed.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o torchEmbed
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	spec := model.Spec{InputDim: 5, Hidden: []int{6}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax", Init: "he", Reg: o.Reg,
		Embed: []layers.EmbedColumn{{Col: 1, Vocab: 4, Dim: 3}, {Col: 3, Vocab: 3, Dim: 2}}}
	newNet := func() *model.Net[float64] {
		net, err := model.New[float64](spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range net.Params() {
			if len(o.Init[p.Name]) != p.Size() {
				t.Fatalf("%s: %d values in the oracle, %d in the network", p.Name, len(o.Init[p.Name]), p.Size())
			}
			copy(p.Data, o.Init[p.Name])
		}
		return net
	}
	batch := func(k int) (*layers.Matrix[float64], layers.Target[float64]) {
		return &layers.Matrix[float64]{Rows: 7, Cols: 5, Data: o.Batches[k].X}, layers.Classes[float64](o.Batches[k].Y)
	}
	const tol = 1e-12
	net := newNet()
	loss, _ := net.Loss(batch(0))
	if math.Abs(loss-o.Loss) > tol*o.Loss {
		t.Errorf("loss %.15g, PyTorch %.15g", loss, o.Loss)
	}
	for _, p := range net.Params() {
		closeAll(t, "gradient of "+p.Name, p.Grad, o.Grad[p.Name], tol)
	}
	for rule, want := range o.Steps {
		for _, fused := range []bool{true, false} {
			net := newNet()
			cfg, _ := optim.Defaults(rule)
			opt, err := optim.New(cfg, net.Params())
			if err != nil {
				t.Fatal(err)
			}
			for k := range o.Batches {
				x, y := batch(k)
				if fused {
					net.TrainStep(x, y, opt, want.LR)
				} else {
					net.Loss(x, y)
					opt.Step(want.LR)
				}
			}
			for _, p := range net.Params() {
				closeAll(t, fmt.Sprintf("%s (fused %v) %s", rule, fused, p.Name), p.Data, want.Tensors[p.Name], 1e-10)
			}
		}
	}
}
