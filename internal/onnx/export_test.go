package onnx

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// Tolerances of the comparison with ONNX Runtime, per probability, as
// numpy's allclose: |ort − nnfc| ≤ atol + rtol·|nnfc|. Float32: the
// issue's 1e-5 relative, and 1e-7 absolute (about float32's resolution at
// 1, 6e-8) for the small probabilities, whose relative error is the
// logits' absolute error (up to 1.2e-5 measured on MNIST at p ~ 1e-14:
// ORT's MLAS GEMM and nnfc's BLAS sum in different orders; against the
// model run in float64, ORT's float32 probabilities were off by up to
// 1.0e-5 relative, nnfc's by 6.2e-6). Float64: 1e-12 relative.
var (
	tol32 = tolerance{rtol: 1e-5, atol: 1e-7}
	tol64 = tolerance{rtol: 1e-12, atol: 1e-300}
)

type tolerance struct{ rtol, atol float64 }

// within reports whether every element of got is within tol of want, and
// else describes the worst.
func (tol tolerance) within(got, want []float64) (string, bool) {
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= tol.atol+tol.rtol*math.Abs(want[i])) {
			return fmt.Sprintf("element %d: %.9g, nnfc %.9g (|difference| %.3g > %g + %g·|nnfc|)", i, got[i], want[i], d, tol.atol, tol.rtol), false
		}
	}
	return "", true
}

// rawRows returns n rows of d raw features in [0, 255), like pixels.
func rawRows(rng *rand.Rand, n, d int) []float32 {
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(math.Floor(rng.Float64() * 255))
	}
	return x
}

