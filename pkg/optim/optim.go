package optim

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/nnfc/nnfc/pkg/layers"
)

// Optimizer updates a fixed list of parameters from their gradients.
// It owns its per-parameter state (velocity, cache, moments) and its step
// count; the parameters stay owned by the model.
type Optimizer[T layers.Float] interface {
	// Step applies one update to every parameter from its Grad, in place,
	// with learning rate lr. Grad is read, never written; any L2 term must
	// already be in it. Step does not allocate.
	Step(lr float64)
	// State returns the named state tensors in a fixed order (parameter
	// order, then the rule's tensors in the order documented for the rule).
	// Data are views of the optimizer's buffers, not copies: copy from them
	// to checkpoint, copy into them to restore. SGD has none.
	State() []State[T]
	// Steps is the number of Step calls so far (Adam's t).
	Steps() int
	// SetSteps restores the step count from a checkpoint. It panics if n < 0.
	SetSteps(n int)
}

// State is one named state tensor of an optimizer, for example
// {Name: "0.weight.velocity", Data: ...}. The name is the parameter's name,
// a dot, and the tensor's role.
type State[T layers.Float] struct {
	Name string
	Data []T
}

// Rules lists the update rules in order of increasing complexity.
var Rules = []string{"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"}

// Config selects an update rule and its hyperparameters. Keys in the
// struct tags are the configuration file's keys under "optimizer".
//
// New uses every field as given: a zero field means zero, not "default".
// Start from Defaults(rule) and override what the user wrote.
type Config struct {
	Rule        string  `json:"rule" mapstructure:"rule"`                 // "sgd" | "momentum" | "nesterov" | "rmsprop" | "adam" | "adamw"
	Momentum    float64 `json:"momentum" mapstructure:"momentum"`         // momentum, nesterov: μ in [0,1), default 0.9
	Decay       float64 `json:"decay" mapstructure:"decay"`               // rmsprop: cache decay rate in [0,1), default 0.99
	Beta1       float64 `json:"beta1" mapstructure:"beta1"`               // adam, adamw: in [0,1), default 0.9
	Beta2       float64 `json:"beta2" mapstructure:"beta2"`               // adam, adamw: in [0,1), default 0.999
	Eps         float64 `json:"eps" mapstructure:"eps"`                   // rmsprop, adam, adamw: > 0, default 1e-8
	WeightDecay float64 `json:"weight_decay" mapstructure:"weight_decay"` // adamw: ≥ 0, default 0.01, params with Decay=true only
}

// Defaults returns the configuration of rule with every hyperparameter at
// its default (the cs231n optim.py defaults; AdamW's weight decay is
// PyTorch's). Fields that do not apply to rule are left zero.
func Defaults(rule string) (Config, error) {
	c := Config{Rule: rule}
	switch rule {
	case "sgd":
	case "momentum", "nesterov":
		c.Momentum = 0.9
	case "rmsprop":
		c.Decay, c.Eps = 0.99, 1e-8
	case "adam":
		c.Beta1, c.Beta2, c.Eps = 0.9, 0.999, 1e-8
	case "adamw":
		c.Beta1, c.Beta2, c.Eps, c.WeightDecay = 0.9, 0.999, 1e-8, 0.01
	default:
		return Config{}, unknownRule(rule)
	}
	return c, nil
}

// StateCopies is the number of parameter-sized state tensors rule keeps
// (velocity; cache; m and v), for memory estimates; 2, the most, for an
// unknown rule.
func StateCopies(rule string) int {
	switch rule {
	case "sgd":
		return 0
	case "momentum", "nesterov", "rmsprop":
		return 1
	}
	return 2
}

func unknownRule(rule string) error {
	return fmt.Errorf("optimizer.rule: unknown rule %q (want one of %s)", rule, strings.Join(Rules, ", "))
}

// applies lists, for each hyperparameter key, the rules that use it.
var applies = map[string][]string{
	"momentum":     {"momentum", "nesterov"},
	"decay":        {"rmsprop"},
	"beta1":        {"adam", "adamw"},
	"beta2":        {"adam", "adamw"},
	"eps":          {"rmsprop", "adam", "adamw"},
	"weight_decay": {"adamw"},
}

// keys is the fixed order in which Validate reports.
var keys = []string{"momentum", "decay", "beta1", "beta2", "eps", "weight_decay"}

func uses(rule, key string) bool {
	for _, r := range applies[key] {
		if r == rule {
			return true
		}
	}
	return false
}

