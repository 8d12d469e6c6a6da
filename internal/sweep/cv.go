package sweep

// k-fold cross-validation: a sweep with cv: {folds: K, stratify: B} (and
// nnfc cv, a sweep of one point) runs every point of its space K times,
// data.cv.fold = 1…K, and scores each point by the mean of its folds'
// monitored metric.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nnfc/nnfc/internal/rundir"
)

// CV is a sweep's cross-validation: each point of the space runs once
// per fold (the run config's data.cv).
type CV struct {
	Folds    int  `json:"folds"`
	Stratify bool `json:"stratify"`
}

// FoldKey is the config key of a trial's fold.
const FoldKey = "data.cv.fold"

// cvKeys are the config keys data.cv sets, the sweep's own.
var cvKeys = []string{"data.cv.folds", FoldKey, "data.cv.stratify", "data.val_count", "data.val_fraction"}

// CVFile is the summary nnfc cv writes into its directory.
const CVFile = "cv.json"

// ForConfig is the sweep nnfc cv runs: the run config at path (its
// validation split replaced by each fold in turn), K folds, no search.
func ForConfig(path string, folds int, stratify bool) (*Sweep, error) {
	b, err := readYAML(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: config file not found", path)
		}
		return nil, err
	}
	var base map[string]any
	if err := yaml.Unmarshal(b, &base); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %v", path, oneLine(err.Error()))
	}
	if base == nil {
		base = map[string]any{}
	}
	if folds < 2 {
		return nil, fmt.Errorf("--folds: must be ≥ 2 (k-fold cross-validation holds out one of k parts), got %d", folds)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	s := &Sweep{Path: path, Name: name, BasePath: path, Base: base, Method: "grid", Seed: 1, CV: &CV{Folds: folds, Stratify: stratify}}
	if _, err := s.Expand(); err != nil { // kept for the caller's Expand and Prepare
		return nil, err
	}
	return s, nil
}

// withFolds repeats each combination once per fold (the fold varying
// fastest); combos unchanged without cv.
func (s *Sweep) withFolds(combos [][]Param) [][]Param {
	if s.CV == nil {
		return combos
	}
	var out [][]Param
	for _, c := range combos {
		for f := 1; f <= s.CV.Folds; f++ {
			out = append(out, append(slices.Clone(c), Param{FoldKey, f}))
		}
	}
	return out
}

// cvSet is what cv fixes in every trial's config: the folds (fold 1
// until the trial's own fold replaces it, so that the base config alone
// validates), and no other validation split (the base config's
// data.val_count / val_fraction give way to the fold).
func (s *Sweep) cvSet() []Param {
	if s.CV == nil {
		return nil
	}
	return []Param{{"data.cv.folds", s.CV.Folds}, {FoldKey, 1}, {"data.cv.stratify", s.CV.Stratify},
		{"data.val_count", 0}, {"data.val_fraction", 0}}
}

// CVPoint is one point of a cross-validated sweep: its searched values
// and the monitored metric of each fold (NaN while a fold has none).
type CVPoint struct {
	Params []Param  `json:"params"` // without data.cv.fold
	Folds  []CVFold `json:"folds"`
	// Mean and Std (the sample standard deviation, n−1) of the folds'
	// values: NaN ("null" in JSON) until every fold has one.
	Mean Num `json:"mean"`
	Std  Num `json:"std"`
}

// CVFold is one fold's trial.
type CVFold struct {
	Fold      int    `json:"fold"`
	Trial     int    `json:"trial"`
	Dir       string `json:"dir"`
	State     string `json:"state"`
	Value     Num    `json:"value"` // the monitored metric at the best epoch; NaN before one
	BestEpoch int    `json:"best_epoch"`
}

// Num is a float64 that JSON writes as null when NaN.
type Num float64

// Text is x to 4 decimals, or none (what to show for NaN: no value yet).
func (x Num) Text(none string) string {
	if math.IsNaN(float64(x)) {
		return none
	}
	return fmt.Sprintf("%.4f", float64(x))
}

// MarshalJSON writes NaN as null.
func (x Num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(x))
}

// UnmarshalJSON reads null as NaN.
func (x *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = Num(math.NaN())
		return nil
	}
	return json.Unmarshal(b, (*float64)(x))
}

// CVSummary is cv.json: the monitored metric per fold and its mean ± std
// per point, the best point first.
type CVSummary struct {
	Config   string    `json:"config"` // the sweep or run config file
	Folds    int       `json:"folds"`
	Stratify bool      `json:"stratify"`
	Monitor  string    `json:"monitor"`
	Points   []CVPoint `json:"points"`
}

// CVResults groups the trials of tab (a sweep with cv) by point and
// ranks the points by their folds' mean, in the monitored metric's
// direction; nil when the sweep has no cv.
func CVResults(m *Manifest, tab *Table) *CVSummary {
	if m.CV == nil {
		return nil
	}
	sum := &CVSummary{Config: m.SweepFile, Folds: m.CV.Folds, Stratify: m.CV.Stratify, Monitor: tab.Metric}
	if sum.Monitor == "" {
		sum.Monitor = rundir.DefaultMonitor
	}
	byIndex := slices.Clone(tab.Trials)
	slices.SortFunc(byIndex, func(a, b Trial) int { return a.Index - b.Index })
	at := map[string]int{}
	for _, t := range byIndex {
		var params []Param
		fold := 0
		for _, p := range t.Params {
			if p.Key == FoldKey {
				fold = toInt(p.Value)
				continue
			}
			params = append(params, p)
		}
		key := fmt.Sprint(params)
		i, ok := at[key]
		if !ok {
			i = len(sum.Points)
			at[key] = i
			sum.Points = append(sum.Points, CVPoint{Params: params})
		}
		pt := &sum.Points[i]
		pt.Folds = append(pt.Folds, CVFold{Fold: fold, Trial: t.Index, Dir: t.Dir, State: t.State, Value: Num(t.Best), BestEpoch: t.BestEpoch})
	}
	for i := range sum.Points {
		pt := &sum.Points[i]
		values := make([]float64, len(pt.Folds))
		for k, f := range pt.Folds {
			values[k] = float64(f.Value)
		}
		m, sd := meanStd(values)
		pt.Mean, pt.Std = Num(m), Num(sd)
	}
	slices.SortStableFunc(sum.Points, func(a, b CVPoint) int {
		switch na, nb := math.IsNaN(float64(a.Mean)), math.IsNaN(float64(b.Mean)); {
		case na && nb:
			return 0
		case na:
			return 1
		case nb:
			return -1
		}
		va, vb := rundir.Score(sum.Monitor, float64(a.Mean)), rundir.Score(sum.Monitor, float64(b.Mean)) // larger is better
		switch {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
	return sum
}

// meanStd is the mean and the sample standard deviation of xs; NaN when
// one is NaN (a fold not finished).
func meanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case float64:
		return int(x)
	case int64:
		return int(x)
	}
	return 0
}

// WriteCV writes cv.json into dir.
func WriteCV(dir string, sum *CVSummary) error {
	return writeJSON(filepath.Join(dir, CVFile), sum)
}
