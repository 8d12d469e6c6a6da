package suite

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// netHidden are the hidden widths of the 1-, 2- and 3-hidden-layer
// network checks (the sizes of pkg/model's TestNetGradients).
var netHidden = [][]int{{6}, {6, 5}, {6, 5, 4}}

func netChecks() []Check {
	var cs []Check
	for _, hidden := range netHidden {
		for _, act := range layers.Activations {
			for _, reg := range []float64{0, 0.3} {
				acts := make([]string, len(hidden))
				for i := range acts {
					acts[i] = act
				}
				spec := model.Spec{InputDim: 4, Hidden: hidden, Activations: acts, LeakyAlpha: leakyAlpha,
					Classes: 3, Loss: "softmax", Init: layers.InitXavier, Reg: reg}
				name := fmt.Sprintf("net/h=%d/%s/reg=%g", len(hidden), act, reg)
				seed := uint64(len(cs) + 1)
				mistake := "negative: the 1/N of the mean loss missing from every gradient"
				if reg > 0 {
					mistake = "negative: reg·W missing from the weight gradients"
				}
				kink := ""
				if act == "relu" || act == "leaky_relu" {
					kink = "; biases shifted so pre-activations stay ≥ 0.05 from the kink"
				}
				cs = append(cs, Check{
					Name:     name,
					Doc:      fmt.Sprintf("every parameter of a %s net (softmax, xavier, batch 5%s); %s", dimString(spec), kink, mistake),
					Run:      func() []gradcheck.Result { return runNet(name, spec, seed, 5, 0, false, false, nil) },
					Negative: func() []gradcheck.Result { return runNet(name, spec, seed, 5, 0, false, true, nil) },
				})
			}
		}
	}
	return append(cs, embedNetCheck())
}

// embedNetCheck is a whole classifier with two embedding tables as its
// first layer (the table run's network, data.embed): 6 inputs, of which
// 1 and 4 are category indices (vocabularies 3 and 4, widths 2 and 3),
// 9-6(relu)-3, reg 0.1, a batch of 8 with repeated indices.
func embedNetCheck() Check {
	spec := model.Spec{InputDim: 6, Hidden: []int{6}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax",
		Init: layers.InitXavier, Reg: 0.1, Embed: []layers.EmbedColumn{{Col: 1, Vocab: 3, Dim: 2}, {Col: 4, Vocab: 4, Dim: 3}}}
	const name = "net/embedding"
	return Check{
		Name: name,
		Doc: "every parameter, tables included, of a classifier whose first layer embeds inputs 1 (3×2) and 4 (4×3): " +
			dimString(spec) + ", reg 0.1, batch 8 with repeated indices, biases off the ReLU kink; " +
			"negative: a table row keeps only the last batch row's gradient (= instead of +=)",
		Run:      func() []gradcheck.Result { return runNetMistake(name, spec, 77, 8, 0, false, false, true, nil) },
		Negative: func() []gradcheck.Result { return runNetMistake(name, spec, 77, 8, 0, false, true, true, nil) },
	}
}

// dimString is "4-6-5-3/tanh,tanh", or "4-3" without hidden layers.
func dimString(s model.Spec) string {
	d := make([]string, 0, len(s.Hidden)+2)
	for _, v := range s.Dims() {
		d = append(d, fmt.Sprint(v))
	}
	if len(s.Activations) == 0 {
		return strings.Join(d, "-")
	}
	return strings.Join(d, "-") + "/" + strings.Join(s.Activations, ",")
}

// Per-tensor entry budget of ForSpec: at most maxEntries numerical
// derivatives per tensor, fewer when a five-point difference of every
// chosen entry would cost more than specBudget multiply-adds in all
// (about 3 s with gonum's pure-Go BLAS, measured on a 784-64-10 net).
const (
	maxEntries = 2000
	minEntries = 50
	specBudget = 3e9
)

// A Batch draws the batch a ForSpec check runs on, for one kind of
// network (model.Kind): n inputs and their targets (nil for a kind whose
// target is its input), with the network moved off the kinks of its
// activations where the kind allows it; an error says why a network of
// this kind cannot be checked by finite differences. Each task
// (internal/task) names its kind's Batch: ClassBatch, InputBatch.
type Batch func(net *model.Net[float64], n int, rng *rand.Rand) (x *layers.Matrix[float64], t layers.Target[float64], err error)

