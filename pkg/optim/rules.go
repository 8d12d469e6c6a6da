package optim

import (
	"math"

	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/layers"
)

// The update rules, in order of increasing complexity. Each Step is one
// flat loop per parameter over Data, Grad and the rule's state, computed in
// T. The per-step constants (lr, μ, 1−β1, the bias corrections...) are
// computed in float64 and rounded to T once per step, so float32 sees
// 1−β2 = float32(0.001), not 1 − float32(0.999). (Computing every element
// in float64 was measured 1.5–2× slower for float32 parameters, so it is
// not done.) Hyperparameters are exported fields and may be changed between
// steps.
//
// The loops of Momentum, Nesterov, RMSProp, Adam and AdamW live in
// internal/vec (vec.Momentum32/64 and so on): C loops that gcc vectorizes in
// the cgo build, Go loops otherwise, with the same results bit for bit. They
// compute each element as the formulas below in the order written, every
// operation rounded to T (no product fused into an FMA, on any target).

// SGD is vanilla stochastic gradient descent:
//
//	w -= lr·dw
//
// It has no state.
//
// Fused into the backward pass, a layer folds the weights' update into the
// GEMM that would compute dw (Linear), and the biases' update is the Go
// loop w -= lr·dw (Apply), not the axpy: the two agree to rounding.
type SGD[T layers.Float] struct {
	base[T]
	l T // this step's lr
}

// Step is the reference: every parameter after the whole backward pass.
func (o *SGD[T]) Step(lr float64) {
	o.begin(lr)
	for _, p := range o.params {
		// w -= lr·dw, as w += (−lr)·dw in one BLAS axpy.
		axpy(-o.l, p.Grad[:len(p.Data)], p.Data)
	}
}

func (o *SGD[T]) begin(lr float64) { o.t++; o.l = T(lr) }

func (o *SGD[T]) apply(i, lo, hi int) {
	p := o.params[i]
	w, dw := p.Data[lo:hi], p.Grad[lo:hi]
	for j, g := range dw {
		w[j] -= o.l * g
	}
}

// Linear: SGD's update is w ← w − lr·dw.
func (o *SGD[T]) Linear(*layers.Param[T]) (T, bool) { return o.l, true }
func (o *SGD[T]) State() []State[T]                 { return nil }

// Momentum is SGD with (heavy-ball) momentum, as cs231n's sgd_momentum:
//
//	v = μ·v − lr·dw
//	w += v
//
// μ (Mu) defaults to 0.9; v starts at zero. State: "<param>.velocity".
type Momentum[T layers.Float] struct {
	Mu float64
	base[T]
	v     [][]T
	mu, l T // this step's constants
}

func (o *Momentum[T]) begin(lr float64) { o.t++; o.mu, o.l = T(o.Mu), T(lr) }

func (o *Momentum[T]) apply(i, lo, hi int) {
	p := o.params[i]
	w, dw, v := p.Data[lo:hi], p.Grad[lo:hi], o.v[i][lo:hi]
	// v = μ·v − lr·dw; w += v.
	var zero T
	switch any(zero).(type) {
	case float32:
		vec.Momentum32(f32(w), f32(dw), f32(v), float32(o.mu), float32(o.l))
	case float64:
		vec.Momentum64(f64(w), f64(dw), f64(v), float64(o.mu), float64(o.l))
	}
}

func (o *Momentum[T]) State() []State[T] { return states(o.params, []string{"velocity"}, o.v) }

// Nesterov is SGD with Nesterov momentum in the form of cs231n (Sutskever
// et al. 2013, rewritten so the gradient is taken at w, not at the
// look-ahead point):
//
//	v_prev = v
//	v = μ·v − lr·dw
//	w += −μ·v_prev + (1+μ)·v
//
// μ (Mu) defaults to 0.9; v starts at zero. State: "<param>.velocity".
type Nesterov[T layers.Float] struct {
	Mu float64
	base[T]
	v          [][]T
	mu, mu1, l T // this step's constants
}

