package optim

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Schedule gives the learning rate for each epoch. Epochs count from 0;
// the trainer asks once at the start of each epoch and keeps the rate for
// every step of it. Warmup is in epochs too.
//
// Every schedule except ReduceOnPlateau is a pure function of the epoch
// (OneCycle: of the epoch and the step, see StepSchedule): its Observe
// does nothing and resuming needs no state beyond the position.
// ReduceOnPlateau's state is its exported fields; encoding/json round-trips
// it exactly (all its fields stay finite).
type Schedule interface {
	// LR returns the learning rate for epoch (0-based). It panics if
	// epoch < 0.
	LR(epoch int) float64
	// Observe is fed the monitored validation metric once per epoch, after
	// the epoch, signed so that lower is better (the loss, −accuracy).
	Observe(valLoss float64)
}

// Kinds lists the schedule kinds.
var Kinds = []string{"constant", "exponential", "step", "cosine", "plateau", "onecycle"}

// A StepSchedule sets the rate at every step, not once per epoch
// (OneCycle): the trainer asks StepLR before each step. Its LR(epoch) is
// the rate of the epoch's first step.
type StepSchedule interface {
	Schedule
	// StepLR is the rate of step (0-based) of epoch, whose steps are
	// steps (≥ 1).
	StepLR(epoch, step, steps int) float64
}

// ScheduleConfig selects a schedule. Keys in the struct tags are the
// configuration file's keys under "schedule". The base learning rate is
// not part of it: it is passed to NewSchedule.
type ScheduleConfig struct {
	Kind     string  `json:"kind" mapstructure:"kind"`           // "constant" | "exponential" | "step" | "cosine" | "plateau" | "onecycle"
	Gamma    float64 `json:"gamma" mapstructure:"gamma"`         // exponential, step: factor in (0,1]; defaults 0.95, 0.1
	Every    int     `json:"every" mapstructure:"every"`         // step: epochs between drops, ≥ 1, default 10
	Epochs   int     `json:"epochs" mapstructure:"epochs"`       // cosine, onecycle: epochs to anneal over, ≥ 1, no default (use the run's epochs)
	MinLR    float64 `json:"min_lr" mapstructure:"min_lr"`       // cosine, plateau: floor, in [0, lr], default 0
	Warmup   int     `json:"warmup" mapstructure:"warmup"`       // all but onecycle: linear warmup epochs, ≥ 0, default 0
	Factor   float64 `json:"factor" mapstructure:"factor"`       // plateau: in (0,1), default 0.1
	Patience int     `json:"patience" mapstructure:"patience"`   // plateau: ≥ 0, default 10
	MinDelta float64 `json:"min_delta" mapstructure:"min_delta"` // plateau: ≥ 0, default 1e-4
	// One-cycle (fastai's fit_one_cycle names and defaults): the base
	// rate is the peak; the cycle starts at lr/Div, reaches lr after
	// PctStart of the steps and ends at lr/DivFinal, both halves annealed
	// by Anneal. MinMomentum > 0 cycles the rule's momentum inversely,
	// from its configured value down to MinMomentum at the peak and back.
	PctStart    float64 `json:"pct_start" mapstructure:"pct_start"`       // onecycle: in (0,1), default 0.25
	Div         float64 `json:"div" mapstructure:"div"`                   // onecycle: ≥ 1, default 25
	DivFinal    float64 `json:"div_final" mapstructure:"div_final"`       // onecycle: ≥ 1, default 1e5
	Anneal      string  `json:"anneal" mapstructure:"anneal"`             // onecycle: cos | linear, default cos
	MinMomentum float64 `json:"min_momentum" mapstructure:"min_momentum"` // onecycle: in [0,1), 0 (default): no momentum cycling
}

// DefaultSchedule returns the configuration of kind with its defaults.
// Cosine's Epochs has no default and is left 0, which Validate rejects:
// the caller sets it, normally to the number of training epochs.
func DefaultSchedule(kind string) (ScheduleConfig, error) {
	c := ScheduleConfig{Kind: kind}
	switch kind {
	case "constant", "cosine":
	case "onecycle":
		c.PctStart, c.Div, c.DivFinal, c.Anneal = 0.25, 25, 1e5, "cos"
	case "exponential":
		c.Gamma = 0.95
	case "step":
		c.Gamma, c.Every = 0.1, 10
	case "plateau":
		c.Factor, c.Patience, c.MinDelta = 0.1, 10, 1e-4
	default:
		return ScheduleConfig{}, unknownKind(kind)
	}
	return c, nil
}

