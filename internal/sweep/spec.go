package sweep

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/pkg/limits"
)

// Sweep is a parsed and validated sweep file.
type Sweep struct {
	Path string // the sweep file
	Name string
	// BasePath is the base run config's file ("" when inline); Base is its
	// mapping, as the YAML file holds it.
	BasePath string
	Base     map[string]any
	// Set are fixed overrides of every trial, in file order.
	Set    []Param
	Method string // grid | random
	Seed   uint64
	Trials int // random: the number of trials drawn
	Space  []Dim
	OutDir string // the sweep directory ("" : runs/sweeps/NAME)
	Slurm  SlurmOptions
	// EarlyStop, when set, stops unpromising trials (local executor).
	EarlyStop *EarlyStop
	// CV, when set, runs every point once per fold (cv.go).
	CV *CV

	expanded *expansion // Expand's trials, once expanded
}

// EarlyStop is asynchronous successive halving in its stopping form (as
// Ray Tune's ASHA scheduler): rungs at MinEpochs·Eta^k epochs; a trial
// reaching a rung stops when its validation accuracy there is below the
// (1 − 1/Eta) quantile of the accuracies every trial recorded at that rung.
type EarlyStop struct {
	MinEpochs int `json:"min_epochs"`
	Eta       int `json:"eta"`
}

// Dim is one searched config key.
type Dim struct {
	Key string
	// Kind is grid (Values, every one), choice (Values, one drawn),
	// uniform, log_uniform (a float in [Min, Max)) or int (an integer in
	// [Min, Max]).
	Kind     string
	Values   []any
	Min, Max float64
}

// Param is a config key and its value in one trial.
type Param struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// Text is "key=value" with the value compact (lists as [200,100]).
func (p Param) Text() string { return p.Key + "=" + FormatValue(p.Value) }

// FormatValue renders a parameter value compactly: 0.0001 as 1e-04 → "0.0001",
// lists as [200,100].
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return fmt.Sprintf("%g", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprint(v)
}

var (
	topKeys   = []string{"name", "base", "set", "method", "seed", "trials", "space", "out_dir", "slurm", "early_stop", "cv"}
	distKinds = []string{"choice", "uniform", "log_uniform", "int"}
	// notSearchable are config keys a sweep sets itself.
	notSearchable = map[string]string{
		"train.out_dir":    "the sweep gives each trial its own directory",
		"train.threads":    "set the threads per trial with nnfc --threads",
		"data.cv.folds":    "cross-validation is the sweep's cv: {folds: K, stratify: true|false}",
		"data.cv.fold":     "cross-validation is the sweep's cv: {folds: K, stratify: true|false}",
		"data.cv.stratify": "cross-validation is the sweep's cv: {folds: K, stratify: true|false}",
	}
)

// Parse reads and validates a sweep file. The error lists every problem,
// one per line, each with the file and key path.
func Parse(path string) (*Sweep, error) {
	b, err := readYAML(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: sweep file not found", path)
		}
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %v", path, oneLine(err.Error()))
	}
	p := &parser{path: path}
	s := p.sweep(&doc)
	if n := s.count(); n > maxTrials {
		p.errs = append(p.errs, fmt.Errorf("%s: space: %.3g trials, at most %d are allowed", path, n, maxTrials))
	}
	// The trials' values are checked too when the base config was read:
	// every problem at once.
	if s.Base != nil && (s.Method == "grid" || s.Method == "random" && s.Trials > 0) && s.count() <= maxTrials {
		if _, err := s.Expand(); err != nil {
			p.errs = append(p.errs, err)
		}
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return s, nil
}

type parser struct {
	path string
	errs []error
}

func (p *parser) bad(key string, n *yaml.Node, format string, a ...any) {
	at := ""
	if n != nil && n.Line > 0 {
		at = fmt.Sprintf(" (line %d)", n.Line)
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s: %s%s", p.path, key, fmt.Sprintf(format, a...), at))
}

// pairs returns the key/value nodes of a mapping, reporting a non-mapping.
func (p *parser) pairs(key string, n *yaml.Node) [][2]*yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		p.bad(key, n, "must be a mapping")
		return nil
	}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