func (o *Nesterov[T]) begin(lr float64) { o.t++; o.mu, o.mu1, o.l = T(o.Mu), T(1+o.Mu), T(lr) }

func (o *Nesterov[T]) apply(i, lo, hi int) {
	p := o.params[i]
	w, dw, v := p.Data[lo:hi], p.Grad[lo:hi], o.v[i][lo:hi]
	// v_prev = v; v = μ·v − lr·dw; w += −μ·v_prev + (1+μ)·v.
	var zero T
	switch any(zero).(type) {
	case float32:
		vec.Nesterov32(f32(w), f32(dw), f32(v), float32(o.mu), float32(o.mu1), float32(o.l))
	case float64:
		vec.Nesterov64(f64(w), f64(dw), f64(v), float64(o.mu), float64(o.mu1), float64(o.l))
	}
}

func (o *Nesterov[T]) State() []State[T] { return states(o.params, []string{"velocity"}, o.v) }

// RMSProp (Tieleman and Hinton 2012) scales the step by a running average
// of squared gradients:
//
//	cache = decay·cache + (1−decay)·dw²
//	w -= lr·dw / (√cache + eps)
//
// The first line is evaluated as PyTorch's lerp form, cache += (1−decay)·
// (dw² − cache), with two FMAs (fewer multiplications beside the fused
// kernel's GEMM: its pass is ~4% faster; the bits differ from the
// product-sum form by rounding only).
// Decay defaults to 0.99 and Eps to 1e-8; cache starts at zero.
// State: "<param>.cache".
type RMSProp[T layers.Float] struct {
	Decay, Eps float64
	base[T]
	cache         [][]T
	d, d1, eps, l T // this step's constants
}

func (o *RMSProp[T]) begin(lr float64) {
	o.t++
	o.d, o.d1, o.eps, o.l = T(o.Decay), T(1-o.Decay), T(o.Eps), T(lr)
}

func (o *RMSProp[T]) apply(i, lo, hi int) {
	p := o.params[i]
	w, dw, c := p.Data[lo:hi], p.Grad[lo:hi], o.cache[i][lo:hi]
	// cache = fma(1−decay, fma(dw, dw, −cache), cache);
	// w -= lr·dw / (√cache + eps).
	var zero T
	switch any(zero).(type) {
	case float32:
		vec.RMSProp32(f32(w), f32(dw), f32(c), float32(o.d), float32(o.d1), float32(o.eps), float32(o.l))
	case float64:
		vec.RMSProp64(f64(w), f64(dw), f64(c), float64(o.d), float64(o.d1), float64(o.eps), float64(o.l))
	}
}

func (o *RMSProp[T]) State() []State[T] { return states(o.params, []string{"cache"}, o.cache) }

// Adam (Kingma and Ba 2015) keeps running averages of the gradient and its
// square, corrected for their zero start:
//
//	t += 1
//	m = β1·m + (1−β1)·dw
//	v = β2·v + (1−β2)·dw²
//	m̂ = m / (1−β1ᵗ),  v̂ = v / (1−β2ᵗ)
//	w -= lr·m̂ / (√v̂ + eps)
//
// Beta1 defaults to 0.9, Beta2 to 0.999, Eps to 1e-8; m and v start at
// zero and t at 0 (Steps). The loop evaluates the last line as
// w -= (lr/(1−β1ᵗ))·m / (√v·(1−β2ᵗ)^(−½) + eps), which is the same
// expression with the per-step constants hoisted.
// State: "<param>.m", "<param>.v".
type Adam[T layers.Float] struct {
	Beta1, Beta2, Eps float64
	base[T]
	m, v [][]T
	k    adamStep[T]
}

// adamStep holds the per-step constants of Adam and AdamW.
type adamStep[T layers.Float] struct {
	b1, c1, b2, c2, a, s, eps T
	lr                        float64
}

