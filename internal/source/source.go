package source

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/pkg/data"
)

// Config is the data section of a run's config (data.*): where the
// samples come from and how they are prepared. Keys a source reads are
// documented with the source; internal/config holds it as config.Data.
type Config struct {
	// Source is the name of one of All: mnist | fashion-mnist | cifar10 | csv | npz | npy | spiral | table.
	Source string `mapstructure:"source" yaml:"source"`
	// Dir holds the files of mnist and fashion-mnist
	// ({train,t10k}-*-ubyte[.gz]) and cifar10 (data_batch_1..5.bin,
	// test_batch.bin).
	Dir string `mapstructure:"dir" yaml:"dir"`
	// Train and Test are files for csv, npz and npy (features; the npy
	// labels are TrainLabels / TestLabels). Test is optional.
	Train       string `mapstructure:"train" yaml:"train"`
	TrainLabels string `mapstructure:"train_labels" yaml:"train_labels"`
	Test        string `mapstructure:"test" yaml:"test"`
	TestLabels  string `mapstructure:"test_labels" yaml:"test_labels"`
	// Validation carved from the training split: a count, or a fraction
	// when ValCount is 0.
	ValCount    int     `mapstructure:"val_count" yaml:"val_count"`
	ValFraction float64 `mapstructure:"val_fraction" yaml:"val_fraction"`
	// Normalize is none | scale | standardize | standardize_global, fitted
	// on the training split and stored with the model.
	Normalize   string `mapstructure:"normalize" yaml:"normalize"`
	LabelColumn int    `mapstructure:"label_column" yaml:"label_column"` // csv: 0 first, -1 last
	Header      string `mapstructure:"header" yaml:"header"`             // csv: auto | yes | no
	XKey        string `mapstructure:"x_key" yaml:"x_key"`               // npz member with the features
	YKey        string `mapstructure:"y_key" yaml:"y_key"`               // npz member with the labels
	Classes     int    `mapstructure:"classes" yaml:"classes"`           // 0: from the data
	// Positive names the positive class of model.task binary: a table's
	// target value (default: the second in order), or a class index of
	// another source, whose other classes all become the negative class
	// (one against the rest: data.positive: 9 on MNIST).
	Positive string `mapstructure:"positive" yaml:"positive,omitempty"`
	Spiral   Spiral `mapstructure:"spiral" yaml:"spiral"`
	// CV makes the validation split one fold of a k-fold partition of the
	// training rows (nnfc cv writes it into each fold's run).
	CV CV `mapstructure:"cv" yaml:"cv"`
	// Augment is the random change of every training image each epoch
	// (data.augment.*), for sources of images (Imager) only.
	Augment data.Augment `mapstructure:"augment" yaml:"augment"`
	// Table holds the table source's keys (data.target, data.types, ...).
	Table `mapstructure:",squash" yaml:",inline"`
}

// CV is data.cv: fold Fold (1-based) of Folds folds of the training rows
// is the validation split, the other folds the training split, instead
// of data.val_count / data.val_fraction. The partition (data.Folds) is
// drawn from the run's seed, so the runs of the Folds folds with one
// seed partition the rows; Stratify keeps each class's share in every
// fold within one row. Folds 0 is off.
type CV struct {
	Folds    int  `mapstructure:"folds" yaml:"folds"`
	Fold     int  `mapstructure:"fold" yaml:"fold"`
	Stratify bool `mapstructure:"stratify" yaml:"stratify"`
}

// Spec is the fold as pkg/data takes it (K 0 when off).
func (cv CV) Spec() data.FoldSpec {
	if cv.Folds == 0 {
		return data.FoldSpec{}
	}
	return data.FoldSpec{K: cv.Folds, Index: cv.Fold - 1, Stratify: cv.Stratify}
}

// A Source is one value of data.source.
type Source interface {
	// Name is the value of data.source that selects the source.
	Name() string
	// Check reports, through bad, each problem of the data keys this
	// source reads (bad's key is the dotted key, "data.train").
	Check(c Config, bad Bad)
	// Read reads the raw (unnormalized) training split and the test
	// split, nil when the config names none.
	Read(c Config, o Options) (*Splits, error)
	// Known is the input width and the number of classes the source is
	// known to have before anything is read: at least 1 and 2.
	Known(c Config) (inputDim, classes int)
	// DescribeClasses says where the n classes of a run came from, for
	// the "training ..." line: "10 classes", "3 classes (data.classes)".
	DescribeClasses(c Config, n int) string
	// ClassNames names n classes for tables and plots; nil when the class
	// index is the name.
	ClassNames(c Config, n int) []string
}

