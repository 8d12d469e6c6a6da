// Package config is nnfc's run configuration: the YAML schema, its
// defaults (in one place: Default), environment and flag overrides, and
// validation that reports every problem with its key path at once. It is
// the only user of viper in nnfc.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/limits"
	"github.com/nnfc/nnfc/pkg/metrics"
	"github.com/nnfc/nnfc/pkg/optim"
)

// Config is one training run: seed, data, model, optimizer, schedule and
// the run's own settings.
type Config struct {
	Seed      uint64               `mapstructure:"seed" yaml:"seed"`
	Precision string               `mapstructure:"precision" yaml:"precision"` // float32 | float64 | bfloat16 (float32 weights, bf16 GEMM inputs)
	Data      Data                 `mapstructure:"data" yaml:"data"`
	Model     Model                `mapstructure:"model" yaml:"model"`
	Optimizer Optimizer            `mapstructure:"optimizer" yaml:"optimizer"`
	Schedule  optim.ScheduleConfig `mapstructure:"schedule" yaml:"schedule"`
	Train     Train                `mapstructure:"train" yaml:"train"`
	// Inferred says which task was inferred from the target column, and
	// why, when the config names none (model.task, model.kind) and its
	// data is a table; "" otherwise. Not a key: nnfc train prints it.
	Inferred string `mapstructure:"-" yaml:"-"`
}

// Data is the data section (data.*): where the samples come from and how
// they are prepared. Its keys and their checks live with the sources, in
// internal/source.
type Data = source.Config

// Spiral is the course's synthetic spiral data set (data.spiral.*).
type Spiral = source.Spiral

// Model is the model section (model.*): the network and its task. Its
// keys, defaults and checks per model.kind live with the tasks, in
// internal/task.
type Model = task.Model

// Optimizer is the update rule and its hyperparameters. Hyperparameters
// the user does not set take the rule's defaults (optim.Defaults); one
// that does not apply to the rule is an error.
type Optimizer struct {
	LR           float64 `mapstructure:"lr" yaml:"lr"`
	optim.Config `mapstructure:",squash" yaml:",inline"`
}

// Train is the run itself.
type Train struct {
	Epochs    int `mapstructure:"epochs" yaml:"epochs"`
	BatchSize int `mapstructure:"batch_size" yaml:"batch_size"`
	// TrainAccSamples is the size of the fixed-size subsample of the
	// training set whose accuracy is reported each epoch (the course
	// Solver's num_train_samples).
	TrainAccSamples int    `mapstructure:"train_acc_samples" yaml:"train_acc_samples"`
	EvalBatch       int    `mapstructure:"eval_batch" yaml:"eval_batch"`
	OutDir          string `mapstructure:"out_dir" yaml:"out_dir"`
	InitFrom        string `mapstructure:"init_from" yaml:"init_from"`
	// GradClip is the maximum global L2 norm of the gradient; 0 is off.
	GradClip float64 `mapstructure:"grad_clip" yaml:"grad_clip"`
	// EarlyStop stops after Patience epochs without the monitored
	// validation metric improving by MinDelta; 0 is off.
	Patience int     `mapstructure:"patience" yaml:"patience"`
	MinDelta float64 `mapstructure:"min_delta" yaml:"min_delta"`
	// Monitor is val_ + a metric the task reports (val_acc, val_loss,
	// val_f1_macro, …: task.Measure.Metrics), with its direction from
	// pkg/metrics' Table: best model, early stopping, the plateau schedule
	// and nnfc sweep's ranking and pruning follow it.
	Monitor string `mapstructure:"monitor" yaml:"monitor"`
	// Threads is the BLAS thread count; 0 leaves the backend's default.
	Threads int `mapstructure:"threads" yaml:"threads"`
	// The checkpoint (with metrics.jsonl and the best model) is written at
	// the end of an epoch once CheckpointEvery epochs or CheckpointSeconds
	// seconds have passed since the last one (0 turns either off), and
	// always at the end of the run, on early stopping and on Ctrl-C.
	CheckpointEvery   int     `mapstructure:"checkpoint_every" yaml:"checkpoint_every"`
	CheckpointSeconds float64 `mapstructure:"checkpoint_seconds" yaml:"checkpoint_seconds"`
	// ClassWeights weighs each class in the loss: "balanced"
	// (n_samples / (n_classes · count_c) on the training split, as
	// scikit-learn) or a map {class name or index: weight}, classes not
	// named weighing 1; nil: unweighted. The fitted weights are stored in
	// the model (model.Spec.ClassWeights). See ParseClassWeights.
	ClassWeights any `mapstructure:"class_weights" yaml:"class_weights,omitempty"`
	// EMA is the decay of an exponential moving average of the weights
	// (optim.EMA), updated after every step: when > 0 the average is what
	// each epoch evaluates and what the run keeps and saves as its model.
	// 0 is off.
	EMA float64 `mapstructure:"ema" yaml:"ema"`
	// TestEachEpoch evaluates the test split after every epoch and
	// records test_acc, test_loss and the epoch's training CPU seconds
	// (cpu_s) in metrics.jsonl, for time-to-accuracy measurements
	// (scripts/speedrun.sh). It is a record only:
	// nothing selects, stops or schedules on it (that would tune on the
	// test set), and its time is not in the epoch's training seconds.
	TestEachEpoch bool `mapstructure:"test_each_epoch" yaml:"test_each_epoch"`
}