// saveClassifier builds a classifier of spec with random weights, random
// batch-normalization statistics (so folding them is not the identity),
// and a standardizing normalizer fitted on x, and saves it in precision T.
func saveClassifier[T layers.Float](t *testing.T, path string, spec model.Spec, x []float32, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	net, err := model.New[T](spec, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, bn := range net.BatchNorm {
		for j := range bn.D {
			bn.Gamma.Data[j] = T(0.5 + rng.Float64())
			bn.Beta.Data[j] = T(0.3 * rng.NormFloat64())
			bn.RunningMean.Data[j] = T(0.5 * rng.NormFloat64())
			bn.RunningVar.Data[j] = T(0.5 + 1.5*rng.Float64())
		}
	}
	norm, err := data.FitNormalizer(data.NormStandardize, &data.Dataset{Name: "fit", X: x, N: len(x) / spec.InputDim, D: spec.InputDim})
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Save(path, net, norm); err != nil {
		t.Fatal(err)
	}
}

// TestClassifierInONNXRuntime exports a classifier with every activation,
// with and without batch normalization (and dropout), saved in float32
// and in float64, runs each file in ONNX Runtime on raw rows, and checks
// its probabilities, labels and class names against nnfc's forward pass;
// batch sizes 64 and 1 (the batch dimension is dynamic). Float64 graphs
// with an op ONNX Runtime has no double kernel for are refused by the
// exporter, and written anyway they fail in ONNX Runtime. Negative twins:
// a Gemm with transB = 0 and a graph without the normalizer's Mul must
// fail the same comparison. Debian's onnx.checker accepts every file.
func TestClassifierInONNXRuntime(t *testing.T) {
	const n, d = 64, 16
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	x := rawRows(rng, n, d)
	names := []string{"ant", "bee", "cat", "dog"}
	type tcase struct {
		name, prec string
		names      []string
		probs      []float64
		labels     []int32
		job        int // index of the n-row job; job+1 is the 1-row one
	}
	var cases []*tcase
	var jobs []ortJob
	var files []string
	var refused []string
	inputs := map[string]string{}
	for _, prec := range []string{"float32", "float64"} {
		p := filepath.Join(dir, "x-"+prec+".bin")
		writeMatrix(t, p, x, prec)
		p1 := filepath.Join(dir, "x1-"+prec+".bin")
		writeMatrix(t, p1, x[:d], prec)
		inputs[prec], inputs[prec+"/1"] = p, p1
	}
	for _, act := range layers.Activations {
		for _, bn := range []bool{false, true} {
			for _, prec := range []string{"float32", "float64"} {
				spec := model.Spec{InputDim: d, Hidden: []int{16, 8}, Activations: []string{act, act}, LeakyAlpha: 0.1,
					Classes: 4, Loss: "softmax", Init: "he"}
				c := &tcase{name: act, prec: prec}
				if bn {
					spec.BatchNorm, spec.Dropout = true, 0.3
					c.name += "-bn"
					c.names = names
				}
				c.name += "-" + prec
				path := filepath.Join(dir, c.name+".safetensors")
				if prec == "float64" {
					saveClassifier[float64](t, path, spec, x, uint64(len(cases)))
					c.probs, c.labels = nnfcClassify(t, path, x, n)
				} else {
					saveClassifier[float32](t, path, spec, x, uint64(len(cases)))
					c.probs, c.labels = nnfcClassify(t, path, x, n)
				}
				m, err := ExportFile(path, Options{ClassNames: c.names})
				if err != nil {
					// Only a double graph with an op ORT lacks a double kernel for may be refused.
					if prec != "float64" || !strings.Contains(err.Error(), "no double kernel for") {
						t.Fatalf("%s: %v", c.name, err)
					}
					t.Logf("%s refused: %v", c.name, err)
					refused = append(refused, c.name)
					if m, err = ExportFile(path, Options{ClassNames: c.names, skipDoubleCheck: true}); err != nil {
						t.Fatal(err)
					}
					c.name += "(refused)"
				}
				out := strings.TrimSuffix(path, ".safetensors") + ".onnx"
				if err := Write(out, m); err != nil {
					t.Fatal(err)
				}
				if !strings.HasSuffix(c.name, "(refused)") {
					files = append(files, out)
				}
				c.job = len(jobs)
				jobs = append(jobs, ortJob{Model: out, Input: inputs[prec], Rows: n, Cols: d, Dtype: prec},
					ortJob{Model: out, Input: inputs[prec+"/1"], Rows: 1, Cols: d, Dtype: prec})
				cases = append(cases, c)
			}
		}
	}
	// The negative twins, from the relu float32 model without batch norm.
	twinSrc := filepath.Join(dir, "relu-float32.safetensors")
	twins := map[string]func(m *onnxpb.ModelProto){
		"transB=0": func(m *onnxpb.ModelProto) {
			g := m.Graph.Node[firstNode(t, m, "Gemm")]
			for _, a := range g.Attribute {
				if a.GetName() == "transB" {
					zero := int64(0)
					a.I = &zero
				}
			}
		},
		"no normalizer scale": func(m *onnxpb.ModelProto) {
			i := firstNode(t, m, "Mul")
			mul := m.Graph.Node[i]
			for _, nd := range m.Graph.Node {
				for k, in := range nd.Input {
					if in == mul.Output[0] {
						nd.Input[k] = mul.Input[0]
					}
				}
			}
			m.Graph.Node = slices.Delete(m.Graph.Node, i, i+1)
		},
	}
	twinJob := map[string]int{}
	for name, mutate := range twins {
		m, err := ExportFile(twinSrc, Options{})
		if err != nil {
			t.Fatal(err)
		}
		mutate(m)
		out := filepath.Join(dir, "twin-"+strings.ReplaceAll(name, " ", "_")+".onnx")
		if err := Write(out, m); err != nil {
			t.Fatal(err)
		}
		twinJob[name] = len(jobs)
		jobs = append(jobs, ortJob{Model: out, Input: inputs["float32"], Rows: n, Cols: d, Dtype: "float32"})
	}

	res := runORT(t, jobs)
	for _, c := range cases {
		tol := tol32
		if c.prec == "float64" {
			tol = tol64
		}
		r := res[c.job]
		if strings.HasSuffix(c.name, "(refused)") {
			if r.Error == "" {
				t.Errorf("%s: the exporter refuses it, but ONNX Runtime ran it", c.name)
			} else {
				t.Logf("%s in ONNX Runtime: %s", c.name, r.Error)
			}
			continue
		}
		if msg := compareClassifier(t, r, c.probs, c.labels, c.names, tol); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
			continue
		}
		if msg := compareClassifier(t, res[c.job+1], c.probs[:4], c.labels[:1], c.names, tol); msg != "" {
			t.Errorf("%s, batch of 1: %s", c.name, msg)
		}
		got := r.floats(t, OutProbabilities)
		t.Logf("%-22s probabilities within %.2g relative of nnfc's (%.2g absolute), %d labels equal", c.name, relErr(got, c.probs), absErr(got, c.probs), n)
	}
	ref := cases[0] // relu-float32
	for name, j := range twinJob {
		msg := compareClassifier(t, res[j], ref.probs, ref.labels, nil, tol32)
		if msg == "" {
			t.Errorf("negative twin %q: ONNX Runtime's outputs still match nnfc's: the comparison cannot fail", name)
		} else {
			t.Logf("negative twin %q fails as it must: %s", name, msg)
		}
	}
	for _, r := range refused {
		if !strings.HasPrefix(r, "leaky_relu") {
			t.Errorf("%s refused in float64: only ops without a double kernel in ONNX Runtime should be", r)
		}
	}
	checkONNX(t, files...)
}