// ForSpec returns the check of the network a config describes: the same
// architecture, activations, leaky_alpha, loss and reg, in float64, on a
// seeded random N(0, 1) batch drawn by batch (8 samples, 4 when the input
// has more than 100 features); loss names the loss in the check's name.
// Every tensor is checked; a tensor larger than the entry budget is
// checked on a seeded random subset of its entries, which the Result's
// Tensor names ("0.weight (2000 of 50176 entries)"). Weights come from
// the spec's initializer, except that "normal" (often with a tiny
// weight_scale, whose gradients drown in rounding) is replaced by xavier:
// the backward pass does not depend on the initializer.
//
// The relative error's denominator floor is raised from the course's 1e-8
// to the rounding noise of the loss divided by the threshold (see
// noiseFloor): among thousands of entries of a large net some gradients
// are 1e-7 or smaller, below what a difference quotient of a float64 loss
// can resolve, and the course's formula would fail them at random. Such
// entries are in effect compared absolutely, to within the noise.
func ForSpec(spec model.Spec, seed uint64, loss string, batch Batch) Check {
	name := "spec/" + dimString(spec) + "/" + loss + fmt.Sprintf("/reg=%g", spec.Reg)
	n := 8
	if spec.InputDim > 100 {
		n = 4
	}
	limit := entryLimit(spec, n)
	mistake := "negative: the 1/N of the mean loss missing from every gradient"
	if spec.Reg > 0 {
		mistake = "negative: reg·W missing from the weight gradients"
	}
	if spec.Init == layers.InitNormal {
		mistake = "xavier init instead of normal; " + mistake
	}
	return Check{
		Name: name,
		Doc: fmt.Sprintf("every parameter of the configured net on a random batch of %d (at most %d entries per tensor), "+
			"relative-error floor raised to the loss's float64 rounding noise / 1e-7 (≈1e-4); %s", n, limit, mistake),
		Run:      func() []gradcheck.Result { return runNet(name, spec, seed, n, limit, true, false, batch) },
		Negative: func() []gradcheck.Result { return runNet(name, spec, seed, n, limit, true, true, batch) },
	}
}

// entryLimit is the per-tensor entry cap that keeps a ForSpec check of
// spec within specBudget multiply-adds.
func entryLimit(spec model.Spec, batch int) int {
	dims := spec.Dims()
	macs := float64(spec.NumParams()) // the L2 term of every evaluation
	var sizes []int
	for i := 0; i+1 < len(dims); i++ {
		macs += float64(batch * dims[i] * dims[i+1])
		sizes = append(sizes, dims[i]*dims[i+1], dims[i+1])
	}
	for limit := maxEntries; ; limit = limit * 3 / 4 {
		entries := 0
		for _, s := range sizes {
			entries += min(s, limit)
		}
		if 4*float64(entries)*macs <= specBudget || limit <= minEntries {
			return max(limit, minEntries)
		}
	}
}

// runNet builds spec's network in float64, draws a batch of n samples
// with batch (ClassBatch when nil), which keeps the network away from its
// kinks, and checks every parameter (at most limit entries per tensor
// when limit > 0). floored raises the relative error's denominator floor
// to noiseFloor. wrong corrupts the analytic gradient as the check's Doc
// says.
func runNet(check string, spec model.Spec, seed uint64, n, limit int, floored, wrong bool, batch Batch) []gradcheck.Result {
	return runNetMistake(check, spec, seed, n, limit, floored, wrong, false, batch)
}