// ParseClassWeights reads the value of train.class_weights: balanced, a
// map of weights, or nil (none).
func ParseClassWeights(v any) (balanced bool, weights map[string]float64, err error) {
	switch v := v.(type) {
	case nil:
		return false, nil, nil
	case string:
		if v == "balanced" {
			return true, nil, nil
		}
		return false, nil, fmt.Errorf("%s: must be balanced or a map {class: weight}, got %q", task.ClassWeightsKey, v)
	case map[string]any:
		weights = map[string]float64{}
		for k, x := range v {
			f, ok := toFloat(x)
			if !ok || !(f > 0) || math.IsInf(f, 0) {
				return false, nil, fmt.Errorf("%s.%s: must be a number > 0, got %v", task.ClassWeightsKey, k, x)
			}
			weights[k] = f
		}
		if len(weights) == 0 {
			return false, nil, nil
		}
		return false, weights, nil
	}
	return false, nil, fmt.Errorf("%s: must be balanced or a map {class: weight}, got %v", task.ClassWeightsKey, v)
}

// toFloat reads a number of a decoded YAML map (or of an environment
// variable's string).
func toFloat(x any) (float64, bool) {
	switch x := x.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// Default returns the defaults of every key, the one place they live.
// Optimizer hyperparameters default per rule (optim.Defaults) and schedule
// parameters per kind (optim.DefaultSchedule).
func Default() Config {
	return Config{
		Seed:      1,
		Precision: "float32",
		Data: Data{
			Source: "mnist", Dir: "data/mnist", ValCount: 0, ValFraction: 0.1,
			Normalize: "scale", LabelColumn: 0, Header: "auto", XKey: "x", YKey: "y",
			Spiral: Spiral{PerClass: 300, Classes: 7, Noise: 0.2},
			Table:  source.Table{Impute: source.Impute{Numeric: "mean", Categorical: "missing"}, MinCount: 1},
		},
		Model: Model{
			Task: "classification", Kind: "classifier", Hidden: []int{100}, Activation: "relu", LeakyAlpha: 0.01,
			Loss: "softmax", Init: "he", WeightScale: 1e-3, Reg: 0, PosWeight: 1, Threshold: 0.5,
		},
		Optimizer: Optimizer{LR: 0.1, Config: optim.Config{Rule: "sgd"}},
		Schedule:  optim.ScheduleConfig{Kind: "constant"},
		Train: Train{
			Epochs: 10, BatchSize: 128, TrainAccSamples: 1000, EvalBatch: 1000,
			OutDir: "runs/run", Monitor: "val_acc", CheckpointSeconds: 10,
		},
	}
}

// ruleKeys are the optimizer and schedule keys whose defaults depend on
// the chosen rule or kind; they get no viper default.
var ruleKeys = map[string]bool{}

func init() {
	for _, k := range Keys() {
		if (strings.HasPrefix(k, "optimizer.") && k != "optimizer.rule" && k != "optimizer.lr") ||
			(strings.HasPrefix(k, "schedule.") && k != "schedule.kind") {
			ruleKeys[k] = true
		}
	}
}

// Keys lists every configuration key, dotted ("train.batch_size").
func Keys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("mapstructure"), ",")
			if tag[0] == "-" {
				continue // not a key (Config.Inferred)
			}
			if slices.Contains(tag[1:], "squash") {
				walk(f.Type, prefix)
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, prefix+tag[0]+".")
				continue
			}
			keys = append(keys, prefix+tag[0])
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return keys
}

// mapKeys are the keys whose values are maps from the user's own names
// (data.types: {island: categorical}): viper lists each entry as a key.
var mapKeys = func() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("mapstructure"), ",")
			if tag[0] == "-" {
				continue // not a key (Config.Inferred)
			}
			switch {
			case slices.Contains(tag[1:], "squash"):
				walk(f.Type, prefix)
			case f.Type.Kind() == reflect.Struct:
				walk(f.Type, prefix+tag[0]+".")
			case f.Type.Kind() == reflect.Map || f.Type.Kind() == reflect.Interface:
				// a map, or a value that may be one (train.class_weights)
				keys = append(keys, prefix+tag[0])
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return keys
}()

// underMapKey says whether k is an entry of a map key ("data.types.island").
// knownPrefix returns the known key that k lies under ("model.hidden" for
// "model.hidden.a": a map where the key takes a value), or "".
func knownPrefix(k string, known map[string]bool) string {
	for i := strings.LastIndexByte(k, '.'); i > 0; i = strings.LastIndexByte(k[:i], '.') {
		if known[k[:i]] {
			return k[:i]
		}
	}
	return ""
}