// Validate reports every problem with c, each error naming its key:
//
//	optimizer.rule: unknown rule "adagrad" (want one of sgd, momentum, ...)
//	optimizer.beta1: does not apply to rule sgd
//	optimizer.momentum: must be in [0,1), got 1.2
//
// set holds the keys the user wrote explicitly, either bare ("beta1") or
// with the section ("optimizer.beta1"); a key in set that the rule does not
// use is an error rather than silently ignored. Keys not in set are only
// range-checked, and only when the rule uses them. A nil set checks ranges
// only. The result is nil when c is valid.
func (c Config) Validate(set map[string]bool) []error {
	isSet := func(k string) bool { return set[k] || set["optimizer."+k] }
	known := false
	for _, r := range Rules {
		known = known || r == c.Rule
	}
	if !known {
		return []error{unknownRule(c.Rule)}
	}
	value := map[string]float64{
		"momentum": c.Momentum, "decay": c.Decay, "beta1": c.Beta1,
		"beta2": c.Beta2, "eps": c.Eps, "weight_decay": c.WeightDecay,
	}
	var errs []error
	for _, k := range keys {
		if !uses(c.Rule, k) {
			if isSet(k) {
				errs = append(errs, fmt.Errorf("optimizer.%s: does not apply to rule %s", k, c.Rule))
			}
			continue
		}
		// Written so that NaN fails every check.
		x := value[k]
		switch k {
		case "momentum", "decay", "beta1", "beta2":
			if !(x >= 0 && x < 1) {
				errs = append(errs, fmt.Errorf("optimizer.%s: must be in [0,1), got %v", k, x))
			}
		case "eps":
			if !(x > 0 && !math.IsInf(x, 1)) {
				errs = append(errs, fmt.Errorf("optimizer.%s: must be > 0, got %v", k, x))
			}
		case "weight_decay":
			if !(x >= 0 && !math.IsInf(x, 1)) {
				errs = append(errs, fmt.Errorf("optimizer.%s: must be >= 0, got %v", k, x))
			}
		}
	}
	return errs
}

// New returns the optimizer cfg.Rule over params, with zeroed state and a
// step count of 0. It returns an error if cfg is invalid (see Validate) or
// if two parameters share a name (state names would collide). It panics if
// a parameter is nil or its Data and Grad differ in length.
func New[T layers.Float](cfg Config, params []*layers.Param[T]) (Optimizer[T], error) {
	if errs := cfg.Validate(nil); errs != nil {
		return nil, errors.Join(errs...)
	}
	seen := make(map[string]bool, len(params))
	for i, p := range params {
		if p == nil {
			panic(fmt.Sprintf("optim: parameter %d is nil", i))
		}
		if len(p.Data) != len(p.Grad) {
			panic(fmt.Sprintf("optim: parameter %q has %d values but %d gradients", p.Name, len(p.Data), len(p.Grad)))
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("optim: duplicate parameter name %q (optimizer state names must be unique)", p.Name)
		}
		seen[p.Name] = true
	}
	ps := append([]*layers.Param[T](nil), params...)
	b := newBase(ps)
	var o interface {
		Fuser[T]
		rule[T]
		setSelf(rule[T])
	}
	switch cfg.Rule {
	case "sgd":
		o = &SGD[T]{base: b}
	case "momentum":
		o = &Momentum[T]{Mu: cfg.Momentum, base: b, v: zeros(ps)}
	case "nesterov":
		o = &Nesterov[T]{Mu: cfg.Momentum, base: b, v: zeros(ps)}
	case "rmsprop":
		o = &RMSProp[T]{Decay: cfg.Decay, Eps: cfg.Eps, base: b, cache: zeros(ps)}
	case "adam":
		o = &Adam[T]{Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps, base: b, m: zeros(ps), v: zeros(ps)}
	case "adamw":
		o = &AdamW[T]{Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps, WeightDecay: cfg.WeightDecay,
			base: b, m: zeros(ps), v: zeros(ps)}
	default:
		panic("optim: unreachable: rule validated but not constructed: " + cfg.Rule)
	}
	o.setSelf(o)
	return o, nil
}

// zeros returns one zeroed buffer per parameter, all carved from a single
// allocation so a rule's state is one flat block of memory.
func zeros[T layers.Float](ps []*layers.Param[T]) [][]T {
	n := 0
	for _, p := range ps {
		n += len(p.Data)
	}
	flat := make([]T, n)
	out := make([][]T, len(ps))
	for i, p := range ps {
		out[i], flat = flat[:len(p.Data):len(p.Data)], flat[len(p.Data):]
	}
	return out
}

// states names the buffers bufs[k][i] of parameter i as "<name>.<roles[k]>",
// parameter by parameter.
func states[T layers.Float](ps []*layers.Param[T], roles []string, bufs ...[][]T) []State[T] {
	out := make([]State[T], 0, len(ps)*len(roles))
	for i, p := range ps {
		for k, r := range roles {
			out = append(out, State[T]{Name: p.Name + "." + r, Data: bufs[k][i]})
		}
	}
	return out
}

func checkSteps(n int) {
	if n < 0 {
		panic(fmt.Sprintf("optim: SetSteps(%d): step count must be >= 0", n))
	}
}
