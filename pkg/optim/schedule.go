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
// Every schedule except ReduceOnPlateau is a pure function of the epoch:
// its Observe does nothing and resuming needs no state beyond the epoch.
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
var Kinds = []string{"constant", "exponential", "step", "cosine", "plateau"}

// ScheduleConfig selects a schedule. Keys in the struct tags are the
// configuration file's keys under "schedule". The base learning rate is
// not part of it: it is passed to NewSchedule.
type ScheduleConfig struct {
	Kind     string  `json:"kind" mapstructure:"kind"`           // "constant" | "exponential" | "step" | "cosine" | "plateau"
	Gamma    float64 `json:"gamma" mapstructure:"gamma"`         // exponential, step: factor in (0,1]; defaults 0.95, 0.1
	Every    int     `json:"every" mapstructure:"every"`         // step: epochs between drops, ≥ 1, default 10
	Epochs   int     `json:"epochs" mapstructure:"epochs"`       // cosine: epochs to anneal over, ≥ 1, no default (use the run's epochs)
	MinLR    float64 `json:"min_lr" mapstructure:"min_lr"`       // cosine, plateau: floor, in [0, lr], default 0
	Warmup   int     `json:"warmup" mapstructure:"warmup"`       // all: linear warmup epochs, ≥ 0, default 0
	Factor   float64 `json:"factor" mapstructure:"factor"`       // plateau: in (0,1), default 0.1
	Patience int     `json:"patience" mapstructure:"patience"`   // plateau: ≥ 0, default 10
	MinDelta float64 `json:"min_delta" mapstructure:"min_delta"` // plateau: ≥ 0, default 1e-4
}

// DefaultSchedule returns the configuration of kind with its defaults.
// Cosine's Epochs has no default and is left 0, which Validate rejects:
// the caller sets it, normally to the number of training epochs.
func DefaultSchedule(kind string) (ScheduleConfig, error) {
	c := ScheduleConfig{Kind: kind}
	switch kind {
	case "constant", "cosine":
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
	"gamma":     {"exponential", "step"},
	"every":     {"step"},
	"epochs":    {"cosine"},
	"min_lr":    {"cosine", "plateau"},
	"warmup":    Kinds,
	"factor":    {"plateau"},
	"patience":  {"plateau"},
	"min_delta": {"plateau"},
}

var scheduleKeys = []string{"gamma", "every", "epochs", "min_lr", "warmup", "factor", "patience", "min_delta"}

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