// valueKind says what a key with the default value d takes.
func valueKind(d any) string {
	switch reflect.TypeOf(d).String() {
	case "[]int":
		return "a list of integers"
	case "[]float64":
		return "a list of numbers"
	case "[]string":
		return "a list of strings"
	case "int", "int64", "uint64":
		return "an integer"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return "a single value or a list"
}

func underMapKey(k string) bool {
	for _, m := range mapKeys {
		if strings.HasPrefix(k, m+".") {
			return true
		}
	}
	return false
}

// EnvName is the environment variable that overrides key:
// NNFC_TRAIN_BATCH_SIZE for train.batch_size.
func EnvName(key string) string {
	return "NNFC_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// OtherEnv are the NNFC_* environment variables nnfc reads that are not
// configuration keys; UnknownEnv does not warn about them (nor about
// NNFC_TEST_*, the tests' own). NNFC_TABLES_DIR is where the tests find
// make data's tables: set for go test, it reaches the nnfc processes the
// tests start.
var OtherEnv = []string{"NNFC_OPENBLAS_GUARD", "NNFC_GUARD_CHILD", "NNFC_MNIST_DIR", "NNFC_FASHION_MNIST_DIR", "NNFC_TABLES_DIR", "NNFC_BENCH_THREADS",
	"NNFC_ONEDNN_MATMUL", "NNFC_ONEDNN_SPLIT",
	"NNFC_BENCH_SAMPLES", "NNFC_BENCH_HIDDEN", "NNFC_BENCH_GEMM_SECONDS", "NNFC_EMBED_MAX_POINTS", "NNFC_EMBED_ITERS"}

// UnknownEnv returns a warning for each variable in environ ("NAME=value"
// pairs, as os.Environ returns them) that starts with NNFC_ but names no
// configuration key: a misspelled NNFC_TRAIN_EPOCH would otherwise be
// ignored without a word, while a misspelled YAML key is an error.
func UnknownEnv(environ []string) []string {
	known := map[string]bool{}
	for _, k := range Keys() {
		known[EnvName(k)] = true
	}
	for _, n := range OtherEnv {
		known[n] = true
	}
	var warns []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "NNFC_") || known[name] || strings.HasPrefix(name, "NNFC_TEST_") {
			continue
		}
		w := fmt.Sprintf("%s is not a configuration variable and is ignored", name)
		best, bestD := "", 3
		for _, k := range Keys() {
			if d := editDistance(name, EnvName(k)); d < bestD {
				best, bestD = EnvName(k), d
			}
		}
		if best != "" {
			w += " (did you mean " + best + "?)"
		} else {
			w += " (variables are NNFC_ and the key in capitals, dots as underscores: NNFC_TRAIN_EPOCHS for train.epochs)"
		}
		warns = append(warns, w)
	}
	sort.Strings(warns)
	return warns
}

// SetEnv returns the configuration variables set in environ (NNFC_ and a
// key), sorted: a resumed run ignores them, and says so.
func SetEnv(environ []string) []string {
	known := map[string]bool{}
	for _, k := range Keys() {
		known[EnvName(k)] = true
	}
	var set []string
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); known[name] {
			set = append(set, name)
		}
	}
	sort.Strings(set)
	return set
}

// Flag binds a command-line flag to a configuration key.
type Flag struct {
	Key  string
	Flag *pflag.Flag
}

// Load reads path (may be "" for defaults only), applies NNFC_*
// environment variables and the given flags (flags win), and returns the
// resolved, validated config. The error lists every problem, each with
// the file and key path.
func Load(path string, flags []Flag) (Config, error) {
	return load(path, flags, true)
}

// LoadStored reads a resolved config written into a run directory, with
// no environment overrides: a resumed run must be the run that started.
func LoadStored(path string) (Config, error) {
	return load(path, nil, false)
}

// ParseStored is LoadStored of YAML text b already in memory, named name
// in its errors (as a file path would be): a sweep checks each trial's
// config with it without writing a file.
func ParseStored(name string, b []byte) (Config, error) {
	if len(b) > limits.MaxConfigBytes {
		return Config{}, fmt.Errorf("%s: config larger than %d bytes (a config is a few hundred bytes)", name, limits.MaxConfigBytes)
	}
	return loadYAML(name, b, nil, false)
}

func load(path string, flags []Flag, env bool) (Config, error) {
	if st, err := os.Stat(path); path != "" && err == nil && st.IsDir() {
		return Config{}, fmt.Errorf("%s: is a directory, not a YAML config file", path)
	}
	if path == "" {
		return loadYAML("", nil, flags, env)
	}
	b, err := readCapped(path)
	if err != nil {
		return Config{}, err
	}
	return loadYAML(path, b, flags, env)
}