// firstNode is the index of the first node of op type op.
func firstNode(t *testing.T, m *onnxpb.ModelProto, op string) int {
	t.Helper()
	for i, nd := range m.Graph.Node {
		if nd.GetOpType() == op {
			return i
		}
	}
	t.Fatalf("no %s node", op)
	return -1
}

// TestAutoencoderInONNXRuntime exports the tied autoencoder with each of
// its activations, in float32 and float64, and checks ONNX Runtime's code
// and reconstruction (mapped back to the input's units) against nnfc's.
func TestAutoencoderInONNXRuntime(t *testing.T) {
	const n, d, m = 32, 20, 5
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	x := rawRows(rng, n, d)
	type want struct {
		name, prec  string
		code, recon []float64
	}
	var wants []want
	var jobs []ortJob
	var files []string
	for _, prec := range []string{"float32", "float64"} {
		in := filepath.Join(dir, "x-"+prec+".bin")
		writeMatrix(t, in, x, prec)
		for _, act := range []string{model.Identity, "tanh", "sigmoid", "relu", "swish", "leaky_relu"} {
			if act == "leaky_relu" && prec == "float64" {
				continue
			}
			spec := model.Spec{Kind: model.KindAutoencoder, InputDim: d, CodeDim: m, Activations: []string{act}, LeakyAlpha: 0.1, Init: "xavier"}
			name := "ae-" + act + "-" + prec
			path := filepath.Join(dir, name+".safetensors")
			var w want
			if prec == "float64" {
				w = autoencoderWant[float64](t, path, spec, x)
			} else {
				w = autoencoderWant[float32](t, path, spec, x)
			}
			w.name, w.prec = name, prec
			out, _ := exportTo(t, path, Options{})
			files = append(files, out)
			jobs = append(jobs, ortJob{Model: out, Input: in, Rows: n, Cols: d, Dtype: prec})
			wants = append(wants, w)
		}
	}
	res := runORT(t, jobs)
	for i, w := range wants {
		r := res[i]
		if r.Error != "" {
			t.Errorf("%s: ONNX Runtime: %s", w.name, r.Error)
			continue
		}
		tol := tol32
		if w.prec == "float64" {
			tol = tol64
		}
		code, recon := r.floats(t, OutCode), r.floats(t, OutReconstruction)
		// Scaled by the output's largest magnitude: a code or pixel near 0
		// has no meaningful relative error.
		ec, er := scaledErr(code, w.code), scaledErr(recon, w.recon)
		if !(ec <= tol.rtol) || !(er <= tol.rtol) {
			t.Errorf("%s: code differs by %.3g, reconstruction by %.3g of their largest values (tolerance %g)", w.name, ec, er, tol.rtol)
		}
		t.Logf("%-24s code within %.2g, reconstruction within %.2g", w.name, ec, er)
	}
	checkONNX(t, files...)
}

// autoencoderWant saves a random autoencoder with a standardizing
// normalizer and returns nnfc's code and reconstruction of x, the latter
// mapped back to the input's units.
func autoencoderWant[T layers.Float](t *testing.T, path string, spec model.Spec, x []float32) (w struct {
	name, prec  string
	code, recon []float64
}) {
	t.Helper()
	d := spec.InputDim
	n := len(x) / d
	net, err := model.New[T](spec, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	norm, err := data.FitNormalizer(data.NormStandardize, &data.Dataset{Name: "fit", X: x, N: n, D: d})
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Save(path, net, norm); err != nil {
		t.Fatal(err)
	}
	net, norm, err = model.Load[T](path)
	if err != nil {
		t.Fatal(err)
	}
	in := normalized[T](t, norm, x, n, d)
	net.SetTraining(false)
	for _, v := range net.LayerOutput(in, 1).Data {
		w.code = append(w.code, float64(v))
	}
	for i, v := range net.Scores(in).Data {
		j := i % d
		w.recon = append(w.recon, float64(v)/float64(norm.Scale[j])+float64(norm.Shift[j]))
	}
	return w
}

// scaledErr is max |a−b| / max |b|.
func scaledErr(a, b []float64) float64 {
	var d, m float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
		m = max(m, math.Abs(b[i]))
	}
	if len(a) != len(b) {
		return math.Inf(1)
	}
	return d / max(m, 1e-300)
}

