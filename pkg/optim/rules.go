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
type SGD[T layers.Float] struct {
	params []*layers.Param[T]
	t      int
}

func (o *SGD[T]) Step(lr float64) {
	o.t++
	l := T(lr)
	for _, p := range o.params {
		// w -= lr·dw, as w += (−lr)·dw in one BLAS axpy.
		axpy(-l, p.Grad[:len(p.Data)], p.Data)
	}
}

func (o *SGD[T]) State() []State[T] { return nil }
func (o *SGD[T]) Steps() int        { return o.t }
func (o *SGD[T]) SetSteps(n int)    { checkSteps(n); o.t = n }

// Momentum is SGD with (heavy-ball) momentum, as cs231n's sgd_momentum:
//
//	v = μ·v − lr·dw
//	w += v
//
// μ (Mu) defaults to 0.9; v starts at zero. State: "<param>.velocity".
type Momentum[T layers.Float] struct {
	Mu     float64
	params []*layers.Param[T]
	v      [][]T
	t      int
}

func (o *Momentum[T]) Step(lr float64) {
	o.t++
	mu, l := T(o.Mu), T(lr)
	var zero T
	for i, p := range o.params {
		w := p.Data
		dw, v := p.Grad[:len(w)], o.v[i][:len(w)]
		// v = μ·v − lr·dw; w += v.
		switch any(zero).(type) {
		case float32:
			vec.Momentum32(f32(w), f32(dw), f32(v), float32(mu), float32(l))
		case float64:
			vec.Momentum64(f64(w), f64(dw), f64(v), float64(mu), float64(l))
		}
	}
}

func (o *Momentum[T]) State() []State[T] { return states(o.params, []string{"velocity"}, o.v) }
func (o *Momentum[T]) Steps() int        { return o.t }
func (o *Momentum[T]) SetSteps(n int)    { checkSteps(n); o.t = n }

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
	Mu     float64
	params []*layers.Param[T]
	v      [][]T
	t      int
}

func (o *Nesterov[T]) Step(lr float64) {
	o.t++
	mu, mu1, l := T(o.Mu), T(1+o.Mu), T(lr)
	var zero T
	for i, p := range o.params {
		w := p.Data
		dw, v := p.Grad[:len(w)], o.v[i][:len(w)]
		// v_prev = v; v = μ·v − lr·dw; w += −μ·v_prev + (1+μ)·v.
		switch any(zero).(type) {
		case float32:
			vec.Nesterov32(f32(w), f32(dw), f32(v), float32(mu), float32(mu1), float32(l))
		case float64:
			vec.Nesterov64(f64(w), f64(dw), f64(v), float64(mu), float64(mu1), float64(l))
		}
	}
}

func (o *Nesterov[T]) State() []State[T] { return states(o.params, []string{"velocity"}, o.v) }
func (o *Nesterov[T]) Steps() int        { return o.t }
func (o *Nesterov[T]) SetSteps(n int)    { checkSteps(n); o.t = n }

// RMSProp (Tieleman and Hinton 2012) scales the step by a running average
// of squared gradients:
//
//	cache = decay·cache + (1−decay)·dw²
//	w -= lr·dw / (√cache + eps)
//
// Decay defaults to 0.99 and Eps to 1e-8; cache starts at zero.
// State: "<param>.cache".
type RMSProp[T layers.Float] struct {
	Decay, Eps float64
	params     []*layers.Param[T]
	cache      [][]T
	t          int
}

func (o *RMSProp[T]) Step(lr float64) {
	o.t++
	d, d1, eps, l := T(o.Decay), T(1-o.Decay), T(o.Eps), T(lr)
	var zero T
	for i, p := range o.params {
		w := p.Data
		dw, c := p.Grad[:len(w)], o.cache[i][:len(w)]
		// cache = decay·cache + (1−decay)·dw·dw; w -= lr·dw / (√cache + eps).
		switch any(zero).(type) {
		case float32:
			vec.RMSProp32(f32(w), f32(dw), f32(c), float32(d), float32(d1), float32(eps), float32(l))
		case float64:
			vec.RMSProp64(f64(w), f64(dw), f64(c), float64(d), float64(d1), float64(eps), float64(l))
		}
	}
}