// loadYAML is load of the YAML text file read from path ("" and nil: no
// file, the defaults only).
func loadYAML(path string, file []byte, flags []Flag, env bool) (Config, error) {
	v := viper.New()
	lines := map[string]int{}
	if path != "" {
		if err := CheckYAML(path, file); err != nil {
			return Config{}, err
		}
		v.SetConfigType("yaml")
		if err := v.ReadConfig(bytes.NewReader(file)); err != nil {
			return Config{}, fmt.Errorf("%s: not valid YAML: %s", path, oneLine(err.Error()))
		}
		lines = keyLines(file)
	}
	src := path
	if src == "" {
		src = "config"
	}
	known := map[string]bool{}
	for _, k := range Keys() {
		known[k] = true
	}
	var errs []error
	set := map[string]bool{}
	var unknown []string
	mapAt := map[string]bool{} // leaf keys given a map: one error each, below
	for _, k := range v.AllKeys() {
		if leaf := knownPrefix(k, known); leaf != "" && !underMapKey(k) {
			mapAt[leaf] = true
			continue
		}
		if !known[k] && !underMapKey(k) {
			unknown = append(unknown, k) // not set: a bare "epochs:" is no schedule.epochs
			continue
		}
		set[k] = true
	}
	defaults := flatten(Default())
	var mapKeysAt []string
	for k := range mapAt {
		mapKeysAt = append(mapKeysAt, k)
		unknown = append(unknown, k)
	}
	// In the file's order, each with its line.
	sort.SliceStable(unknown, func(i, j int) bool { return lines[unknown[i]] < lines[unknown[j]] })
	for _, k := range unknown {
		at := src
		if n := lines[k]; n > 0 {
			at = fmt.Sprintf("%s:%d", src, n)
		}
		if mapAt[k] {
			errs = append(errs, fmt.Errorf("%s: %s: must be %s, got a map", at, showKey(k), valueKind(defaults[k])))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: unknown key %s%s", at, showKey(k), suggest(k)))
	}
	for _, k := range mapKeysAt {
		v.Set(k, defaults[k]) // reported above: decoding it would say it again
	}
	for _, k := range Keys() {
		if !env {
			break
		}
		if err := v.BindEnv(k, EnvName(k)); err != nil {
			return Config{}, err
		}
		if _, ok := os.LookupEnv(EnvName(k)); ok {
			set[k] = true
		}
	}
	for _, f := range flags {
		if f.Flag.Changed {
			if err := v.BindPFlag(f.Key, f.Flag); err != nil {
				return Config{}, err
			}
			set[f.Key] = true
		}
	}
	for k, val := range defaults {
		if !ruleKeys[k] {
			v.SetDefault(k, val)
		}
	}
	// Unknown keys are reported above, by name and with a suggestion;
	// with none, UnmarshalExact guards the same rule once more.
	unmarshal := v.UnmarshalExact
	if len(errs) > 0 {
		unmarshal = v.Unmarshal
	}
	var c Config
	// origin adds the environment variable to a problem with a key that
	// one set (and no flag overrode): the file does not hold that value.
	flagged := map[string]bool{}
	for _, f := range flags {
		flagged[f.Key] = f.Flag.Changed
	}
	flagOf := map[string]*pflag.Flag{}
	for _, f := range flags {
		if f.Flag.Changed {
			flagOf[f.Key] = f.Flag
		}
	}
	origin := func(msg string) string {
		if !env {
			return msg
		}
		return envOrigin(msg, flagged)
	}
	// blame names what set the value of a problem: the flag when one did
	// (the file does not hold that value; a *FlagError), else the file.
	blame := func(msg string) error {
		key, _, _ := strings.Cut(msg, ":")
		base, _, _ := strings.Cut(key, "[")
		if f := flagOf[base]; f != nil {
			return &FlagError{Flag: f.Name, Value: f.Value.String(), Err: errors.New(msg)}
		}
		if o := origin(msg); o != msg {
			return errors.New(src + ": " + o) // the environment set it
		}
		if n := lines[base]; n > 0 {
			return fmt.Errorf("%s:%d: %s", src, n, msg)
		}
		return errors.New(src + ": " + msg)
	}
	if err := unmarshal(&c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(numberHook, listHook, mapstructure.StringToTimeDurationHookFunc()))); err != nil {
		for _, p := range strings.Split(tidyDecodeError(err), "; ") {
			errs = append(errs, blame(p))
		}
		return Config{}, errors.Join(errs...)
	}
	if err := restoreMapKeys(&c, file); err != nil {
		errs = append(errs, blame(err.Error()))
	}
	c.fillRuleDefaults(set)
	for _, e := range c.validate(set) {
		errs = append(errs, blame(e.Error()))
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// numberHook keeps viper's weak typing (which environment variables need:
// their values are strings) from changing a number silently: an integer
// key rejects a fraction (epochs: 1.5 is not 1), a boolean, and a value out
// of its range (seed: -1 is not 2⁶⁴−1); a float key rejects a boolean.
func numberHook(from, to reflect.Type, v any) (any, error) {
	isInt := to.Kind() >= reflect.Int && to.Kind() <= reflect.Int64
	isUint := to.Kind() >= reflect.Uint && to.Kind() <= reflect.Uint64
	isFloat := to.Kind() == reflect.Float32 || to.Kind() == reflect.Float64
	if !isInt && !isUint && !isFloat {
		return v, nil
	}
	want := "an integer"
	if isUint {
		want = "an integer ≥ 0"
	} else if isFloat {
		want = "a number"
	}
	bad := fmt.Errorf("must be %s, got %v", want, v)
	rv := reflect.ValueOf(v)
	if from.Kind() == reflect.String {
		// A word where a number belongs (epochs: "ten", or an environment
		// variable): say what was expected and what was found.
		str := strings.TrimSpace(rv.String())
		f, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("must be %s, got %q", want, rv.String())
		}
		if isFloat {
			return f, nil
		}
		v, from, rv = f, reflect.TypeOf(f), reflect.ValueOf(f)
		bad = fmt.Errorf("must be %s, got %s", want, str)
	}
	switch {
	case from.Kind() == reflect.Bool:
		return nil, bad
	case isFloat:
		return v, nil
	case from.Kind() == reflect.Float32 || from.Kind() == reflect.Float64:
		f := rv.Float()
		if f != math.Trunc(f) { // NaN and ±Inf too
			return nil, bad
		}
		if isUint {
			if f < 0 || f >= math.Exp2(float64(to.Bits())) {
				return nil, bad
			}
			return uint64(f), nil
		}
		if f < -math.Exp2(float64(to.Bits()-1)) || f >= math.Exp2(float64(to.Bits()-1)) {
			return nil, bad
		}
		return int64(f), nil
	case isUint && rv.CanInt() && rv.Int() < 0:
		return nil, bad
	}
	return v, nil
}

// listHook lets an environment variable give a list as "200,100",
// "200 100" or "[200, 100]".
func listHook(from, to reflect.Type, v any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice {
		return v, nil
	}
	if to == reflect.TypeOf(source.Targets{}) {
		// data.target: one column name, which may hold a comma or a space.
		return source.Targets{v.(string)}, nil
	}
	s := strings.Trim(strings.TrimSpace(v.(string)), "[]")
	if s == "" {
		return []string{}, nil
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }), nil
}