func (p *parser) sweep(doc *yaml.Node) *Sweep {
	s := &Sweep{Path: p.path, Method: "grid", Seed: 1}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.errs = append(p.errs, fmt.Errorf("%s: empty sweep file (needs base and space)", p.path))
		return s
	}
	root := doc.Content[0]
	seen := map[string]*yaml.Node{}
	for _, kv := range p.pairs("sweep file", root) {
		k, v := kv[0].Value, kv[1]
		if !slices.Contains(topKeys, k) {
			p.bad(k, kv[0], "unknown key (want one of %s)", strings.Join(topKeys, ", "))
			continue
		}
		seen[k] = v
	}
	if root.Kind != yaml.MappingNode {
		return s
	}
	if v := seen["name"]; v != nil {
		s.Name = p.str("name", v)
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(p.path), filepath.Ext(p.path))
	}
	if v := seen["method"]; v != nil {
		s.Method = p.str("method", v)
		if s.Method != "grid" && s.Method != "random" {
			p.bad("method", v, "must be grid or random, got %q", s.Method)
		}
	}
	if v := seen["seed"]; v != nil {
		if err := v.Decode(&s.Seed); err != nil {
			p.bad("seed", v, "must be an integer ≥ 0, got %s", v.Value)
		}
	}
	if v := seen["trials"]; v != nil {
		if err := v.Decode(&s.Trials); err != nil || s.Trials <= 0 {
			p.bad("trials", v, "must be an integer > 0, got %s", v.Value)
		}
		if s.Method != "random" {
			p.bad("trials", v, "applies only to method random (grid runs every combination)")
		}
	} else if s.Method == "random" {
		p.bad("trials", root, "method random needs the number of trials to draw")
	}
	if v := seen["out_dir"]; v != nil {
		s.OutDir = p.str("out_dir", v)
	}
	p.base(s, seen["base"], root)
	if v := seen["set"]; v != nil {
		for _, kv := range p.pairs("set", v) {
			key := kv[0].Value
			if !p.configKey("set."+key, key, kv[0]) {
				continue
			}
			var val any
			if err := kv[1].Decode(&val); err != nil {
				p.bad("set."+key, kv[1], "%v", err)
				continue
			}
			s.Set = append(s.Set, Param{Key: key, Value: normalize(val)})
		}
	}
	if v := seen["space"]; v != nil {
		p.space(s, v)
	} else {
		p.bad("space", root, "missing: the config keys to search, e.g. space: {optimizer.lr: [0.1, 0.3]}")
	}
	if v := seen["slurm"]; v != nil {
		p.slurm(s, v)
	}
	if v := seen["cv"]; v != nil {
		s.CV = &CV{}
		for _, kv := range p.pairs("cv", v) {
			k, val := kv[0].Value, kv[1]
			switch k {
			case "folds":
				if err := val.Decode(&s.CV.Folds); err != nil || s.CV.Folds < 2 {
					p.bad("cv.folds", val, "must be an integer ≥ 2, got %s", val.Value)
				}
			case "stratify":
				if err := val.Decode(&s.CV.Stratify); err != nil {
					p.bad("cv.stratify", val, "must be true or false, got %s", val.Value)
				}
			default:
				p.bad("cv."+k, kv[0], "unknown key (want folds or stratify)")
			}
		}
		if s.CV.Folds == 0 && v.Kind == yaml.MappingNode {
			p.bad("cv.folds", v, "missing: the number of folds, e.g. cv: {folds: 5}")
		}
	}
	if seen["early_stop"] != nil && s.CV != nil {
		p.bad("early_stop", seen["early_stop"], "does not apply with cv (it would stop single folds, and a point is the mean of all its folds)")
	}
	if v := seen["early_stop"]; v != nil {
		s.EarlyStop = &EarlyStop{MinEpochs: 1, Eta: 3}
		for _, kv := range p.pairs("early_stop", v) {
			k, val := kv[0].Value, kv[1]
			path := "early_stop." + k
			switch k {
			case "min_epochs":
				if err := val.Decode(&s.EarlyStop.MinEpochs); err != nil || s.EarlyStop.MinEpochs < 1 {
					p.bad(path, val, "must be an integer ≥ 1 (the first rung, in epochs), got %s", val.Value)
				}
			case "eta":
				if err := val.Decode(&s.EarlyStop.Eta); err != nil || s.EarlyStop.Eta < 2 {
					p.bad(path, val, "must be an integer ≥ 2 (keep the top 1/eta at each rung), got %s", val.Value)
				}
			default:
				p.bad(path, kv[0], "unknown key (want min_epochs or eta)")
			}
		}
	}
	return s
}

