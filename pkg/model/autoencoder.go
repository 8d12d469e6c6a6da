package model

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/nnfc/nnfc/pkg/layers"
)

// KindAutoencoder is the seed's tied-weight autoencoder: Spec.CodeDim is
// the code width m, Activations holds its one activation f (or identity),
// the loss is the reconstruction ½‖f(Wᵀf(Wx)) − x‖² (its target is the
// input) and Classes is 0.
const (
	KindAutoencoder = "autoencoder"
	// Identity is the autoencoder's default activation: none.
	Identity = "identity"
	// WeightName is the tied weight's tensor name in the model file: W,
	// code_dim × input_dim, the weight of PyTorch's nn.Linear(input_dim,
	// code_dim, bias=False) encoder (the decoder is its transpose).
	WeightName = "encoder.weight"
)

// IsAutoencoder reports whether the spec is a tied-weight autoencoder.
func (s Spec) IsAutoencoder() bool { return s.Kind == KindAutoencoder }

// autoencoder is the Kind of the tied-weight autoencoder.
type autoencoder struct{}

func (autoencoder) Name() string { return KindAutoencoder }

func (autoencoder) Dims(s Spec) []int { return []int{s.InputDim, s.CodeDim, s.InputDim} }

func (autoencoder) NumParams(s Spec) int { return s.CodeDim * s.InputDim }

func (autoencoder) TensorShapes(s Spec) []TensorShape {
	return []TensorShape{{WeightName, []int{s.CodeDim, s.InputDim}}}
}

func (autoencoder) LayerNames(Spec) []string { return []string{"input", "code", "reconstruction"} }

func (autoencoder) Describe(s Spec) string {
	return fmt.Sprintf("%d-%d(%s)-%d tied autoencoder", s.InputDim, s.CodeDim, s.Activations[0], s.InputDim)
}

// fileVersionAutoencoder marks an autoencoder (spec kind, code_dim): a
// reader of versions 1 and 2 would not know the kind and refuses it.
const fileVersionAutoencoder = "3"

func (autoencoder) FileVersion(Spec) string { return fileVersionAutoencoder }

func (autoencoder) Versions() []string { return []string{fileVersionAutoencoder} }

// tiedAutoencoder is the seed's tied-weight autoencoder as one layer: for
// a batch X (N×d, one sample per row) and W (m×d),
//
//	Z1 = X Wᵀ,  H = f(Z1),  Z2 = H W,  R = f(Z2),
//
// and, for the upstream gradient dR (= R − X for ½‖R − X‖²),
//
//	dZ2 = dR ⊙ f'(Z2),  dW_dec = Hᵀ dZ2,  dH = dZ2 Wᵀ,
//	dZ1 = dH ⊙ f'(Z1),  dW_enc = dZ1ᵀ X,  ∇W = dW_enc + dW_dec.
//
// With f the identity this is the seed's formula: writing K = R − X,
// dW_enc = W Kᵀ X and dW_dec = W Xᵀ K, in the seed's column convention
// (samples as columns) ∇W = W K Xᵀ + W X Kᵀ. The gradcheck suite compares
// the two (net/autoencoder/identity).
type tiedAutoencoder[T layers.Float] struct {
	w        *layers.Param[T]
	enc, dec layers.Layer[T] // f for the code and for the reconstruction; nil: identity
	wm       layers.Matrix[T]
	x, h     *layers.Matrix[T]
	z1, z2   layers.Matrix[T]
	dz, dh   layers.Matrix[T]
	gw       layers.Matrix[T]
}

func newTiedAutoencoder[T layers.Float](spec Spec) (*tiedAutoencoder[T], error) {
	l := &tiedAutoencoder[T]{w: layers.NewParam[T](WeightName, true, spec.CodeDim, spec.InputDim)}
	if f := spec.Activations[0]; f != Identity {
		var err error
		if l.enc, err = layers.NewActivation[T](f, spec.LeakyAlpha); err != nil {
			return nil, err
		}
		l.dec, _ = layers.NewActivation[T](f, spec.LeakyAlpha)
	}
	return l, nil
}

func (l *tiedAutoencoder[T]) weight() *layers.Matrix[T] {
	l.wm = layers.Matrix[T]{Rows: l.w.Shape[0], Cols: l.w.Shape[1], Data: l.w.Data}
	return &l.wm
}

// Code returns H = f(X Wᵀ), owned by the layer.
func (l *tiedAutoencoder[T]) Code(x *layers.Matrix[T]) *layers.Matrix[T] {
	w := l.weight()
	l.x = x
	l.z1.Resize(x.Rows, w.Rows)
	layers.Gemm(false, true, 1, x, w, 0, &l.z1)
	l.h = &l.z1
	if l.enc != nil {
		l.h = l.enc.Forward(&l.z1)
	}
	return l.h
}

// Forward returns the reconstruction R = f(f(X Wᵀ) W).
func (l *tiedAutoencoder[T]) Forward(x *layers.Matrix[T]) *layers.Matrix[T] {
	h := l.Code(x)
	w := l.weight()
	l.z2.Resize(x.Rows, w.Cols)
	layers.Gemm(false, false, 1, h, w, 0, &l.z2)
	if l.dec != nil {
		return l.dec.Forward(&l.z2)
	}
	return &l.z2
}