// tidyDecodeError turns mapstructure's multi-line report into one line
// per problem: "model.hidden[0]: cannot parse value as 'int'".
func tidyDecodeError(err error) string {
	var parts []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "decoding failed") {
			continue
		}
		line = strings.TrimPrefix(line, "* ")
		if i := strings.Index(line, ": strconv."); i >= 0 {
			got := ""
			if j := strings.Index(line[i:], "parsing "); j >= 0 {
				got, _, _ = strings.Cut(line[i+j+len("parsing "):], ":")
				got = ", got " + got
			}
			line = line[:i] + got
		}
		if strings.HasPrefix(line, "'") {
			if j := strings.Index(line[1:], "'"); j >= 0 {
				line = line[1:j+1] + ":" + line[j+2:]
			}
		}
		parts = append(parts, line)
	}
	return strings.Join(parts, "; ")
}

// FlagError is a problem with a value a command-line flag gave a key:
// a bad command line (nnfc exits 2), not a bad file.
type FlagError struct {
	Flag, Value string // the flag's name (without --) and value
	Err         error  // "optimizer.lr: must be > 0, got -1"
}

func (e *FlagError) Error() string { return fmt.Sprintf("--%s %s: %v", e.Flag, e.Value, e.Err) }
func (e *FlagError) Unwrap() error { return e.Err }

// envOrigin adds to msg, a problem "KEY...: what", the environment
// variable that set KEY when one did and no flag (flagged) overrode it:
// "data.dir (from NNFC_DATA_DIR="/nope"): what".
func envOrigin(msg string, flagged map[string]bool) string {
	key, rest, found := strings.Cut(msg, ":")
	if !found {
		return msg
	}
	base, _, _ := strings.Cut(key, "[")
	if !knownKey(base) || flagged[base] {
		return msg
	}
	if val, ok := os.LookupEnv(EnvName(base)); ok {
		return fmt.Sprintf("%s (from %s=%q):%s", key, EnvName(base), val, rest)
	}
	return msg
}

func knownKey(k string) bool {
	for _, kk := range Keys() {
		if kk == k {
			return true
		}
	}
	return false
}

// Blame returns err, a problem found after loading (a data directory that
// does not exist, ...) whose message starts with the key whose value is
// wrong ("data.dir: ..."), with the environment variable that set that
// value named, as Load names it in its own errors; flags are the command
// line's overrides (a flag wins over the variable). Other errors are
// returned as they are.
func Blame(err error, flags []Flag) error {
	if err == nil {
		return nil
	}
	flagged := map[string]bool{}
	for _, f := range flags {
		flagged[f.Key] = f.Flag.Changed
	}
	if msg := envOrigin(err.Error(), flagged); msg != err.Error() {
		return &blamed{msg, err}
	}
	return err
}

// blamed is an error with a message naming its origin; errors.Is and As
// see the original.
type blamed struct {
	msg string
	err error
}

func (e *blamed) Error() string { return e.msg }
func (e *blamed) Unwrap() error { return e.err }

// aliases are the names other trainers (PyTorch, Keras, scikit-learn)
// and the course code give some keys, by the key's last part.
var aliases = map[string]string{
	"learning_rate": "lr", "learningrate": "lr", "eta": "lr",
	"epoch": "epochs", "n_epochs": "epochs", "num_epochs": "epochs", "max_epochs": "epochs", "max_iter": "epochs",
	"batchsize": "batch_size", "minibatch_size": "batch_size", "mini_batch_size": "batch_size",
	"l2": "reg", "lambda": "reg", "l2_reg": "reg", "regularization": "reg",
	"hidden_sizes": "hidden", "hidden_layers": "hidden", "hidden_layer_sizes": "hidden", "layers": "hidden", "units": "hidden",
	"optimizer": "rule", "solver": "rule",
	"output_dir": "out_dir", "outdir": "out_dir", "out": "out_dir", "dir_out": "out_dir",
	"n_classes": "classes", "num_classes": "classes",
	"random_state": "seed", "random_seed": "seed",
}