func (o *RMSProp[T]) State() []State[T] { return states(o.params, []string{"cache"}, o.cache) }
func (o *RMSProp[T]) Steps() int        { return o.t }
func (o *RMSProp[T]) SetSteps(n int)    { checkSteps(n); o.t = n }

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
	params            []*layers.Param[T]
	m, v              [][]T
	t                 int
}

func (o *Adam[T]) Step(lr float64) {
	o.t++
	b1, c1, b2, c2, eps := T(o.Beta1), T(1-o.Beta1), T(o.Beta2), T(1-o.Beta2), T(o.Eps)
	a := T(lr / (1 - math.Pow(o.Beta1, float64(o.t))))
	s := T(1 / math.Sqrt(1-math.Pow(o.Beta2, float64(o.t))))
	var zero T
	for i, p := range o.params {
		w := p.Data
		dw, m, v := p.Grad[:len(w)], o.m[i][:len(w)], o.v[i][:len(w)]
		// m = β1·m + (1−β1)·dw; v = β2·v + (1−β2)·dw·dw;
		// w -= a·m / (√v·s + eps).
		switch any(zero).(type) {
		case float32:
			vec.Adam32(f32(w), f32(dw), f32(m), f32(v), float32(b1), float32(c1), float32(b2), float32(c2),
				float32(a), float32(s), float32(eps))
		case float64:
			vec.Adam64(f64(w), f64(dw), f64(m), f64(v), float64(b1), float64(c1), float64(b2), float64(c2),
				float64(a), float64(s), float64(eps))
		}
	}
}

func (o *Adam[T]) State() []State[T] { return states(o.params, []string{"m", "v"}, o.m, o.v) }
func (o *Adam[T]) Steps() int        { return o.t }
func (o *Adam[T]) SetSteps(n int)    { checkSteps(n); o.t = n }

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
	params                         []*layers.Param[T]
	m, v                           [][]T
	t                              int
}

func (o *AdamW[T]) Step(lr float64) {
	o.t++
	b1, c1, b2, c2, eps := T(o.Beta1), T(1-o.Beta1), T(o.Beta2), T(1-o.Beta2), T(o.Eps)
	a := T(lr / (1 - math.Pow(o.Beta1, float64(o.t))))
	s := T(1 / math.Sqrt(1-math.Pow(o.Beta2, float64(o.t))))
	for i, p := range o.params {
		var wd T
		if p.Decay {
			wd = T(lr * o.WeightDecay)
		}
		w := p.Data
		dw, m, v := p.Grad[:len(w)], o.m[i][:len(w)], o.v[i][:len(w)]
		// As Adam, then w = w − a·m/(√v·s + eps) − wd·w with w from before
		// the step. Also with wd = 0 (Decay=false): the − 0·w stays, as it
		// always has (it differs from Adam's w -= ... for w = ±Inf or −0).
		var zero T
		switch any(zero).(type) {
		case float32:
			vec.AdamW32(f32(w), f32(dw), f32(m), f32(v), float32(b1), float32(c1), float32(b2), float32(c2),
				float32(a), float32(s), float32(eps), float32(wd))
		case float64:
			vec.AdamW64(f64(w), f64(dw), f64(m), f64(v), float64(b1), float64(c1), float64(b2), float64(c2),
				float64(a), float64(s), float64(eps), float64(wd))
		}
	}
}

func (o *AdamW[T]) State() []State[T] { return states(o.params, []string{"m", "v"}, o.m, o.v) }
func (o *AdamW[T]) Steps() int        { return o.t }
func (o *AdamW[T]) SetSteps(n int)    { checkSteps(n); o.t = n }
