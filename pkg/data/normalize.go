package data

import (
	"encoding/json"
	"fmt"
	"math"
)

// Normalization modes accepted by FitNormalizer.
const (
	NormNone              = "none"               // x' = x
	NormScale             = "scale"              // x' = (x-min)/(max-min), min and max over all features
	NormStandardize       = "standardize"        // x' = (x-mean_j)/std_j per feature j
	NormStandardizeGlobal = "standardize_global" // x' = (x-mean)/std over all features
)

// NormModes lists the valid normalization modes.
var NormModes = []string{NormNone, NormScale, NormStandardize, NormStandardizeGlobal}

// Normalizer is an affine per-feature map x' = (x - Shift[j]) * Scale[j],
// fitted on the training split only and stored with the model. Global modes
// replicate their single shift and scale over all D features, so Apply is
// the same loop for every mode.
//
// Source is the preprocessing the data source fitted before normalization
// (for a CSV with a schema: column types, vocabularies, imputation
// values), opaque JSON that travels with the normalizer into the model
// file, checkpoints and fine-tuned runs, so eval and predict read raw rows
// as training did; empty for sources without one (internal/source).
type Normalizer struct {
	Mode   string          `json:"mode"`             // one of NormModes
	Shift  []float32       `json:"shift"`            // per feature, len D
	Scale  []float32       `json:"scale"`            // per feature multiplier, len D
	Source json.RawMessage `json:"source,omitempty"` // the data source's fitted preprocessing
	// Mean and Std are the mean and population standard deviation of all
	// the training features before normalization (every mode records
	// them; 0 and 0 in files written before they were): what nnfc
	// predict compares an image's gray level with.
	Mean float64 `json:"mean,omitempty"`
	Std  float64 `json:"std,omitempty"`
	// Classes names the classes (label i is Classes[i]) when the data
	// source names them (Fashion-MNIST, CIFAR-10): what nnfc eval,
	// predict and the report show. Empty when the index is the name, or
	// the names live in Source (a table's target values).
	Classes []string `json:"classes,omitempty"`
}

// FitNormalizer computes the normalization mode on train. Statistics are
// accumulated in float64; std is the population standard deviation (divide
// by N). A feature (or, for global modes, the whole data) that is constant
// gets Scale 1, so it is shifted but never divided by 0. An unknown mode is
// an error that lists the valid ones.
func FitNormalizer(mode string, train *Dataset) (*Normalizer, error) {
	valid := false
	for _, m := range NormModes {
		valid = valid || m == mode
	}
	if !valid {
		return nil, fmt.Errorf("normalization mode %q unknown, expected one of %q", mode, NormModes)
	}
	if train == nil || train.N == 0 {
		return nil, fmt.Errorf("normalization %q: cannot fit on an empty training set", mode)
	}
	if len(train.X) != train.N*train.D {
		return nil, fmt.Errorf("%s: len(X) is %d, expected N*D = %d", train.Name, len(train.X), train.N*train.D)
	}
	D := train.D
	nm := &Normalizer{Mode: mode, Shift: make([]float32, D), Scale: make([]float32, D)}
	fill := func(shift, scale float64) {
		for j := range D {
			nm.Shift[j], nm.Scale[j] = float32(shift), float32(scale)
		}
	}
	if train.X64 != nil {
		fit(nm, mode, train.X64, D, fill)
		nm.Mean, nm.Std, _ = moments(train.X64, 0, 1)
	} else {
		fit(nm, mode, train.X, D, fill)
		nm.Mean, nm.Std, _ = moments(train.X, 0, 1)
	}
	for _, e := range train.Embed {
		nm.Shift[e.Col], nm.Scale[e.Col] = 0, 1 // a category index stays one
	}
	return nm, nil
}

// fit computes the statistics of mode over x (N×D), in float64.
func fit[F float32 | float64](nm *Normalizer, mode string, x []F, D int, fill func(shift, scale float64)) {
	switch mode {
	case NormNone:
		fill(0, 1)
	case NormScale:
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range x {
			lo, hi = min(lo, float64(v)), max(hi, float64(v))
		}
		fill(lo, inv(hi-lo, lo == hi))
	case NormStandardizeGlobal:
		mean, std, constant := moments(x, 0, 1)
		fill(mean, inv(std, constant))
	case NormStandardize:
		for j := range D {
			mean, std, constant := moments(x, j, D)
			nm.Shift[j], nm.Scale[j] = float32(mean), float32(inv(std, constant))
		}
	}
}

// moments returns the mean and population standard deviation of
// x[off], x[off+stride], … in two passes, and whether all values are equal.
func moments[F float32 | float64](x []F, off, stride int) (mean, std float64, constant bool) {
	var sum float64
	n := 0
	first := x[off]
	constant = true
	for k := off; k < len(x); k += stride {
		sum += float64(x[k])
		constant = constant && x[k] == first
		n++
	}
	mean = sum / float64(n)
	var ss float64
	for k := off; k < len(x); k += stride {
		d := float64(x[k]) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(n)), constant
}

// inv returns 1/s, or 1 when the data is constant or 1/s is not a finite
// float32.
func inv(s float64, constant bool) float64 {
	r := 1 / s
	if constant || s == 0 || math.IsInf(float64(float32(r)), 0) || math.IsNaN(r) {
		return 1
	}
	return r
}

// Apply normalizes d in place. It is an error when Shift or Scale does not
// have one entry per feature of d.
func (n *Normalizer) Apply(d *Dataset) error {
	if len(n.Shift) != d.D || len(n.Scale) != d.D {
		return fmt.Errorf("%s: normalizer %q has %d shifts and %d scales, expected one per feature: %d",
			d.Name, n.Mode, len(n.Shift), len(n.Scale), d.D)
	}
	D := d.D
	for i := range d.N {
		row := d.X[i*D : (i+1)*D]
		for j, v := range row {
			row[j] = (v - n.Shift[j]) * n.Scale[j]
		}
	}
	if d.X64 != nil {
		n.Apply64(d.X64[:d.N*D], D)
	}
	return nil
}

// Apply64 normalizes float64 rows x of D features in place, in float64:
// (x − shift)·scale with shift and scale widened (Dataset.X64, and the
// rows nnfc serve reads in float64).
func (n *Normalizer) Apply64(x []float64, D int) {
	shift, scale := n.Shift[:D], n.Scale[:D]
	for i := 0; i+D <= len(x); i += D {
		row := x[i : i+D]
		for j, v := range row {
			row[j] = (v - float64(shift[j])) * float64(scale[j])
		}
	}
}

// Validate checks a normalizer read from a file: a known mode, as many
// shifts as scales, every value finite and no scale zero (which would map
// every input to the same point).
func (n *Normalizer) Validate() error {
	known := false
	for _, m := range NormModes {
		known = known || m == n.Mode
	}
	if !known {
		return fmt.Errorf("mode %q unknown, expected one of %q", n.Mode, NormModes)
	}
	if len(n.Shift) != len(n.Scale) {
		return fmt.Errorf("%d shifts but %d scales", len(n.Shift), len(n.Scale))
	}
	for j := range n.Shift {
		sh, sc := float64(n.Shift[j]), float64(n.Scale[j])
		switch {
		case math.IsNaN(sh) || math.IsInf(sh, 0):
			return fmt.Errorf("shift[%d] is %v, expected a finite number", j, sh)
		case math.IsNaN(sc) || math.IsInf(sc, 0):
			return fmt.Errorf("scale[%d] is %v, expected a finite number", j, sc)
		case sc == 0:
			return fmt.Errorf("scale[%d] is 0: every input would map to the same value", j)
		}
	}
	return nil
}