// suggest names the known key an unknown one most likely meant ("did
// you mean ..."): a key of the same last part, or of the last part other
// trainers call it by (learning_rate: optimizer.lr), in the same section
// or the only one; else the known key within two edits.
func suggest(key string) string {
	section, leaf := "", key
	if i := strings.LastIndex(key, "."); i >= 0 {
		section, leaf = key[:i], key[i+1:]
	}
	for _, l := range []string{leaf, aliases[leaf]} {
		if l == "" {
			continue
		}
		var same []string
		for _, k := range Keys() {
			ks, kl := "", k
			if i := strings.LastIndex(k, "."); i >= 0 {
				ks, kl = k[:i], k[i+1:]
			}
			if kl != l || k == key {
				continue
			}
			if ks == section {
				return " (did you mean " + k + "?)"
			}
			same = append(same, k)
		}
		if len(same) > 0 {
			return " (did you mean " + strings.Join(same, " or ") + "?)"
		}
	}
	best, bestD := "", 3
	for _, k := range Keys() {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// flatten turns a Config into dotted keys and values, as viper wants
// its defaults.
func flatten(c Config) map[string]any {
	out := map[string]any{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, val := range m {
			if sub, ok := val.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			out[prefix+k] = val
		}
	}
	walk("", toMap(reflect.ValueOf(c)))
	return out
}

// toMap turns a struct into nested maps keyed by its mapstructure tags,
// the names the YAML file uses.
func toMap(v reflect.Value) map[string]any {
	m := map[string]any{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")
		if tag[0] == "-" {
			continue // not a key (Config.Inferred)
		}
		switch {
		case slices.Contains(tag[1:], "squash"):
			for k, val := range toMap(v.Field(i)) {
				m[k] = val
			}
		case f.Type.Kind() == reflect.Struct:
			m[tag[0]] = toMap(v.Field(i))
		default:
			m[tag[0]] = v.Field(i).Interface()
		}
	}
	return m
}

// inferTask sets model.task from the table's target column when neither
// model.task nor model.kind is set (source.InferTarget: scikit-learn's
// type_of_target rules), and says so in c.Inferred; a class target keeps
// the default task, classification.
func (c *Config) inferTask(set map[string]bool) {
	if set["model.task"] || set["model.kind"] {
		return
	}
	kind, why := source.InferTarget(c.Data)
	t := task.ForTarget(kind)
	if t == nil {
		return
	}
	name := task.Spelling(t.Name())
	if kind != data.TargetClass {
		c.Model.Task = name
		set["model.task"] = true
	}
	c.Inferred = fmt.Sprintf("model.task %s, inferred: %s; set model.task to choose another", name, why)
}

// fillRuleDefaults gives every optimizer and schedule key the user did not
// set the default of the chosen rule and kind.
func (c *Config) fillRuleDefaults(set map[string]bool) {
	c.inferTask(set)
	task.Defaults(&c.Model, &c.Train.Monitor, set)
	source.FillDefaults(&c.Data, set)
	if set["data.val_count"] && !set["data.val_fraction"] {
		// A count replaces the default fraction; val_count: 0 means no
		// validation split.
		c.Data.ValFraction = 0
	}
	if c.Data.CV.Folds > 0 && !set["data.val_fraction"] {
		c.Data.ValFraction = 0 // data.cv's fold is the validation split
	}
	if d, err := optim.Defaults(c.Optimizer.Rule); err == nil {
		o := &c.Optimizer.Config
		pick := func(key string, dst *float64, def float64) {
			if !set["optimizer."+key] {
				*dst = def
			}
		}
		pick("momentum", &o.Momentum, d.Momentum)
		pick("decay", &o.Decay, d.Decay)
		pick("beta1", &o.Beta1, d.Beta1)
		pick("beta2", &o.Beta2, d.Beta2)
		pick("eps", &o.Eps, d.Eps)
		pick("weight_decay", &o.WeightDecay, d.WeightDecay)
	}
	if d, err := optim.DefaultSchedule(c.Schedule.Kind); err == nil {
		s := &c.Schedule
		if (d.Kind == "cosine" || d.Kind == "onecycle") && !set["schedule.epochs"] {
			d.Epochs = c.Train.Epochs
		}
		pickF := func(key string, dst *float64, def float64) {
			if !set["schedule."+key] {
				*dst = def
			}
		}
		pickI := func(key string, dst *int, def int) {
			if !set["schedule."+key] {
				*dst = def
			}
		}
		pickF("gamma", &s.Gamma, d.Gamma)
		pickI("every", &s.Every, d.Every)
		pickI("epochs", &s.Epochs, d.Epochs)
		pickF("min_lr", &s.MinLR, d.MinLR)
		pickI("warmup", &s.Warmup, d.Warmup)
		pickF("factor", &s.Factor, d.Factor)
		pickI("patience", &s.Patience, d.Patience)
		pickF("min_delta", &s.MinDelta, d.MinDelta)
		pickF("pct_start", &s.PctStart, d.PctStart)
		pickF("div", &s.Div, d.Div)
		pickF("div_final", &s.DivFinal, d.DivFinal)
		if !set["schedule.anneal"] {
			s.Anneal = d.Anneal
		}
		pickF("min_momentum", &s.MinMomentum, d.MinMomentum)
	}
}

// problems collects the invalid values of a config, each with its key
// path.
type problems []error

// bad reports one problem of key.
func (p *problems) bad(key, format string, a ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, a...)))
}

// oneOf reports val unless it is one of allowed.
func (p *problems) oneOf(key, val string, allowed []string) {
	if !slices.Contains(allowed, val) {
		p.bad(key, "must be one of %s, got %q", strings.Join(allowed, ", "), val)
	}
}

// validate reports every invalid value with its key path, sorted.
func (c *Config) validate(set map[string]bool) []error {
	var p problems
	p.oneOf("precision", c.Precision, []string{"float32", "float64", "bfloat16"})
	source.Check(c.Data, set, p.bad)
	c.validateSplits(&p)
	c.validateModel(&p, set)
	c.validateOptimizer(&p, set)
	c.validateTrain(&p)
	errs := []error(p)
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}

// validateSplits reports the keys that need a validation split when there
// is none.
func (c *Config) validateSplits(p *problems) {
	if c.Data.ValCount != 0 || c.Data.ValFraction != 0 || strings.HasPrefix(c.Train.Monitor, metrics.TrainPrefix) {
		return
	}
	// No validation split: nothing on it can be monitored (a train_
	// monitor can).
	if c.Train.Patience > 0 {
		p.bad("train.patience", "early stopping needs a validation split (data.val_count or data.val_fraction > 0) or a train_ monitor (train.monitor: train_loss)")
	}
	if c.Schedule.Kind == "plateau" {
		p.bad("schedule.kind", "plateau watches train.monitor, a validation metric that needs a validation split (data.val_count or data.val_fraction > 0), or a train_ one (train.monitor: train_loss)")
	}
}