func (p *parser) str(key string, n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		p.bad(key, n, "must be a string")
		return ""
	}
	return n.Value
}

// configKey checks that key is a run config key a sweep may set.
func (p *parser) configKey(path, key string, n *yaml.Node) bool {
	if !slices.Contains(config.Keys(), key) {
		p.bad(path, n, "unknown config key%s", config.Suggest(key))
		return false
	}
	if why, ok := notSearchable[key]; ok {
		p.bad(path, n, "cannot be set by a sweep: %s", why)
		return false
	}
	return true
}

func (p *parser) base(s *Sweep, v, root *yaml.Node) {
	if v == nil {
		p.bad("base", root, "missing: the base run config (a file path, relative to the sweep file, or an inline mapping)")
		return
	}
	switch v.Kind {
	case yaml.ScalarNode:
		s.BasePath = v.Value
		if !filepath.IsAbs(s.BasePath) {
			s.BasePath = filepath.Join(filepath.Dir(p.path), s.BasePath)
		}
		b, err := readYAML(s.BasePath)
		if err != nil {
			p.bad("base", v, "cannot read the base config %s: %v", s.BasePath, unwrapPath(err))
			return
		}
		if err := yaml.Unmarshal(b, &s.Base); err != nil {
			p.bad("base", v, "%s: not valid YAML: %v", s.BasePath, oneLine(err.Error()))
			return
		}
	case yaml.MappingNode:
		if err := v.Decode(&s.Base); err != nil {
			p.bad("base", v, "%v", oneLine(err.Error()))
			return
		}
	default:
		p.bad("base", v, "must be a config file path or an inline config mapping")
		return
	}
	if s.Base == nil {
		s.Base = map[string]any{}
	}
	// The base config itself is validated with every trial (Expand), each
	// problem with its key path.
}