// runNetMistake is runNet; with embedWrong (and wrong), the mistake is
// the embedding's instead: a table row keeps only the last batch row's
// gradient (embeddingMistake).
func runNetMistake(check string, spec model.Spec, seed uint64, n, limit int, floored, wrong, embedWrong bool, batch Batch) []gradcheck.Result {
	if spec.Init == layers.InitNormal {
		spec.Init = layers.InitXavier
	}
	if batch == nil {
		batch = ClassBatch
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e6e6663)) // "nnfc"
	net, err := model.New[float64](spec, rng)
	if err != nil {
		return []gradcheck.Result{{Check: check, Threshold: threshold, Err: err.Error()}}
	}
	if wrong && embedWrong {
		net.Layers[0] = &embeddingMistake{Embedding: net.Embedding}
		wrong = false
	}
	x, y, err := batch(net, n, rng)
	if err != nil {
		return []gradcheck.Result{{Check: check, Threshold: threshold, Err: err.Error()}}
	}
	net.Loss(x, y)
	analytic := make([][]float64, len(net.Params()))
	for i, p := range net.Params() {
		analytic[i] = slices.Clone(p.Grad)
		if !wrong {
			continue
		}
		for j := range analytic[i] {
			if spec.Reg > 0 {
				if p.Decay {
					analytic[i][j] -= spec.Reg * p.Data[j]
				}
			} else {
				analytic[i][j] *= float64(n)
			}
		}
	}
	f := func() float64 { return net.EvalLoss(x, y) + net.RegLoss() }
	cmp, h := compare, gradcheck.DefaultStep
	if floored {
		floor := noiseFloor(f())
		if spec.BatchNorm {
			h = regStep // see regularization.go: batchnorm's truncation error
			floor = regNoiseFloor(f(), h)
		}
		cmp = func(check, tensor string, a, n []float64) gradcheck.Result {
			return compareFloor(check, tensor, a, n, floor)
		}
	}
	var rs []gradcheck.Result
	for i, p := range net.Params() {
		if limit <= 0 || p.Size() <= limit {
			rs = append(rs, cmp(check, p.Name, analytic[i], gradcheck.Numerical(f, p.Data, h)))
			continue
		}
		idx := rng.Perm(p.Size())[:limit]
		slices.Sort(idx)
		a, num := make([]float64, limit), make([]float64, limit)
		for k, j := range idx {
			a[k] = analytic[i][j]
			num[k] = gradcheck.Numerical(f, p.Data[j:j+1], h)[0]
		}
		r := cmp(check, fmt.Sprintf("%s (%d of %d entries)", p.Name, limit, p.Size()), a, num)
		r.Worst = idx[r.Worst]
		rs = append(rs, r)
	}
	return rs
}

// noiseFloor is the denominator floor of the relative error for a loss of
// value l: the rounding noise of a five-point difference divided by the
// threshold. The stencil (8(f₊₁ − f₋₁) − (f₊₂ − f₋₂)) / 12h multiplies an
// error in f by up to 18/12h = 1500 at h = 1e-3; we allow 16 ulps of |l|
// per evaluation. For a loss near 2.3 the floor is 1.2e-4: an entry
// smaller than that passes when it agrees to within 1.2e-11. The 16 is
// empirical: on 784-64-10 nets (each activation, each loss, 3 seeds) the
// largest disagreement at such entries was 6.4e-12 with an SVM loss near
// 10 (floor·threshold 5e-11) and 6.4e-13 with softmax.
func noiseFloor(l float64) float64 {
	const eps = 0x1p-52
	noise := 18 / (12 * gradcheck.DefaultStep) * 16 * eps * max(math.Abs(l), 1)
	return max(1e-8, noise/threshold)
}

// compareFloor is gradcheck.Compare with the relative error
// max_i |a_i − n_i| / max(floor, |a_i| + |n_i|) (the course uses 1e-8).
func compareFloor(check, tensor string, a, n []float64, floor float64) gradcheck.Result {
	r := gradcheck.Result{Check: check, Tensor: tensor, Threshold: threshold}
	for i := range a {
		rel := math.Abs(a[i]-n[i]) / max(floor, math.Abs(a[i])+math.Abs(n[i]))
		if math.IsNaN(rel) {
			rel = math.Inf(1)
		}
		if rel > r.MaxRel || i == 0 {
			r.MaxRel, r.Worst, r.Analytic, r.Numeric = rel, i, a[i], n[i]
		}
		if math.IsInf(rel, 1) {
			break
		}
	}
	return r
}

// ClassBatch is the batch of a classifier (targets: a class per row):
// N(0, 1) inputs and random labels, with the biases feeding ReLU and
// LeakyReLU shifted off the kinks (batchAwayFromKinks; with batchnorm or
// dropout, offKinks and fixed dropout masks).
func ClassBatch(net *model.Net[float64], n int, rng *rand.Rand) (*layers.Matrix[float64], layers.Target[float64], error) {
	spec := net.Spec
	// Embedding tables come first: the layer-by-layer walk draws their
	// indices and knows where the affine layers are.
	if spec.BatchNorm || spec.Dropout > 0 || len(spec.Embed) > 0 {
		// Fixed dropout masks, and biases or β shifted off the ReLU kinks
		// with the layer-by-layer walk that knows batchnorm and dropout.
		for _, d := range net.Dropout {
			d.FixedMask = true
		}
		x := randMatrix(rng, n, spec.InputDim)
		for _, c := range spec.Embed {
			for i := range n {
				x.Data[i*x.Cols+c.Col] = float64(rng.IntN(c.Vocab))
			}
		}
		y := make([]int32, n)
		for i := range y {
			y[i] = int32(rng.IntN(spec.Classes))
		}
		offKinks(net, x)
		return x, layers.Classes[float64](y), nil
	}
	x, y, ok := batchAwayFromKinks(net, n, rng)
	if !ok {
		return nil, layers.Target[float64]{}, errors.New("could not draw a batch whose SVM margins all stay 0.05 away from 0")
	}
	return x, layers.Classes[float64](y), nil
}