// validateTarget reports a task whose kind of target the data cannot
// give: numbers from a source without number targets, several target
// columns for a class, stratifying numbers.
func (c *Config) validateTarget(p *problems) {
	t, err := task.Lookup(c.Model.Kind)
	if err != nil {
		return
	}
	key := "model.task"
	switch kind, tg := t.Target(), c.Data.Table.Target; {
	case kind == data.TargetNumber && !source.ReadsNumbers(c.Data.Source):
		p.bad(key, "%s predicts numbers, the columns data.target names in a table (data.source table), and data.source %s has classes", task.Spelling(t.Name()), c.Data.Source)
	case kind == data.TargetLabels && !source.ReadsNumbers(c.Data.Source):
		p.bad(key, "%s predicts labels, from the 0/1 columns data.target lists or one column of labels separated by %q in a table (data.source table), and data.source %s has classes", task.Spelling(t.Name()), data.LabelSep, c.Data.Source)
	case kind != data.TargetClass && c.Data.Table.Stratify:
		p.bad("data.stratify", "keeps each class's share in the validation split, and model.task %s has no classes", task.Spelling(t.Name()))
	case kind == data.TargetClass && c.Data.Source == "table" && len(tg) > 1:
		p.bad("data.target", "lists %d columns, and model.task %s predicts one (model.task regression predicts several numbers)", len(tg), task.Spelling(t.Name()))
	}
}

// validateModel reports the problems of the model section.
func (c *Config) validateModel(p *problems, set map[string]bool) {
	m := c.Model
	task.Check(m, c.Train.Monitor, set, p.bad)
	c.validateTarget(p)
	if len(m.Hidden) > limits.MaxHiddenLayers {
		p.bad("model.hidden", "lists %d layers, at most %d are allowed", len(m.Hidden), limits.MaxHiddenLayers)
		m.Hidden = m.Hidden[:limits.MaxHiddenLayers] // report the first ones only
	}
	for i, h := range m.Hidden {
		if h <= 0 {
			p.bad(fmt.Sprintf("model.hidden[%d]", i), "must be > 0, got %d", h)
		}
	}
	if len(m.Activations) > 0 {
		if len(m.Activations) != len(m.Hidden) {
			p.bad("model.activations", "must list one activation per hidden layer (%d), got %d", len(m.Hidden), len(m.Activations))
		}
		if set["model.activation"] {
			p.bad("model.activation", "set model.activation or model.activations, not both")
		}
		for i, a := range m.Activations {
			p.oneOf(fmt.Sprintf("model.activations[%d]", i), a, layers.Activations)
		}
	}
	if !(m.LeakyAlpha >= 0 && m.LeakyAlpha < 1) {
		p.bad("model.leaky_alpha", "must be in [0,1), got %g", m.LeakyAlpha)
	}
	p.oneOf("model.init", m.Init, layers.Inits)
	if !(m.WeightScale > 0) {
		p.bad("model.weight_scale", "must be > 0, got %g", m.WeightScale)
	}
	if set["model.weight_scale"] && m.Init != layers.InitNormal {
		p.bad("model.weight_scale", "applies only to model.init normal, not %s", m.Init)
	}
	if !(m.Reg >= 0) || math.IsInf(m.Reg, 0) {
		p.bad("model.reg", "must be ≥ 0, got %g", m.Reg)
	}
	if !(m.Dropout >= 0 && m.Dropout < 1) {
		p.bad("model.dropout", "must be in [0,1) (the drop probability), got %g", m.Dropout)
	}
	if len(m.Hidden) == 0 && (m.BatchNorm || m.Dropout > 0) {
		p.bad("model.hidden", "batchnorm and dropout need at least one hidden layer")
	}
}

// validateOptimizer reports the problems of the optimizer and schedule
// sections.
func (c *Config) validateOptimizer(p *problems, set map[string]bool) {
	if !(c.Optimizer.LR > 0) || math.IsInf(c.Optimizer.LR, 0) {
		p.bad("optimizer.lr", "must be > 0, got %g", c.Optimizer.LR)
	}
	*p = append(*p, c.Optimizer.Config.Validate(set)...)
	*p = append(*p, c.Schedule.Validate(set)...)
	if c.Schedule.Kind == "cosine" || c.Schedule.Kind == "plateau" {
		if c.Schedule.MinLR > c.Optimizer.LR {
			p.bad("schedule.min_lr", "must be ≤ optimizer.lr (%g), got %g", c.Optimizer.LR, c.Schedule.MinLR)
		}
	}
	if mm := c.Schedule.MinMomentum; c.Schedule.Kind == "onecycle" && mm > 0 {
		if m, key, ok := optim.MomentumOf(c.Optimizer.Config); !ok {
			p.bad("schedule.min_momentum", "cycles the momentum of rules momentum, nesterov, adam and adamw; rule %s has none", c.Optimizer.Rule)
		} else if mm >= m {
			p.bad("schedule.min_momentum", "must be below %s (%g), the momentum it cycles down from, got %g", key, m, mm)
		}
	}
}