// A KeyReader names the data keys a source reads besides those every
// source reads (data.source, data.val_count, data.val_fraction,
// data.normalize): the keys a resolved config prints for it. A source
// that does not say is taken to read every data key.
type KeyReader interface {
	ReadsKeys() []string
}

// UnusedKeys lists the data keys (dotted; a section stands for its keys)
// that sources other than c.Source read and c.Source does not: what a
// resolved config leaves out (data.dir for a CSV run, data.spiral for
// MNIST).
func UnusedKeys(c Config) []string {
	s, err := Lookup(c.Source)
	if err != nil {
		return nil
	}
	kr, ok := s.(KeyReader)
	if !ok {
		return nil
	}
	own := map[string]bool{}
	for _, k := range kr.ReadsKeys() {
		own[k] = true
	}
	var unused []string
	seen := map[string]bool{}
	for _, o := range All {
		if r, ok := o.(KeyReader); ok {
			for _, k := range r.ReadsKeys() {
				if !own[k] && !seen[k] {
					seen[k] = true
					unused = append(unused, k)
				}
			}
		}
	}
	return unused
}

// A PathReader reads a data file or directory named on the command line
// (`nnfc eval --data PATH`).
type PathReader interface {
	// ClaimsPath says whether path (a directory when dir) is this
	// source's format, by its name or contents, without reading it all.
	ClaimsPath(path string, dir bool) bool
	// ReadPath reads the split of path (a directory's train or test
	// files; a file is one split).
	ReadPath(path string, o PathOptions) (*data.Dataset, error)
	// PathHint names what the source reads, for the error that lists
	// them: ".csv" (a file), "MNIST" (a directory).
	PathHint() (name string, dir bool)
}

// An InputReader reads a `nnfc predict --input` file: samples without
// labels.
type InputReader interface {
	// ClaimsInput says whether a file starting with head (its first
	// HeadSize bytes or fewer) is this source's format.
	ClaimsInput(head []byte) bool
	ReadInput(path string, o InputOptions) (*data.Dataset, error)
}

// Fitted is preprocessing a source fitted on the training split (see the
// package doc), stored in the model file as JSON.
type Fitted any

// A Refitter is a source with fitted preprocessing: Refit decodes what
// training stored.
type Refitter interface {
	Refit(raw []byte) (FittedReader, error)
}

// A FittedReader reads raw rows the way training did: labels optional.
// Notes about the rows (a column the model does not use, values training
// never saw) are written to notes, one line each, when it is not nil.
type FittedReader interface {
	// With f64 the inputs are kept in float64 too (Dataset.X64), for a
	// float64 model.
	ReadFitted(path string, labels, f64 bool, notes io.Writer) (*data.Dataset, error)
}

// A ClassNamer is a FittedReader that knows the names of the classes.
type ClassNamer interface {
	ClassNames() []string
}

// A TargetScaler is a FittedReader whose target is numbers (a table's
// data.target columns, data.TargetNumber), standardized for training:
// their names and the training split's mean and standard deviation of
// each, which map a model's outputs back to the data's units
// (mean[j] + std[j]·output); nil when the target is not numbers.
type TargetScaler interface {
	TargetScaling() (names []string, mean, std []float64)
}

// A Defaulter is a source whose keys change the defaults of others
// (the table source standardizes its columns itself: data.normalize
// defaults to none). set holds the keys the user set.
type Defaulter interface {
	Defaults(c *Config, set map[string]bool)
}

// A KeyOwner is a source with keys of its own: giving one of them a
// value with another source is an error (a stored config lists every
// key with its default, which is no error).
type KeyOwner interface {
	// OwnKeys lists the keys of c, this source's own, that hold a
	// value other than their default.
	OwnKeys(c Config) []string
}

// A Describer is a source that can say what reading will decide (the
// table source's inferred schema), for nnfc train --print-config.
type Describer interface {
	Describe(c Config, o Options) ([]string, error)
}

// An Imager is a source of pictures: each sample is ch planes of h×w
// pixels, plane after plane, each row-major (what data.augment warps).
type Imager interface {
	ImageShape(c Config) (h, w, ch int)
}