// adamBegin counts a step of Adam or AdamW and computes its constants.
func adamBegin[T layers.Float](t *int, k *adamStep[T], beta1, beta2, eps, lr float64) {
	*t++
	k.b1, k.c1, k.b2, k.c2, k.eps = T(beta1), T(1-beta1), T(beta2), T(1-beta2), T(eps)
	k.a = T(lr / (1 - math.Pow(beta1, float64(*t))))
	k.s = T(1 / math.Sqrt(1-math.Pow(beta2, float64(*t))))
	k.lr = lr
}

func (o *Adam[T]) begin(lr float64) { adamBegin(&o.t, &o.k, o.Beta1, o.Beta2, o.Eps, lr) }

func (o *Adam[T]) apply(i, lo, hi int) {
	p, k := o.params[i], &o.k
	w, dw, m, v := p.Data[lo:hi], p.Grad[lo:hi], o.m[i][lo:hi], o.v[i][lo:hi]
	// m = β1·m + (1−β1)·dw; v = β2·v + (1−β2)·dw·dw;
	// w -= a·m / (√v·s + eps).
	var zero T
	switch any(zero).(type) {
	case float32:
		vec.Adam32(f32(w), f32(dw), f32(m), f32(v), float32(k.b1), float32(k.c1), float32(k.b2), float32(k.c2),
			float32(k.a), float32(k.s), float32(k.eps))
	case float64:
		vec.Adam64(f64(w), f64(dw), f64(m), f64(v), float64(k.b1), float64(k.c1), float64(k.b2), float64(k.c2),
			float64(k.a), float64(k.s), float64(k.eps))
	}
}

func (o *Adam[T]) State() []State[T] { return states(o.params, []string{"m", "v"}, o.m, o.v) }

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter 2019):
// the decay is applied to the weights directly, not added to the gradient,
// so it is not rescaled by √v̂. For parameters with Decay=true:
//
//	w -= lr·m̂ / (√v̂ + eps) + lr·wd·w
//
// where the decay term uses w from before this step (as in the paper and
// in PyTorch's AdamW). Parameters with Decay=false (biases) get plain Adam.
// Defaults as Adam, and WeightDecay 0.01. Do not also put an L2 term in
// the gradients, or the weights are decayed twice.
// State: "<param>.m", "<param>.v".
type AdamW[T layers.Float] struct {
	Beta1, Beta2, Eps, WeightDecay float64
	base[T]
	m, v [][]T
	k    adamStep[T]
}

func (o *AdamW[T]) begin(lr float64) { adamBegin(&o.t, &o.k, o.Beta1, o.Beta2, o.Eps, lr) }

func (o *AdamW[T]) apply(i, lo, hi int) {
	p, k := o.params[i], &o.k
	var wd T
	if p.Decay {
		wd = T(k.lr * o.WeightDecay)
	}
	w, dw, m, v := p.Data[lo:hi], p.Grad[lo:hi], o.m[i][lo:hi], o.v[i][lo:hi]
	// As Adam, then w = w − a·m/(√v·s + eps) − wd·w with w from before
	// the step. Also with wd = 0 (Decay=false): the − 0·w stays, as it
	// always has (it differs from Adam's w -= ... for w = ±Inf or −0).
	var zero T
	switch any(zero).(type) {
	case float32:
		vec.AdamW32(f32(w), f32(dw), f32(m), f32(v), float32(k.b1), float32(k.c1), float32(k.b2), float32(k.c2),
			float32(k.a), float32(k.s), float32(k.eps), float32(wd))
	case float64:
		vec.AdamW64(f64(w), f64(dw), f64(m), f64(v), float64(k.b1), float64(k.c1), float64(k.b2), float64(k.c2),
			float64(k.a), float64(k.s), float64(k.eps), float64(wd))
	}
}

func (o *AdamW[T]) State() []State[T] { return states(o.params, []string{"m", "v"}, o.m, o.v) }