// validateTrain reports the problems of the train section.
func (c *Config) validateTrain(p *problems) {
	t := c.Train
	if t.Epochs <= 0 {
		p.bad("train.epochs", "must be > 0, got %d", t.Epochs)
	}
	if t.BatchSize <= 0 {
		p.bad("train.batch_size", "must be > 0, got %d", t.BatchSize)
	}
	if t.TrainAccSamples <= 0 {
		p.bad("train.train_acc_samples", "must be > 0, got %d", t.TrainAccSamples)
	}
	if t.EvalBatch <= 0 {
		p.bad("train.eval_batch", "must be > 0, got %d", t.EvalBatch)
	}
	if t.OutDir == "" {
		p.bad("train.out_dir", "must not be empty")
	}
	if !(t.GradClip >= 0) {
		p.bad("train.grad_clip", "must be ≥ 0 (0: off), got %g", t.GradClip)
	}
	if t.Patience < 0 {
		p.bad("train.patience", "must be ≥ 0 (0: no early stopping), got %d", t.Patience)
	}
	if !(t.MinDelta >= 0) {
		p.bad("train.min_delta", "must be ≥ 0, got %g", t.MinDelta)
	}
	if t.Threads < 0 {
		p.bad("train.threads", "must be ≥ 0 (0: the BLAS default), got %d", t.Threads)
	}
	if _, _, err := ParseClassWeights(t.ClassWeights); err != nil {
		key, msg, _ := strings.Cut(err.Error(), ": ")
		p.bad(key, "%s", msg)
	}
	if t.CheckpointEvery < 0 {
		p.bad("train.checkpoint_every", "must be ≥ 0 epochs (0: off), got %d", t.CheckpointEvery)
	}
	if !(t.CheckpointSeconds >= 0) || math.IsInf(t.CheckpointSeconds, 0) {
		p.bad("train.checkpoint_seconds", "must be ≥ 0 seconds (0: off), got %g", t.CheckpointSeconds)
	}
	if !(t.EMA >= 0 && t.EMA < 1) {
		p.bad("train.ema", "must be in [0,1) (the average's decay, e.g. 0.999; 0: off), got %g", t.EMA)
	}
}

// YAML renders the resolved config, leaving out the keys that do not apply
// (hyperparameters of other rules and schedule kinds, weight_scale without
// init normal, activation beside activations), so that the output loads
// back as the same config.
func (c Config) YAML() string {
	omit := map[string]bool{}
	// Every key that applies is printed with its value, defaults too
	// (schedule.gamma, the momentum rule's momentum); a key that does not
	// apply is left out: the validator's own word decides (with every key
	// set, it names each key that does not apply to the rule, schedule,
	// model kind or initializer), and the data source names the keys it
	// reads (no data.dir for a CSV run, no data.spiral block for MNIST).
	all := map[string]bool{}
	for _, k := range Keys() {
		all[k] = true
	}
	probe := c
	for _, e := range probe.validate(all) {
		key, why, _ := strings.Cut(e.Error(), ": ")
		if strings.HasPrefix(why, "does not apply") || strings.HasPrefix(why, "applies only") {
			omit[key] = true
		}
	}
	for _, k := range source.UnusedKeys(c.Data) {
		omit[k] = true
	}
	if !slices.Contains(append([]string{c.Model.Activation}, c.Model.Activations...), "leaky_relu") {
		omit["model.leaky_alpha"] = true
	}
	if c.Model.Init != layers.InitNormal {
		omit["model.weight_scale"] = true
	}
	omit["model.kind"] = true // model.task's older spelling
	if t, err := task.Lookup(c.Model.Kind); err == nil {
		for _, k := range t.Omit() {
			omit[k] = true
		}
	}
	if c.Train.ClassWeights == nil {
		omit[task.ClassWeightsKey] = true
	}
	if c.Data.CV.Folds == 0 {
		omit["data.cv"] = true // no cross-validation
	}
	if len(c.Model.Activations) > 0 {
		omit["model.activation"] = true // one or the other
	} else {
		omit["model.activations"] = true
	}
	b, err := yaml.Marshal(toNode(reflect.ValueOf(c), "", omit))
	if err != nil {
		panic(err) // Config always marshals
	}
	return string(b)
}

// toNode renders a struct as a YAML mapping in field order (the order of
// the schema, not the alphabet), keyed by the mapstructure tags and
// leaving out the dotted keys in omit.
func toNode(v reflect.Value, prefix string, omit map[string]bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")
		if tag[0] == "-" {
			continue // not a key (Config.Inferred)
		}
		if slices.Contains(tag[1:], "squash") {
			n.Content = append(n.Content, toNode(v.Field(i), prefix, omit).Content...)
			continue
		}
		key := prefix + tag[0]
		if omit[key] {
			continue
		}
		var val yaml.Node
		if f.Type.Kind() == reflect.Struct {
			val = *toNode(v.Field(i), key+".", omit)
		} else if err := val.Encode(v.Field(i).Interface()); err != nil {
			panic(err) // plain values always encode
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: tag[0]}, &val)
	}
	return n
}

// keyLines maps each dotted key of the YAML text b to the line it is on,
// for error messages ("configs/x.yaml:12: train.epochs: ..."). It is
// empty when b does not parse (the parse error says where).
func keyLines(b []byte) map[string]int {
	lines := map[string]int{}
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return lines
	}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := prefix + strings.ToLower(k.Value)
			lines[key] = k.Line
			walk(v, key+".")
		}
	}
	walk(doc.Content[0], "")
	return lines
}

// showKey is a key of the file as a message shows it: quoted (Go syntax)
// when it holds a character that is not printable, such as a line break
// inside a YAML key, so that the message stays one line.
func showKey(k string) string {
	if strings.IndexFunc(k, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(k)
	}
	return k
}
