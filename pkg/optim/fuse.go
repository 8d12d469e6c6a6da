package optim

import (
	"fmt"

	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Fuser is an optimizer whose update can run inside the backward pass: the
// network's backward applies it to each parameter (or block of a weight's
// rows) as soon as that gradient is complete, while it is in cache,
// instead of a Step over every parameter afterwards (pkg/model's
// Net.TrainStep). Every rule of this package is one; Clipped is not (it
// needs every gradient before any update).
type Fuser[T layers.Float] interface {
	Optimizer[T]
	// Fused starts one step with learning rate lr, counted in Steps as a
	// Step is, and returns the update for the backward pass to apply to
	// every parameter exactly once before the next step. The same
	// arithmetic as Step, except plain SGD's (see SGD).
	Fused(lr float64) layers.Update[T]
}

// rule is what an update rule implements on top of base: begin counts a
// step and computes its constants from lr, apply updates the entries
// [lo, hi) of parameter i from their gradients and the rule's state.
// It is a layers.Update through base (Apply) and its own or base's Linear.
type rule[T layers.Float] interface {
	layers.Update[T]
	begin(lr float64)
	apply(i, lo, hi int)
}

// base is what every rule shares: its parameters, their positions for
// Apply, the step count, and Step and Fused in terms of the rule's begin
// and apply.
type base[T layers.Float] struct {
	params []*layers.Param[T]
	index  map[*layers.Param[T]]int
	t      int
	self   rule[T] // the rule that embeds this base
}

func newBase[T layers.Float](ps []*layers.Param[T]) base[T] {
	index := make(map[*layers.Param[T]]int, len(ps))
	for i, p := range ps {
		index[p] = i
	}
	return base[T]{params: ps, index: index}
}

// Step updates every parameter from its Grad (see Optimizer).
func (b *base[T]) Step(lr float64) {
	b.self.begin(lr)
	for i, p := range b.params {
		b.self.apply(i, 0, len(p.Data))
	}
}

// Fused starts a step for the backward pass (see Fuser).
func (b *base[T]) Fused(lr float64) layers.Update[T] {
	b.self.begin(lr)
	return b.self
}

// Linear: no rule but SGD is linear in the gradient.
func (b *base[T]) Linear(*layers.Param[T]) (T, bool) { return 0, false }

// Apply updates p.Data[lo:hi] (see layers.Update). It panics for a
// parameter the optimizer was not built with.
func (b *base[T]) Apply(p *layers.Param[T], lo, hi int) {
	i, ok := b.index[p]
	if !ok {
		panic(fmt.Sprintf("optim: Apply to parameter %q, which is not the optimizer's", p.Name))
	}
	if lo < 0 || hi > len(p.Data) || lo > hi {
		panic(fmt.Sprintf("optim: Apply to %q entries [%d, %d) of %d", p.Name, lo, hi, len(p.Data)))
	}
	b.self.apply(i, lo, hi)
}

func (b *base[T]) Steps() int     { return b.t }
func (b *base[T]) SetSteps(n int) { checkSteps(n); b.t = n }

// setSelf points base's Step, Fused and Apply at the rule that embeds it.
func (b *base[T]) setSelf(r rule[T]) { b.self = r }

// Rule32 hands the rule of a float32 weight to vec.GemmRule32 (see
// layers.RuleUpdate): its kind, this step's constants (as the rule's
// apply passes them to its vec function) and its state. False for a
// parameter the optimizer was not built with, or for a rule other than
// these five.
func (b *base[T]) Rule32(p *layers.Param[float32]) (vec.Rule32, bool) {
	q, ok := any(p).(*layers.Param[T])
	if !ok {
		return vec.Rule32{}, false
	}
	i, ok := b.index[q]
	if !ok {
		return vec.Rule32{}, false
	}
	var r vec.Rule32
	k := func(v ...T) {
		for j, x := range v {
			r.K[j] = float32(x)
		}
	}
	s := func(v []T) []float32 { return any(v).([]float32) }
	switch o := b.self.(type) {
	case *Momentum[T]:
		r.Kind, r.S1 = vec.RuleMomentum, s(o.v[i])
		k(o.mu, o.l)
	case *Nesterov[T]:
		r.Kind, r.S1 = vec.RuleNesterov, s(o.v[i])
		k(o.mu, o.mu1, o.l)
	case *RMSProp[T]:
		r.Kind, r.S1 = vec.RuleRMSProp, s(o.cache[i])
		k(o.d, o.d1, o.eps, o.l)
	case *Adam[T]:
		r.Kind, r.S1, r.S2 = vec.RuleAdam, s(o.m[i]), s(o.v[i])
		k(o.k.b1, o.k.c1, o.k.b2, o.k.c2, o.k.a, o.k.s, o.k.eps)
	case *AdamW[T]:
		r.Kind, r.S1, r.S2 = vec.RuleAdamW, s(o.m[i]), s(o.v[i])
		var wd T
		if q.Decay {
			wd = T(o.k.lr * o.WeightDecay)
		}
		k(o.k.b1, o.k.c1, o.k.b2, o.k.c2, o.k.a, o.k.s, o.k.eps, wd)
	default:
		return vec.Rule32{}, false
	}
	return r, true
}