// ImageShape is the picture shape of c's samples, when its source reads
// pictures (Imager).
func ImageShape(c Config) (h, w, ch int, ok bool) {
	s, err := Lookup(c.Source)
	if err != nil {
		return 0, 0, 0, false
	}
	im, ok := s.(Imager)
	if !ok {
		return 0, 0, 0, false
	}
	h, w, ch = im.ImageShape(c)
	return h, w, ch, true
}

// imageSources names the sources of pictures, for the error that refuses
// data.augment elsewhere.
func imageSources() string {
	var names []string
	for _, s := range All {
		if _, ok := s.(Imager); ok {
			names = append(names, s.Name())
		}
	}
	return orList(names)
}

// Bad reports one problem of a key.
type Bad func(key, format string, a ...any)

// Options are the run-wide settings a source reads with.
type Options struct {
	Seed uint64 // for generated data
	// Float64 asks text sources to keep float64 values too
	// (Dataset.X64), for a float64 run.
	Float64 bool
	// Fitted is the stored preprocessing of the model a run resumes or
	// fine-tunes (data.Normalizer.Source): a source that fits
	// preprocessing reads with it instead of fitting anew.
	Fitted json.RawMessage
	// Target is the kind of target the run's task predicts:
	// data.TargetClass ("" too) or data.TargetNumber, which only a
	// NumberReader reads.
	Target string
}

// A NumberReader is a source that reads number targets (data.target
// columns of numbers, for model.task regression) when Options.Target is
// data.TargetNumber.
type NumberReader interface {
	ReadsNumbers() bool
}

// ReadsNumbers reports whether the source named name reads number
// targets.
func ReadsNumbers(name string) bool {
	s, err := Lookup(name)
	if err != nil {
		return false
	}
	r, ok := s.(NumberReader)
	return ok && r.ReadsNumbers()
}

// PathOptions are the flags of `nnfc eval --data`.
type PathOptions struct {
	// Fitted is the model's stored preprocessing (data.Normalizer.Source):
	// when set, its source reads the path, labels included.
	Fitted      json.RawMessage
	Notes       io.Writer // where a fitted reader's notes go (nil: dropped)
	Split       string    // train | test
	Float64     bool      // a fitted reader keeps float64 inputs too (a float64 model)
	LabelColumn int       // csv
	Classes     int       // the model's: labels must be below it (0: inferred)
}

// InputOptions are what `nnfc predict` knows of its inputs.
type InputOptions struct {
	// Fitted is the model's stored preprocessing (data.Normalizer.Source):
	// when set, its source reads the input, labels optional.
	Fitted json.RawMessage
	Notes  io.Writer // where a fitted reader's notes go (nil: dropped)
	Dim    int       // the model's input width
	Invert bool      // images: 255−v
	// Float64: a fitted reader keeps float64 inputs too (Dataset.X64),
	// for a float64 model.
	Float64 bool
}

// Splits are the raw data a source read.
type Splits struct {
	Train, Test *data.Dataset // Test may be nil
	// Val, when not nil, is the validation split the source carved
	// itself (the table source fits its schema on the training rows
	// only, and may stratify); else the trainer carves one from Train.
	Val *data.Dataset
	// Notes are lines a run prints before training: what the source
	// decided (a table's inferred schema) and what it dropped.
	Notes []string
	// Fitted is the source's fitted preprocessing, encoded by
	// EncodeFitted; nil: none to store.
	Fitted json.RawMessage
}

// All is the table of sources, in the order the docs and errors list
// them, and the order ReadPath and ReadInput ask them in.
var All = []Source{mnist{}, fashionMNIST{}, cifar10{}, csvSource{}, npz{}, npy{}, spiral{}, table{}}

// Names lists the sources' names.
func Names() []string {
	names := make([]string, len(All))
	for i, s := range All {
		names[i] = s.Name()
	}
	return names
}