// InputBatch is the batch of a network whose target is its input (the
// tied autoencoder): N(0, 1) inputs and no labels. Without biases nothing
// moves the pre-activations off a kink, so it refuses relu and
// leaky_relu.
func InputBatch(net *model.Net[float64], n int, rng *rand.Rand) (*layers.Matrix[float64], layers.Target[float64], error) {
	if a := net.Spec.Activations[0]; a == "relu" || a == "leaky_relu" {
		return nil, layers.Target[float64]{}, fmt.Errorf("model.activation %s: the network has no bias to keep its pre-activations off the kink at 0, "+
			"so finite differences cannot check it (nnfc gradcheck --only layer/%s checks the layer)", a, a)
	}
	return randMatrix(rng, n, net.Spec.InputDim), layers.Target[float64]{}, nil
}

// batchAwayFromKinks draws a batch of n N(0, 1) samples and labels, then
// shifts the bias of every unit feeding a ReLU or LeakyReLU by the least
// amount that puts all n of its pre-activations at least kinkMargin from
// 0, layer by layer. For the SVM loss it picks each label so that no
// margin s_j − s_y + 1 is within kinkMargin of 0, redrawing the batch
// (up to 20 times) when some sample admits no such label.
func batchAwayFromKinks(net *model.Net[float64], n int, rng *rand.Rand) (*layers.Matrix[float64], []int32, bool) {
	spec := net.Spec
	for range 20 {
		x := randMatrix(rng, n, spec.InputDim)
		y := make([]int32, n)
		for i := range y {
			y[i] = int32(rng.IntN(spec.Classes))
		}
		h := x
		for k, a := range net.Affine {
			z := a.Forward(h)
			if k < len(spec.Activations) && (spec.Activations[k] == "relu" || spec.Activations[k] == "leaky_relu") {
				for j := range a.Out {
					a.B.Data[j] += kinkShift(z, j)
				}
				z = a.Forward(h)
			}
			if k < len(spec.Activations) {
				h = net.Layers[2*k+1].Forward(z)
			} else {
				h = z
			}
		}
		if spec.Loss != "svm" || svmLabels(h, y) {
			return x, y, true
		}
	}
	return nil, nil, false
}

// kinkShift is the shift s of least |s| for which every z_ij + s (column
// j of z) is at least kinkMargin from 0. The best s is 0 or puts some
// z_ij + s exactly at ±kinkMargin, so those are the candidates.
func kinkShift(z *layers.Matrix[float64], j int) float64 {
	isClear := func(s float64) bool {
		for i := range z.Rows {
			if math.Abs(z.At(i, j)+s) < kinkMargin*(1-1e-9) {
				return false
			}
		}
		return true
	}
	best := math.Inf(1)
	if isClear(0) {
		return 0
	}
	for i := range z.Rows {
		for _, m := range []float64{kinkMargin, -kinkMargin} {
			if s := m - z.At(i, j); math.Abs(s) < math.Abs(best) && isClear(s) {
				best = s
			}
		}
	}
	return best
}

// svmLabels moves each label y_i, starting from its drawn value, to the
// first class whose margins s_ij − s_iy + 1 are all at least kinkMargin
// from 0; it reports whether every sample has one.
func svmLabels(scores *layers.Matrix[float64], y []int32) bool {
	for i := range y {
		s := scores.Row(i)
		found := false
		for t := range len(s) {
			c := (int(y[i]) + t) % len(s)
			ok := true
			for j, v := range s {
				if j != c && math.Abs(v-s[c]+1) < kinkMargin {
					ok = false
					break
				}
			}
			if ok {
				y[i], found = int32(c), true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