func unknownKind(kind string) error {
	return fmt.Errorf("schedule.kind: unknown kind %q (want one of %s)", kind, strings.Join(Kinds, ", "))
}

var scheduleApplies = map[string][]string{
	"gamma":        {"exponential", "step"},
	"every":        {"step"},
	"epochs":       {"cosine", "onecycle"},
	"min_lr":       {"cosine", "plateau"},
	"warmup":       {"constant", "exponential", "step", "cosine", "plateau"},
	"factor":       {"plateau"},
	"patience":     {"plateau"},
	"min_delta":    {"plateau"},
	"pct_start":    {"onecycle"},
	"div":          {"onecycle"},
	"div_final":    {"onecycle"},
	"anneal":       {"onecycle"},
	"min_momentum": {"onecycle"},
}

var scheduleKeys = []string{"gamma", "every", "epochs", "min_lr", "warmup", "factor", "patience", "min_delta",
	"pct_start", "div", "div_final", "anneal", "min_momentum"}

// Validate reports every problem with c, each error naming its key, as
// Config.Validate does ("schedule.gamma: must be in (0,1], got 1.5",
// "schedule.every: does not apply to kind cosine"). set holds the keys the
// user wrote, bare or prefixed with "schedule."; nil checks ranges only.
func (c ScheduleConfig) Validate(set map[string]bool) []error {
	isSet := func(k string) bool { return set[k] || set["schedule."+k] }
	known := false
	for _, k := range Kinds {
		known = known || k == c.Kind
	}
	if !known {
		return []error{unknownKind(c.Kind)}
	}
	var errs []error
	bad := func(k, want string, got any) {
		errs = append(errs, fmt.Errorf("schedule.%s: must be %s, got %v", k, want, got))
	}
	finite := func(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }
	for _, k := range scheduleKeys {
		used := false
		for _, kind := range scheduleApplies[k] {
			used = used || kind == c.Kind
		}
		if !used {
			if isSet(k) {
				errs = append(errs, fmt.Errorf("schedule.%s: does not apply to kind %s", k, c.Kind))
			}
			continue
		}
		switch k {
		case "gamma":
			if !(c.Gamma > 0 && c.Gamma <= 1) {
				bad(k, "in (0,1]", c.Gamma)
			}
		case "every":
			if c.Every < 1 {
				bad(k, ">= 1", c.Every)
			}
		case "epochs":
			if c.Epochs < 1 {
				bad(k, ">= 1", c.Epochs)
			}
		case "min_lr":
			if !(c.MinLR >= 0 && finite(c.MinLR)) {
				bad(k, ">= 0", c.MinLR)
			}
		case "warmup":
			if c.Warmup < 0 {
				bad(k, ">= 0", c.Warmup)
			}
		case "factor":
			if !(c.Factor > 0 && c.Factor < 1) {
				bad(k, "in (0,1)", c.Factor)
			}
		case "patience":
			if c.Patience < 0 {
				bad(k, ">= 0", c.Patience)
			}
		case "min_delta":
			if !(c.MinDelta >= 0 && finite(c.MinDelta)) {
				bad(k, ">= 0", c.MinDelta)
			}
		case "pct_start":
			if !(c.PctStart > 0 && c.PctStart < 1) {
				bad(k, "in (0,1)", c.PctStart)
			}
		case "div":
			if !(c.Div >= 1 && finite(c.Div)) {
				bad(k, ">= 1", c.Div)
			}
		case "div_final":
			if !(c.DivFinal >= 1 && finite(c.DivFinal)) {
				bad(k, ">= 1", c.DivFinal)
			}
		case "anneal":
			if c.Anneal != "cos" && c.Anneal != "linear" {
				bad(k, "cos or linear", fmt.Sprintf("%q", c.Anneal))
			}
		case "min_momentum":
			if !(c.MinMomentum >= 0 && c.MinMomentum < 1) {
				bad(k, "in [0,1) (0: no momentum cycling)", c.MinMomentum)
			}
		}
	}
	return errs
}