// TestMetadata checks the file's metadata_props, the dynamic batch
// dimension and the opset imports.
func TestMetadata(t *testing.T) {
	dir := t.TempDir()
	x := rawRows(rand.New(rand.NewPCG(1, 1)), 8, 6)
	path := filepath.Join(dir, "m.safetensors")
	spec := model.Spec{InputDim: 6, Hidden: []int{5}, Activations: []string{"tanh"}, Classes: 3, Loss: "softmax", Init: "he"}
	saveClassifier[float32](t, path, spec, x, 1)
	names := []string{"a", "b", "c"}
	_, m := exportTo(t, path, Options{ClassNames: names})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	f, err := model.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := Metadata(m)
	want := map[string]string{
		MetaSourceHash: hex.EncodeToString(sum[:]),
		MetaSpec:       f.Meta[model.MetaSpec],
		MetaNormalizer: f.Meta[model.MetaNormalizer],
		MetaClasses:    `["a","b","c"]`,
		MetaSource:     "m.safetensors",
		MetaPrecision:  "float32",
	}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, meta[k], v)
		}
	}
	for _, k := range []string{MetaVersion, MetaCommit} {
		if meta[k] == "" {
			t.Errorf("metadata %s is empty", k)
		}
	}
	in := m.Graph.Input[0].Type.GetTensorType().Shape.Dim
	if len(in) != 2 || in[0].GetDimParam() != Batch || in[1].GetDimValue() != 6 {
		t.Errorf("input shape %v, want [N, 6]", in)
	}
	got := map[string]int64{}
	for _, o := range m.OpsetImport {
		got[o.GetDomain()] = o.GetVersion()
	}
	if got[""] != Opset || got[DomainML] != OpsetML || len(got) != 2 {
		t.Errorf("opset imports %v, want ai.onnx %d and %s %d", got, Opset, DomainML, OpsetML)
	}
}

// TestRefusals: what cannot be exported is one line naming what is wrong.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	x := rawRows(rand.New(rand.NewPCG(1, 1)), 8, 6)
	path := filepath.Join(dir, "m.safetensors")
	spec := model.Spec{InputDim: 6, Hidden: []int{5}, Activations: []string{"leaky_relu"}, Classes: 3, Loss: "softmax", Init: "he"}
	saveClassifier[float32](t, path, spec, x, 1)
	fitted := filepath.Join(dir, "fitted.safetensors")
	{
		net, norm, err := model.Load[float32](path)
		if err != nil {
			t.Fatal(err)
		}
		norm.Source = []byte(`{"source":"csv","state":{}}`)
		if err := model.Save(fitted, net, norm); err != nil {
			t.Fatal(err)
		}
	}
	corrupt := filepath.Join(dir, "corrupt.safetensors")
	if err := os.WriteFile(corrupt, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		o          Options
		want       string
	}{
		{"names count", path, Options{ClassNames: []string{"a", "b"}}, "2 class names given, the model has 3 classes"},
		{"names twice", path, Options{ClassNames: []string{"a", "b", "a"}}, `class name "a" is given twice`},
		{"precision", path, Options{Precision: "float16"}, "precision: must be float32 or float64"},
		{"corrupt", corrupt, Options{}, "corrupt.safetensors"},
		{"fitted source", fitted, Options{}, `through the "csv" source's fitted preprocessing`},
		{"missing", filepath.Join(dir, "none.safetensors"), Options{}, "none.safetensors"},
	} {
		_, err := ExportFile(tc.path, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", tc.name, err, tc.want)
		}
	}
	if len(noDouble) > 0 {
		_, err := ExportFile(path, Options{Precision: "float64"})
		if err == nil || !strings.Contains(err.Error(), "no double kernel for LeakyRelu") {
			t.Errorf("leaky_relu in float64: error %v, want the refusal naming LeakyRelu", err)
		}
	}
}