// Lookup returns the source named name.
func Lookup(name string) (Source, error) {
	for _, s := range All {
		if s.Name() == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("data.source: must be one of %s, got %q", strings.Join(Names(), ", "), name)
}

// normalizes are the values of data.normalize.
var normalizes = []string{"none", "scale", "standardize", "standardize_global"}

// Check reports every problem of the data section c: the keys every
// source shares, then those of the chosen source. set holds the keys the
// user set.
func Check(c Config, set map[string]bool, bad Bad) {
	oneOf := func(key, val string, allowed []string) {
		if !slices.Contains(allowed, val) {
			bad(key, "must be one of %s, got %q", strings.Join(allowed, ", "), val)
		}
	}
	chosen, err := Lookup(c.Source)
	if err != nil {
		oneOf("data.source", c.Source, Names())
	} else {
		chosen.Check(c, bad)
	}
	for _, s := range All {
		ko, ok := s.(KeyOwner)
		if !ok || s == chosen {
			continue
		}
		for _, own := range ko.OwnKeys(c) {
			for _, k := range sortedKeys(set) {
				if k == own || strings.HasPrefix(k, own+".") {
					bad(k, "applies to data.source %s only, the config's source is %s", s.Name(), c.Source)
				}
			}
		}
	}
	if h, w, _, ok := ImageShape(c); ok {
		c.Augment.Check("data.augment.", h, w, bad)
	} else if keys := c.Augment.SetKeys("data.augment."); len(keys) > 0 {
		bad(keys[0], "augmentation applies to pictures (data.source %s); data.source %s has none", imageSources(), c.Source)
	}
	if c.ValCount < 0 {
		bad("data.val_count", "must be ≥ 0, got %d", c.ValCount)
	}
	if !(c.ValFraction >= 0 && c.ValFraction < 1) {
		bad("data.val_fraction", "must be in [0,1), got %g", c.ValFraction)
	}
	if set["data.val_count"] && set["data.val_fraction"] && c.ValCount > 0 && c.ValFraction > 0 {
		bad("data.val_count", "set data.val_count or data.val_fraction, not both")
	}
	checkCV(c, set, bad)
	oneOf("data.normalize", c.Normalize, normalizes)
	oneOf("data.header", c.Header, []string{"auto", "yes", "no"})
	if c.Classes < 0 {
		bad("data.classes", "must be ≥ 0 (0: from the data), got %d", c.Classes)
	}
}

// checkCV reports the problems of data.cv.
func checkCV(c Config, set map[string]bool, bad Bad) {
	cv := c.CV
	if cv.Folds == 0 {
		for _, k := range []string{"data.cv.fold", "data.cv.stratify"} {
			if set[k] {
				bad(k, "applies only with data.cv.folds ≥ 2")
			}
		}
		return
	}
	if cv.Folds < 2 {
		bad("data.cv.folds", "must be ≥ 2 (or 0: no cross-validation), got %d", cv.Folds)
		return
	}
	if cv.Fold < 1 || cv.Fold > cv.Folds {
		bad("data.cv.fold", "must be in 1…%d (data.cv.folds), got %d", cv.Folds, cv.Fold)
	}
	for _, k := range []string{"data.val_count", "data.val_fraction"} {
		if set[k] && (c.ValCount > 0 || c.ValFraction > 0) {
			bad(k, "the validation split is data.cv's fold: leave %s out (or 0) with data.cv", k)
		}
	}
}

// Read reads the raw training and (optional) test data of c through its
// source and checks that the two agree.
func Read(c Config, o Options) (*Splits, error) {
	s, err := Lookup(c.Source)
	if err != nil {
		return nil, err
	}
	sp, err := s.Read(c, o)
	if err != nil {
		return nil, err
	}
	train, test := sp.Train, sp.Test
	if test != nil && (test.D != train.D) {
		return nil, fmt.Errorf("%s: %s, but the training data %s has %d", test.Name, english.Count(test.D, "feature"), train.Name, train.D)
	}
	if test != nil && test.Classes > train.Classes {
		return nil, fmt.Errorf("%s: labels up to %d, but the training data %s has %s", test.Name, test.Classes-1, train.Name, english.Count(train.Classes, "class"))
	}
	return sp, nil
}

// FillDefaults gives the keys the user did not set the defaults the
// chosen source asks for (Defaulter).
func FillDefaults(c *Config, set map[string]bool) {
	// An empty list or map reads back from a stored config as empty, not
	// nil: one form for both.
	t := &c.Table
	if len(t.Features) == 0 {
		t.Features = nil
	}
	if len(t.Exclude) == 0 {
		t.Exclude = nil
	}
	if len(t.NAValues) == 0 {
		t.NAValues = nil
	}
	if len(t.Types) == 0 {
		t.Types = nil
	}
	if len(t.Impute.Columns) == 0 {
		t.Impute.Columns = nil
	}
	if len(t.Embed) == 0 {
		t.Embed = nil
	}
	if s, err := Lookup(c.Source); err == nil {
		if d, ok := s.(Defaulter); ok {
			d.Defaults(c, set)
		}
	}
}

// Describe is what reading c will decide, when its source can say
// (Describer); nil otherwise.
func Describe(c Config, o Options) ([]string, error) {
	if s, err := Lookup(c.Source); err == nil {
		if d, ok := s.(Describer); ok {
			return d.Describe(c, o)
		}
	}
	return nil, nil
}

// FittedClassNames are the class names stored preprocessing knows (a
// table's target values), or nil.
func FittedClassNames(stored json.RawMessage) []string {
	fr, err := Fit(stored)
	if err != nil || fr == nil {
		return nil
	}
	if n, ok := fr.(ClassNamer); ok {
		return n.ClassNames()
	}
	return nil
}

// FittedTargets are the number targets stored preprocessing knows (see
// TargetScaler), or nils.
func FittedTargets(stored json.RawMessage) (names []string, mean, std []float64) {
	fr, err := Fit(stored)
	if err != nil || fr == nil {
		return nil, nil, nil
	}
	if ts, ok := fr.(TargetScaler); ok {
		return ts.TargetScaling()
	}
	return nil, nil, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Known is the input width and number of classes c's source is known to
// have before reading (1 and 2 for an unknown source).
func Known(c Config) (inputDim, classes int) {
	s, err := Lookup(c.Source)
	if err != nil {
		return 1, 2
	}
	return s.Known(c)
}

// DescribeClasses says where the n classes of a run on c came from.
func DescribeClasses(c Config, n int) string {
	if s, err := Lookup(c.Source); err == nil {
		return s.DescribeClasses(c, n)
	}
	return declaredOrInferred(c, n)
}

// ClassNames names the n classes of data read from c: the source's names,
// else the class index.
func ClassNames(c Config, n int) []string {
	var given []string
	if s, err := Lookup(c.Source); err == nil {
		given = s.ClassNames(c, n)
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprint(i)
		if i < len(given) {
			names[i] = given[i]
		}
	}
	return names
}

// KnownClassNames are the names the source of c gives its n classes
// (CIFAR-10's, Fashion-MNIST's), nil when the class index is the name
// or the source names another number of classes: what training stores
// with the model (data.Normalizer.Classes).
func KnownClassNames(c Config, n int) []string {
	s, err := Lookup(c.Source)
	if err != nil {
		return nil
	}
	if names := s.ClassNames(c, n); len(names) == n {
		return names
	}
	return nil
}

// ReadPath reads the file or directory a `--data` flag names, through the
// first source that claims it. A directory is read as its o.Split (train
// or test) split.
func ReadPath(path string, o PathOptions) (*data.Dataset, error) {
	if fr, err := Fit(o.Fitted); fr != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return fr.ReadFitted(path, true, o.Float64, o.Notes)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--data %s: %v", path, err)
	}
	var files, dirs []string
	for _, s := range All {
		r, ok := s.(PathReader)
		if !ok {
			continue
		}
		if r.ClaimsPath(path, st.IsDir()) {
			return r.ReadPath(path, o)
		}
		if h, dir := r.PathHint(); dir {
			dirs = append(dirs, h)
		} else {
			files = append(files, h)
		}
	}
	return nil, fmt.Errorf("--data %s: expected a %s file, or an %s directory", path, orList(files), orList(dirs))
}

// orList joins "a", "b", "c" as "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// HeadSize is how many leading bytes of a predict input ReadInput looks
// at to recognize it.
const HeadSize = 4

// ReadInput reads a `nnfc predict --input` file through the first source
// that recognizes its leading bytes. A missing file is an error wrapping
// os.ErrNotExist.
func ReadInput(path string, o InputOptions) (*data.Dataset, error) {
	if fr, err := Fit(o.Fitted); fr != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return fr.ReadFitted(path, false, o.Float64, o.Notes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, HeadSize)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	for _, s := range All {
		if r, ok := s.(InputReader); ok && r.ClaimsInput(head) {
			return r.ReadInput(path, o)
		}
	}
	return nil, fmt.Errorf("--input %s: not a format nnfc predict reads", path)
}