// Backward adds ∇W to the weight's gradient; it returns nil (the input
// needs no gradient).
func (l *tiedAutoencoder[T]) Backward(dr *layers.Matrix[T]) *layers.Matrix[T] {
	w := l.weight()
	dz2 := dr
	if l.dec != nil {
		dz2 = l.dec.Backward(dr)
	}
	gw := &layers.Matrix[T]{Rows: w.Rows, Cols: w.Cols, Data: l.w.Grad}
	layers.Gemm(true, false, 1, l.h, dz2, 1, gw) // += Hᵀ dZ2
	l.dh.Resize(dz2.Rows, w.Rows)
	layers.Gemm(false, true, 1, dz2, w, 0, &l.dh) // dH = dZ2 Wᵀ
	dz1 := &l.dh
	if l.enc != nil {
		dz1 = l.enc.Backward(&l.dh)
	}
	layers.Gemm(true, false, 1, dz1, l.x, 1, gw) // += dZ1ᵀ X
	return nil
}

func (l *tiedAutoencoder[T]) Params() []*layers.Param[T] { return []*layers.Param[T]{l.w} }

// newAutoencoder builds the autoencoder a valid spec describes; W is drawn
// as the weight of an input_dim → code_dim affine layer by spec.Init.
func newAutoencoder[T layers.Float](spec Spec, rng *rand.Rand) (*Net[T], error) {
	l, err := newTiedAutoencoder[T](spec)
	if err != nil {
		return nil, err
	}
	if rng != nil {
		a := layers.NewAffine[T]("", spec.InputDim, spec.CodeDim)
		if err := layers.InitAffine(a, spec.Init, spec.WeightScale, rng); err != nil {
			return nil, err
		}
		copy(l.w.Data, a.W.Data)
	}
	n := &Net[T]{Spec: spec, dscores: &layers.Matrix[T]{}, Layers: []layers.Layer[T]{l}}
	n.head = autoencoderHead[T]{n, l}
	n.flatten()
	n.fuse()
	return n, nil
}

// autoencoderHead is an autoencoder's part of a Net: the reconstruction
// loss against the input, and the code as layer 1.
type autoencoderHead[T layers.Float] struct {
	n *Net[T]
	l *tiedAutoencoder[T]
}

func (h autoencoderHead[T]) loss(r, x *layers.Matrix[T], _ layers.Target[T], d *layers.Matrix[T]) float64 {
	return reconstructionLoss(r, x, d)
}

func (h autoencoderHead[T]) output(x *layers.Matrix[T], k int) *layers.Matrix[T] {
	if k == 1 {
		return h.l.Code(x)
	}
	return h.n.Scores(x)
}

// reconstructionLoss is the mean over the batch of the seed's
// ½‖r − x‖², with d = (r − x)/N.
func reconstructionLoss[T layers.Float](r, x, d *layers.Matrix[T]) float64 {
	if r.Rows != x.Rows || r.Cols != x.Cols {
		panic(fmt.Sprintf("model: reconstruction %d×%d of input %d×%d", r.Rows, r.Cols, x.Rows, x.Cols))
	}
	d.Resize(r.Rows, r.Cols)
	inv := 1 / T(max(r.Rows, 1))
	var s float64
	for i, v := range r.Data {
		e := v - x.Data[i]
		s += float64(e) * float64(e)
		d.Data[i] = e * inv
	}
	return 0.5 * s / float64(max(r.Rows, 1))
}

// Code returns the autoencoder's code f(X Wᵀ) of a batch (N×code_dim),
// owned by the network. It panics for a classifier.
func (n *Net[T]) Code(x *layers.Matrix[T]) *layers.Matrix[T] {
	return n.Layers[0].(*tiedAutoencoder[T]).Code(x)
}

// Weight returns the autoencoder's tied W (code_dim × input_dim, row-major,
// a view). It panics for a classifier.
func (n *Net[T]) Weight() []T { return n.Layers[0].(*tiedAutoencoder[T]).w.Data }

// autoencoderActivations lists the activations an autoencoder accepts.
var autoencoderActivations = append([]string{Identity}, layers.Activations...)

// Validate reports the problems of an autoencoder spec.
func (autoencoder) Validate(s Spec) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.InputDim <= 0 {
		bad("input_dim: must be > 0, got %d", s.InputDim)
	}
	if s.CodeDim <= 0 || (s.InputDim > 0 && s.CodeDim >= s.InputDim) {
		bad("code_dim: must be in 1..%d (below the input dimension %d), got %d", s.InputDim-1, s.InputDim, s.CodeDim)
	}
	if len(s.Hidden) > 0 {
		bad("hidden: an autoencoder has no hidden layers beyond its code (code_dim)")
	}
	if len(s.Activations) != 1 || !slices.Contains(autoencoderActivations, s.Activations[0]) {
		bad("activations: an autoencoder takes one of %v, got %v", autoencoderActivations, s.Activations)
	}
	if s.Classes != 0 {
		bad("classes: an autoencoder has none, got %d", s.Classes)
	}
	if s.BatchNorm || s.Dropout > 0 {
		bad("batchnorm, dropout: not available for an autoencoder")
	}
	if len(s.Embed) > 0 {
		bad("embed: embedding tables (data.embed) are not available for an autoencoder, whose target is its input")
	}
	if !slices.Contains(layers.Inits, s.Init) {
		bad("init: unknown %q, want one of %v", s.Init, layers.Inits)
	}
	if s.Init == layers.InitNormal && !(s.WeightScale > 0) {
		bad("weight_scale: must be > 0 with init normal, got %g", s.WeightScale)
	}
	if !(s.Reg >= 0) {
		bad("reg: must be ≥ 0, got %g", s.Reg)
	}
	return errs
}