func (p *parser) space(s *Sweep, v *yaml.Node) {
	kvs := p.pairs("space", v)
	if v.Kind == yaml.MappingNode && len(kvs) == 0 {
		p.bad("space", v, "must name at least one config key to search")
	}
	for _, kv := range kvs {
		key, val := kv[0].Value, kv[1]
		path := "space." + key
		if !p.configKey(path, key, kv[0]) {
			continue
		}
		for _, q := range s.Set {
			if q.Key == key {
				p.bad(path, kv[0], "is also fixed under set")
			}
		}
		d := Dim{Key: key}
		switch {
		case val.Kind == yaml.SequenceNode:
			d.Kind = "grid"
			if s.Method == "random" {
				d.Kind = "choice"
			}
			d.Values = p.values(path, val)
		case val.Kind == yaml.MappingNode:
			dk := p.pairs(path, val)
			if len(dk) != 1 {
				p.bad(path, val, "must be a list of values or one distribution: {choice: [..]}, {uniform: [min, max]}, {log_uniform: [min, max]} or {int: [min, max]}")
				continue
			}
			d.Kind = dk[0][0].Value
			arg := dk[0][1]
			if !slices.Contains(distKinds, d.Kind) {
				p.bad(path+"."+d.Kind, dk[0][0], "unknown distribution (want one of %s)", strings.Join(distKinds, ", "))
				continue
			}
			if s.Method == "grid" && d.Kind != "choice" {
				p.bad(path, val, "a %s distribution needs method: random (grid takes a list of values)", d.Kind)
				continue
			}
			if d.Kind == "choice" {
				if arg.Kind != yaml.SequenceNode {
					p.bad(path+".choice", arg, "must be a list of values")
					continue
				}
				d.Values = p.values(path+".choice", arg)
				if s.Method == "grid" {
					d.Kind = "grid"
				}
				break
			}
			var mm []float64
			if err := arg.Decode(&mm); err != nil || len(mm) != 2 {
				p.bad(path+"."+d.Kind, arg, "must be [min, max] (two numbers)")
				continue
			}
			d.Min, d.Max = mm[0], mm[1]
			switch {
			case math.IsNaN(d.Min) || math.IsNaN(d.Max) || math.IsInf(d.Min, 0) || math.IsInf(d.Max, 0):
				p.bad(path+"."+d.Kind, arg, "bounds must be finite numbers")
			case d.Kind == "int" && (d.Min != math.Trunc(d.Min) || d.Max != math.Trunc(d.Max) || d.Min > d.Max):
				p.bad(path+".int", arg, "must be [min, max], integers with min ≤ max, got [%g, %g]", d.Min, d.Max)
			case d.Kind != "int" && !(d.Min < d.Max):
				p.bad(path+"."+d.Kind, arg, "must be [min, max] with min < max, got [%g, %g]", d.Min, d.Max)
			case d.Kind == "log_uniform" && !(d.Min > 0):
				p.bad(path+".log_uniform", arg, "min must be > 0, got %g", d.Min)
			}
		default:
			p.bad(path, val, "must be a list of values or a distribution mapping")
			continue
		}
		s.Space = append(s.Space, d)
	}
}

func (p *parser) values(path string, n *yaml.Node) []any {
	if len(n.Content) == 0 {
		p.bad(path, n, "must list at least one value")
	}
	var vals []any
	seen := map[string]bool{}
	for i, e := range n.Content {
		var val any
		if err := e.Decode(&val); err != nil {
			p.bad(fmt.Sprintf("%s[%d]", path, i), e, "%v", oneLine(err.Error()))
			continue
		}
		val = normalize(val)
		if t := FormatValue(val); seen[t] {
			p.bad(fmt.Sprintf("%s[%d]", path, i), e, "repeats the value %s", t)
		} else {
			seen[t] = true
		}
		vals = append(vals, val)
	}
	return vals
}

// normalize turns YAML-decoded values into the forms the manifest's JSON
// gives back: numbers as float64 or int, lists as []any.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case uint64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// maxTrials bounds the trials of a sweep: each is a training run, and
// Parse validates each trial's config (about 0.7 ms each).
const maxTrials = 10000

// count is the number of trials the sweep describes, as a float64 so that
// a grid of many large lists cannot overflow it.
func (s *Sweep) count() float64 {
	if s.Method != "grid" { // random, or a method already reported as unknown
		if s.CV != nil && s.CV.Folds > 0 {
			return float64(s.Trials) * float64(s.CV.Folds)
		}
		return float64(s.Trials)
	}
	n := 1.0
	for _, d := range s.Space {
		n *= float64(len(d.Values))
	}
	if s.CV != nil && s.CV.Folds > 0 {
		n *= float64(s.CV.Folds)
	}
	return n
}

// readYAML reads a YAML file with config's caps on size, nesting and
// value count checked before anything is decoded.
func readYAML(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limits.MaxConfigBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limits.MaxConfigBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := config.CheckYAMLShape(path, b); err != nil {
		return nil, err
	}
	return b, nil
}
