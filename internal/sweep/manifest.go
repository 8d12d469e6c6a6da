package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/atomicfile"
)

// ManifestFile is the sweep directory's record of what it runs.
const ManifestFile = "sweep.json"

// Manifest describes a sweep directory: where its trials run from, what
// they vary, and the fingerprint of everything that decides the trials (a
// re-run with a changed sweep file is refused by comparing it).
type Manifest struct {
	Version   int    `json:"version"`
	Name      string `json:"name"`
	SweepFile string `json:"sweep_file"`
	// Workdir is the directory trials run in (relative data paths of the
	// config are relative to it).
	Workdir string `json:"workdir"`
	// Keys are the searched config keys, in the sweep file's order.
	Keys []string `json:"keys"`
	// Monitor is the base config's train.monitor, the metric trials are
	// ranked by.
	Monitor     string            `json:"monitor"`
	Fingerprint map[string]string `json:"fingerprint"`
	EarlyStop   *EarlyStop        `json:"early_stop,omitempty"`
	CV          *CV               `json:"cv,omitempty"`
	Trials      []ManifestTrial   `json:"trials"`
}

// ManifestTrial is one trial of the manifest.
type ManifestTrial struct {
	Index  int     `json:"index"`
	Dir    string  `json:"dir"` // relative to the sweep directory
	Params []Param `json:"params"`
	Epochs int     `json:"epochs"`
}

// fingerprint flattens what decides the trials into key → JSON value:
// the resolved base config, set, method, seed, trials, space.
func (s *Sweep) fingerprint() map[string]string {
	fp := map[string]string{}
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	fp["method"] = js(s.Method)
	if s.Method == "random" {
		fp["seed"] = js(s.Seed)
		fp["trials"] = js(s.Trials)
	}
	for _, p := range s.Set {
		fp["set."+p.Key] = js(p.Value)
	}
	if s.EarlyStop != nil {
		fp["early_stop"] = js(s.EarlyStop)
	}
	if s.CV != nil {
		fp["cv"] = js(s.CV)
	}
	for _, d := range s.Space {
		if d.Kind == "grid" || d.Kind == "choice" {
			fp["space."+d.Key] = js(map[string]any{d.Kind: d.Values})
		} else {
			fp["space."+d.Key] = js(map[string]any{d.Kind: []float64{d.Min, d.Max}})
		}
	}
	// The base config as resolved (defaults filled in), without the
	// searched and fixed keys, which the entries above cover.
	base, _ := s.trialConfig(nil, map[string]loadedConfig{})
	var m map[string]any
	if err := yaml.Unmarshal([]byte(base.YAML()), &m); err == nil {
		flat := map[string]any{}
		flattenMap("", m, flat)
		own := map[string]bool{"train.out_dir": true, "train.threads": true}
		for _, k := range cvKeys {
			own[k] = s.CV != nil
		}
		for _, p := range s.Set {
			own[p.Key] = true
		}
		for _, d := range s.Space {
			own[d.Key] = true
		}
		for k, v := range flat {
			if own[k] {
				continue
			}
			fp["base."+k] = js(v)
		}
	}
	return fp
}

func flattenMap(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			flattenMap(prefix+k+".", sub, out)
			continue
		}
		out[prefix+k] = v
	}
}

// diff says what changed from old to new, one "key: was X, now Y" per
// difference.
func diff(old, new map[string]string) []string {
	var keys []string
	for k := range old {
		keys = append(keys, k)
	}
	for k := range new {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		o, okO := old[k]
		n, okN := new[k]
		switch {
		case !okO:
			out = append(out, fmt.Sprintf("%s: added (%s)", k, n))
		case !okN:
			out = append(out, fmt.Sprintf("%s: removed (was %s)", k, o))
		case o != n:
			out = append(out, fmt.Sprintf("%s: was %s, now %s", k, o, n))
		}
	}
	return out
}

// ReadManifest reads DIR/sweep.json.
func ReadManifest(dir string) (*Manifest, error) {
	p := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: not a sweep directory (no %s)", dir, ManifestFile)
		}
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %v", p, err)
	}
	if m.Version != 1 {
		return nil, fmt.Errorf("%s: version %d, this nnfc reads version 1", p, m.Version)
	}
	return &m, nil
}

// Prepare creates or re-opens the sweep directory dir for s: on a new
// directory it writes the manifest and each trial's config.yaml; on an
// existing one it checks that the sweep file still describes the same
// trials (an error names every change) and writes the config of any trial
// directory that is missing. Nothing a trial produced is touched.
func Prepare(s *Sweep, dir string) (*Manifest, error) {
	trials, err := s.Expand()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	fp := s.fingerprint()
	m := &Manifest{Version: 1, Name: s.Name, SweepFile: s.Path, Workdir: wd, Monitor: "val_acc", Fingerprint: fp, EarlyStop: s.EarlyStop, CV: s.CV}
	if len(trials) > 0 {
		m.Monitor = trials[0].Config.Train.Monitor
	}
	for _, d := range s.Space {
		m.Keys = append(m.Keys, d.Key)
	}
	if s.CV != nil {
		m.Keys = append(m.Keys, FoldKey)
	}
	for _, t := range trials {
		m.Trials = append(m.Trials, ManifestTrial{Index: t.Index, Dir: filepath.Base(TrialDir(dir, t.Index)), Params: t.Params, Epochs: t.Config.Train.Epochs})
	}
	if old, err := ReadManifest(dir); err == nil {
		if d := diff(old.Fingerprint, fp); len(d) > 0 {
			return nil, fmt.Errorf("%s: the sweep file %s changed against this sweep directory: %s (run it into a new --out directory, or restore the file)",
				dir, s.Path, strings.Join(d, "; "))
		}
		m.Workdir = old.Workdir // trials keep the directory they started in
	} else if _, statErr := os.Stat(filepath.Join(dir, ManifestFile)); statErr == nil {
		return nil, err
	} else if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		return nil, fmt.Errorf("%s: exists and is not a sweep directory (no %s); choose another --out", dir, ManifestFile)
	}
	for _, t := range trials {
		td := TrialDir(dir, t.Index)
		if err := os.MkdirAll(td, 0o755); err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(td, rundir.Config)); err == nil {
			continue
		}
		c := t.Config
		c.Train.OutDir = td
		if err := atomicfile.Write(filepath.Join(td, rundir.Config), 0o644, func(w io.Writer) error {
			_, err := io.WriteString(w, c.YAML())
			return err
		}); err != nil {
			return nil, err
		}
	}
	if err := writeJSON(filepath.Join(dir, ManifestFile), m); err != nil {
		return nil, err
	}
	return m, nil
}

func writeJSON(path string, v any) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}