// NewSchedule returns the schedule cfg describes, starting from the base
// learning rate lr0. It returns an error if cfg is invalid (see Validate),
// if lr0 is not a positive finite number, or if min_lr exceeds lr0.
func NewSchedule(cfg ScheduleConfig, lr0 float64) (Schedule, error) {
	errs := cfg.Validate(nil)
	if !(lr0 > 0) || math.IsInf(lr0, 1) {
		errs = append(errs, fmt.Errorf("schedule: base learning rate must be > 0, got %v", lr0))
	} else if (cfg.Kind == "cosine" || cfg.Kind == "plateau") && cfg.MinLR > lr0 {
		errs = append(errs, fmt.Errorf("schedule.min_lr: must be <= the base learning rate %v, got %v", lr0, cfg.MinLR))
	}
	if errs != nil {
		return nil, errors.Join(errs...)
	}
	switch cfg.Kind {
	case "constant":
		return &Constant{LR0: lr0, Warmup: cfg.Warmup}, nil
	case "exponential":
		return &Exponential{LR0: lr0, Gamma: cfg.Gamma, Warmup: cfg.Warmup}, nil
	case "step":
		return &StepDecay{LR0: lr0, Gamma: cfg.Gamma, Every: cfg.Every, Warmup: cfg.Warmup}, nil
	case "cosine":
		return &Cosine{LR0: lr0, MinLR: cfg.MinLR, Epochs: cfg.Epochs, Warmup: cfg.Warmup}, nil
	case "plateau":
		return &ReduceOnPlateau{Factor: cfg.Factor, Patience: cfg.Patience, MinDelta: cfg.MinDelta,
			MinLR: cfg.MinLR, Warmup: cfg.Warmup, Current: lr0}, nil
	case "onecycle":
		return &OneCycle{MaxLR: lr0, Div: cfg.Div, DivFinal: cfg.DivFinal, PctStart: cfg.PctStart,
			Linear: cfg.Anneal == "linear", Epochs: cfg.Epochs, MinMomentum: cfg.MinMomentum}, nil
	}
	panic("optim: unreachable: kind validated but not constructed: " + cfg.Kind)
}

// warm is the linear warmup factor for epoch: (epoch+1)/w for the first w
// epochs, then 1. The first epoch trains at lr/w, epoch w−1 at the full rate.
func warm(epoch, w int) float64 {
	if epoch < 0 {
		panic(fmt.Sprintf("optim: learning rate asked for negative epoch %d", epoch))
	}
	if epoch >= w {
		return 1
	}
	return float64(epoch+1) / float64(w)
}

// Constant keeps the base rate: lr = LR0 (after warmup).
type Constant struct {
	LR0    float64
	Warmup int
}

func (s *Constant) LR(epoch int) float64 { return warm(epoch, s.Warmup) * s.LR0 }
func (s *Constant) Observe(float64)      {}

// Exponential decays the rate once per epoch: lr = LR0·Gammaᵉᵖᵒᶜʰ. This is
// the course's Solver lr_decay (it multiplies the rate by lr_decay at the
// end of every epoch).
type Exponential struct {
	LR0, Gamma float64
	Warmup     int
}

func (s *Exponential) LR(epoch int) float64 {
	return warm(epoch, s.Warmup) * s.LR0 * math.Pow(s.Gamma, float64(epoch))
}
func (s *Exponential) Observe(float64) {}

// StepDecay multiplies the rate by Gamma every Every epochs:
// lr = LR0·Gamma^⌊epoch/Every⌋ (PyTorch's StepLR).
type StepDecay struct {
	LR0, Gamma float64
	Every      int
	Warmup     int
}

func (s *StepDecay) LR(epoch int) float64 {
	return warm(epoch, s.Warmup) * s.LR0 * math.Pow(s.Gamma, float64(epoch/s.Every))
}
func (s *StepDecay) Observe(float64) {}

// Cosine anneals from LR0 to MinLR over Epochs epochs (Loshchilov and
// Hutter 2017, without restarts; PyTorch's CosineAnnealingLR):
//
//	lr = MinLR + (LR0 − MinLR)·(1 + cos(π·epoch/Epochs))/2   for epoch < Epochs
//	lr = MinLR                                              after
type Cosine struct {
	LR0, MinLR float64
	Epochs     int
	Warmup     int
}

func (s *Cosine) LR(epoch int) float64 {
	f := warm(epoch, s.Warmup)
	if epoch >= s.Epochs {
		return f * s.MinLR
	}
	return f * (s.MinLR + (s.LR0-s.MinLR)*(1+math.Cos(math.Pi*float64(epoch)/float64(s.Epochs)))/2)
}
func (s *Cosine) Observe(float64) {}

