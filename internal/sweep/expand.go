package sweep

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nnfc/nnfc/internal/config"
)

// streamDraw is the PCG stream of the random search's draws.
const streamDraw = 0x5eed

// TrialSpec is one expanded trial: its index, the values of the searched
// keys, and its resolved run config (Train.OutDir not yet set).
type TrialSpec struct {
	Index  int
	Params []Param
	Config config.Config
}

// Expand lists the trials: every combination for grid (the first key
// varies slowest), or Trials draws for random, deterministic from Seed.
// Each trial's config is the base config with set and the trial's values
// applied, validated like a run config; the error lists every problem.
// The result is kept: a sweep is expanded once however often Expand is
// called (Parse checks the trials, nnfc cv reads its first fold, Prepare
// writes them), so no field may change after the first call.
func (s *Sweep) Expand() ([]TrialSpec, error) {
	if s.expanded == nil {
		trials, err := s.expand()
		s.expanded = &expansion{trials, err}
	}
	return slices.Clone(s.expanded.trials), s.expanded.err
}

// expansion is Expand's result.
type expansion struct {
	trials []TrialSpec
	err    error
}

func (s *Sweep) expand() ([]TrialSpec, error) {
	var combos [][]Param
	if s.Method == "grid" {
		combos = [][]Param{nil}
		for _, d := range s.Space {
			var next [][]Param
			for _, c := range combos {
				for _, v := range d.Values {
					next = append(next, append(append([]Param(nil), c...), Param{d.Key, v}))
				}
			}
			combos = next
		}
	} else {
		rng := rand.New(rand.NewPCG(s.Seed, streamDraw))
		for range s.Trials {
			var c []Param
			for _, d := range s.Space {
				c = append(c, Param{d.Key, d.draw(rng)})
			}
			combos = append(combos, c)
		}
	}
	combos = s.withFolds(combos)
	var trials []TrialSpec
	var errs []error
	seen := map[string]bool{}
	loaded := map[string]loadedConfig{}
	for i, params := range combos {
		c, err := s.trialConfig(params, loaded)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !seen[line] {
					seen[line] = true
					errs = append(errs, errors.New(line))
				}
			}
			continue
		}
		trials = append(trials, TrialSpec{Index: i, Params: params, Config: c})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return trials, nil
}

// draw picks one value; floats keep 4 significant digits so that configs
// and tables stay readable.
func (d Dim) draw(rng *rand.Rand) any {
	round := func(x float64) float64 {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
		return v
	}
	switch d.Kind {
	case "uniform":
		return round(d.Min + rng.Float64()*(d.Max-d.Min))
	case "log_uniform":
		return round(math.Exp(math.Log(d.Min) + rng.Float64()*(math.Log(d.Max)-math.Log(d.Min))))
	case "int":
		return int(d.Min) + rng.IntN(int(d.Max-d.Min)+1)
	}
	return d.Values[rng.IntN(len(d.Values))]
}

// trialName names a trial's config while it is checked (trialConfig
// replaces it with the sweep file's path and the trial).
const trialName = "nnfc-sweep-trial.yaml"

// loadedConfig is a trial config checked, or its problems.
type loadedConfig struct {
	c   config.Config
	err error
}

// trialConfig applies set and params to the base config and loads the
// result as a stored run config (no environment overrides: a sweep is
// reproducible). Problems name the trial's values.
func (s *Sweep) trialConfig(params []Param, loaded map[string]loadedConfig) (config.Config, error) {
	m := deepCopy(s.Base).(map[string]any)
	for _, p := range slices.Concat(s.Set, s.cvSet(), params) {
		setPath(m, p.Key, p.Value)
	}
	b, err := yaml.Marshal(m)
	if err != nil {
		return config.Config{}, fmt.Errorf("%s: %v", s.Path, err)
	}
	// Checked in memory, once per distinct config (a random search over
	// few values draws the same trial again).
	text := string(b)
	r, ok := loaded[text]
	if !ok {
		r.c, r.err = config.ParseStored(trialName, b)
		loaded[text] = r
	}
	c, err := r.c, r.err
	if err != nil {
		where := "base"
		if s.BasePath != "" {
			where = "base " + s.BasePath
		}
		if len(params) > 0 {
			var ps []string
			for _, p := range params {
				ps = append(ps, p.Text())
			}
			where = "trial " + strings.Join(ps, " ")
		}
		// The config's name (and line, which means nothing to the user)
		// becomes the sweep file and the trial.
		re := regexp.MustCompile(regexp.QuoteMeta(trialName) + `(:\d+)?: `)
		msg := re.ReplaceAllLiteralString(err.Error(), s.Path+": "+where+": ")
		return config.Config{}, errors.New(msg)
	}
	return c, nil
}

// setPath sets the dotted key in nested maps, creating levels as needed.
func setPath(m map[string]any, key string, v any) {
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[parts[len(parts)-1]] = v
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// TrialDir is the directory of trial i inside the sweep directory.
func TrialDir(sweepDir string, i int) string {
	return filepath.Join(sweepDir, "trials", fmt.Sprintf("%03d", i))
}