// ReduceOnPlateau multiplies the rate by Factor when the validation loss
// has not improved for more than Patience epochs in a row, never going
// below MinLR (PyTorch's ReduceLROnPlateau, mode "min", absolute
// threshold). A loss improves when it is below Best − MinDelta. After a
// reduction the count starts again. With Patience 2, the third
// consecutive epoch without improvement reduces the rate. A NaN or
// infinite loss counts as no improvement.
//
// The exported fields are the whole state: save them (e.g. with
// encoding/json) and restore them to resume exactly.
type ReduceOnPlateau struct {
	Factor   float64
	Patience int
	MinDelta float64
	MinLR    float64
	Warmup   int

	Current float64 // the rate before warmup; starts at the base rate
	Best    float64 // lowest loss seen; meaningful only when Seen
	Seen    bool    // a finite loss has been observed
	Bad     int     // consecutive epochs without improvement
}

// LR returns the current rate (times the warmup factor).
func (s *ReduceOnPlateau) LR(epoch int) float64 { return warm(epoch, s.Warmup) * s.Current }

// Observe records one epoch's validation loss and reduces the rate if the
// loss has stalled.
func (s *ReduceOnPlateau) Observe(valLoss float64) {
	finite := !math.IsNaN(valLoss) && !math.IsInf(valLoss, 0)
	if finite && (!s.Seen || valLoss < s.Best-s.MinDelta) {
		s.Best, s.Seen, s.Bad = valLoss, true, 0
		return
	}
	s.Bad++
	if s.Bad > s.Patience {
		s.Current = math.Max(s.Current*s.Factor, s.MinLR)
		s.Bad = 0
	}
}

// OneCycle is the one-cycle policy (Smith 2018, "A disciplined approach to
// neural network hyper-parameters"; fastai's fit_one_cycle, whose
// parameter names and defaults it keeps). Over the T = Epochs·steps steps
// of the run, at step t (0-based, counted over epochs) with p = t/T:
//
//	p < PctStart:  lr = anneal(MaxLR/Div, MaxLR, p/PctStart)
//	p ≥ PctStart:  lr = anneal(MaxLR, MaxLR/DivFinal, (p − PctStart)/(1 − PctStart))
//	p ≥ 1:         lr = MaxLR/DivFinal (epochs past Epochs)
//
// where anneal(a, b, f) = b + (a − b)·(1 + cos(π·f))/2 (cosine), or
// a + (b − a)·f with Linear. With MinMomentum > 0 the rule's momentum
// (momentum, nesterov: μ; adam, adamw: β1) cycles the other way, by
// the same anneal: from its configured value m down to MinMomentum at
// the peak rate, and back up to m at the end (fastai's moms (0.95, 0.85,
// 0.95) are m = 0.95, MinMomentum = 0.85); see MomentumCycle.
type OneCycle struct {
	MaxLR, Div, DivFinal, PctStart float64
	Linear                         bool
	Epochs                         int
	MinMomentum                    float64
}

// LR is the rate of the epoch's first step.
func (s *OneCycle) LR(epoch int) float64 { return s.StepLR(epoch, 0, 1) }

// StepLR is the rate of the step (see OneCycle).
func (s *OneCycle) StepLR(epoch, step, steps int) float64 {
	p, f := s.phase(epoch, step, steps)
	if p == 0 {
		return s.anneal(s.MaxLR/s.Div, s.MaxLR, f)
	}
	return s.anneal(s.MaxLR, s.MaxLR/s.DivFinal, f)
}

// Momentum is the momentum of the step for a rule configured with
// momentum max (see OneCycle); max itself without cycling.
func (s *OneCycle) Momentum(max float64, epoch, step, steps int) float64 {
	if s.MinMomentum == 0 {
		return max
	}
	p, f := s.phase(epoch, step, steps)
	if p == 0 {
		return s.anneal(max, s.MinMomentum, f)
	}
	return s.anneal(s.MinMomentum, max, f)
}

// phase returns the phase (0 warm-up, 1 anneal) of the step and the
// fraction of that phase done.
func (s *OneCycle) phase(epoch, step, steps int) (int, float64) {
	if epoch < 0 || step < 0 || steps < 1 {
		panic(fmt.Sprintf("optim: one-cycle rate asked for epoch %d, step %d of %d", epoch, step, steps))
	}
	p := (float64(epoch)*float64(steps) + float64(step)) / (float64(s.Epochs) * float64(steps))
	if p < s.PctStart {
		return 0, p / s.PctStart
	}
	return 1, math.Min(1, (p-s.PctStart)/(1-s.PctStart))
}

func (s *OneCycle) anneal(a, b, f float64) float64 {
	if s.Linear {
		return a + (b-a)*f
	}
	return b + (a-b)*(1+math.Cos(math.Pi*f))/2
}

func (s *OneCycle) Observe(float64) {}
