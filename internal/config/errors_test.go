package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestBadConfigs: each invalid file is rejected with its path, the key
// path and what was expected; nothing is silently converted or ignored.
func TestBadConfigs(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name, yaml string
		want       []string
	}{
		// Wrong types.
		{"fractional int", "train: {epochs: 1.5}", []string{"train.epochs: must be an integer, got 1.5"}},
		{"bool for int", "train: {batch_size: true}", []string{"train.batch_size: must be an integer, got true"}},
		{"negative seed", "seed: -1", []string{"seed: must be an integer ≥ 0, got -1"}},
		{"fractional seed", "seed: 2.5", []string{"seed: must be an integer ≥ 0, got 2.5"}},
		{"seed beyond uint64", "seed: 99999999999999999999", []string{"seed: must be an integer ≥ 0"}},
		{"fraction in a list", "model: {hidden: [64, 1.5]}", []string{"model.hidden[1]: must be an integer, got 1.5"}},
		{"word in a list", "model: {hidden: [64, wide]}", []string{`model.hidden[1]: must be an integer, got "wide"`}},
		{"bool for float", "optimizer: {lr: true}", []string{"optimizer.lr: must be a number, got true"}},
		{"word for float", "optimizer: {lr: fast}", []string{"optimizer.lr"}},
		{"number for enum", "precision: 32", []string{`precision: must be one of float32, float64, bfloat16, got "32"`}},
		{"scalar for section", "data: 5", []string{"data"}},
		// Unknown keys, nested ones included, with a suggestion.
		{"unknown nested key", "data: {spiral: {perclass: 3}}", []string{"unknown key data.spiral.perclass (did you mean data.spiral.per_class?)"}},
		{"unknown optimizer key", "optimizer: {rule: adam, beta_1: 0.8}", []string{"unknown key optimizer.beta_1 (did you mean optimizer.beta1?)"}},
		{"unknown schedule key", "schedule: {kind: exponential, gama: 0.9}", []string{"unknown key schedule.gama (did you mean schedule.gamma?)"}},
		{"map under a scalar key", "model: {hidden: {a: 1}}", []string{"model.hidden: must be a list of integers, got a map"}},
		{"unknown section", "modle: {hidden: [10]}", []string{"unknown key modle.hidden"}},
		// Conflicting or inapplicable settings.
		{"activation and activations", "model: {hidden: [8, 8], activation: relu, activations: [relu, tanh]}",
			[]string{"model.activation: set model.activation or model.activations, not both"}},
		{"activations count", "model: {hidden: [8, 8], activations: [relu]}", []string{"model.activations: must list one activation per hidden layer (2), got 1"}},
		{"unknown activation in list", "model: {hidden: [8], activations: [swsh]}", []string{"model.activations[0]: must be one of"}},
		{"momentum with sgd", "optimizer: {rule: sgd, momentum: 0.9}", []string{"optimizer.momentum: does not apply to rule sgd"}},
		{"decay with adam", "optimizer: {rule: adam, lr: 0.001, decay: 0.9}", []string{"optimizer.decay: does not apply to rule adam"}},
		{"gamma with constant", "schedule: {kind: constant, gamma: 0.5}", []string{"schedule.gamma: does not apply to kind constant"}},
		{"every with cosine", "schedule: {kind: cosine, every: 3}", []string{"schedule.every: does not apply to kind cosine"}},
		{"weight_scale with he", "model: {init: he, weight_scale: 0.01}", []string{"model.weight_scale: applies only to model.init normal, not he"}},
		{"count and fraction", "data: {val_count: 10, val_fraction: 0.2}", []string{"data.val_count: set data.val_count or data.val_fraction, not both"}},
		{"patience without validation", "data: {val_count: 0}\ntrain: {patience: 3}", []string{"train.patience: early stopping needs a validation split"}},
		{"monitor the task does not report", "train: {monitor: val_rmse}", []string{`train.monitor: must be one of val_loss↓, val_acc↑, val_precision_macro↑`, `got "val_rmse" (the metrics of the classifier task`}},
		{"train_ monitor the task does not report", "train: {monitor: train_rmse}", []string{`or train_ and one of the same names (the training split's figure), got "train_rmse"`}},
		{"plateau on a val_ monitor without validation", "data: {val_count: 0}\nschedule: {kind: plateau}\ntrain: {monitor: val_loss}", []string{"schedule.kind: plateau watches train.monitor, a validation metric that needs a validation split"}},
		{"plateau without validation", "data: {val_fraction: 0}\nschedule: {kind: plateau}", []string{"schedule.kind: plateau watches train.monitor, a validation metric"}},
		{"too many hidden layers", "model: {hidden: [" + strings.Repeat("1,", 1500) + "1]}", []string{"model.hidden: lists 1501 layers, at most 1000"}},
		// YAML the parser rejects, and shapes refused before viper: one line each.
		{"duplicate key", "seed: 1\nseed: 2", []string{`not valid YAML: line 2: mapping key "seed" already defined at line 1`}},
		{"bad indentation", "data:\n  source: csv\n bad: 1", []string{"not valid YAML: line 2: did not find expected key"}},
		{"tab indentation", "data:\n\tsource: csv", []string{"not valid YAML: line 2: found character that cannot start any token"}},
		{"list at top", "- 1\n- 2", []string{"line 1: the config must be a mapping"}},
		{"scalar at top", "hello", []string{`line 1: the config must be a mapping of keys (seed:, data:, model:, ...), got the value "hello"`}},
		{"deep flow nesting", "seed: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000), []string{"line 1: nested more than 16 levels deep"}},
		{"deep block nesting", "bogus:\n" + deepBlock(40), []string{"nested more than 16 levels deep"}},
		{"alias bomb", aliasBomb(), []string{"holds more than 10000 values"}},
		{"huge list", "model: {hidden: [" + strings.Repeat("1,", 20000) + "1]}", []string{"holds more than 10000 values"}},
		// Values out of range.
		{"infinite lr", "optimizer: {lr: .inf}", []string{"optimizer.lr: must be > 0, got +Inf"}},
		{"NaN lr", "optimizer: {lr: .nan}", []string{"optimizer.lr: must be > 0, got NaN"}},
		{"beta1 of 1", "optimizer: {rule: adam, beta1: 1}", []string{"optimizer.beta1: must be in [0,1), got 1"}},
		{"min_lr above lr", "optimizer: {lr: 0.1}\nschedule: {kind: cosine, min_lr: 0.5}", []string{"schedule.min_lr: must be ≤ optimizer.lr"}},
		{"csv without file", "data: {source: csv}", []string{"data.train: must name the csv training file"}},
		// Issue 26: one-cycle, the moving average of the weights.
		{"warmup with onecycle", "schedule: {kind: onecycle, warmup: 2}", []string{"schedule.warmup: does not apply to kind onecycle"}},
		{"onecycle anneal", "schedule: {kind: onecycle, anneal: cosine}", []string{`schedule.anneal: must be cos or linear, got "cosine"`}},
		{"pct_start with cosine", "schedule: {kind: cosine, pct_start: 0.3}", []string{"schedule.pct_start: does not apply to kind cosine"}},
		{"min_momentum with sgd", "optimizer: {rule: sgd}\nschedule: {kind: onecycle, min_momentum: 0.85}", []string{"schedule.min_momentum: cycles the momentum of rules momentum, nesterov, adam and adamw; rule sgd has none"}},
		{"min_momentum above beta1", "optimizer: {rule: adam, lr: 0.01}\nschedule: {kind: onecycle, min_momentum: 0.95}", []string{"schedule.min_momentum: must be below optimizer.beta1 (0.9), the momentum it cycles down from, got 0.95"}},
		{"ema of 1", "train: {ema: 1}", []string{"train.ema: must be in [0,1) (the average's decay, e.g. 0.999; 0: off), got 1"}},
		{"negative ema", "train: {ema: -0.5}", []string{"train.ema: must be in [0,1)"}},
		{"label smoothing above 1", "model: {label_smoothing: 1.5}", []string{"model.label_smoothing: must be in [0,1] (the ε of the targets (1−ε)·onehot + ε/classes; 0: off), got 1.5"}},
		{"label smoothing with svm", "model: {loss: svm, label_smoothing: 0.1}", []string{"model.label_smoothing: applies to model.loss softmax, not svm"}},
		{"label smoothing with autoencoder", "model: {kind: autoencoder, code_dim: 8, label_smoothing: 0.1}", []string{"model.label_smoothing: does not apply to model.kind autoencoder"}},
		{"unknown source", "data: {source: imagenet}", []string{`data.source: must be one of mnist, fashion-mnist, cifar10, csv, npz, npy, spiral, table, got "imagenet"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, tt.yaml+"\n")
			_, err := Load(p, nil)
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.yaml)
			}
			msg := err.Error()
			if !strings.Contains(msg, p+":") { // path: or path:line:
				t.Errorf("error does not name the file %s: %s", p, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}

// TestMapForValue: a map where a key takes a value (a list of integers,
// an integer, a string) is one error line naming the key and what it
// takes, not an unknown key below it plus the decoder's complaint.
func TestMapForValue(t *testing.T) {
	clearEnv(t)
	for yaml, want := range map[string]string{
		"model:\n  hidden: {a: 1}":     ":2: model.hidden: must be a list of integers, got a map",
		"train:\n  epochs: {a: 1}":     ":2: train.epochs: must be an integer, got a map",
		"model:\n  activation: {x: y}": ":2: model.activation: must be a string, got a map",
	} {
		p := write(t, yaml+"\n")
		_, err := Load(p, nil)
		if err == nil || err.Error() != p+want {
			t.Errorf("%q: %v; want the one line %q", yaml, err, p+want)
		}
	}
}

// TestGoodValuesStillLoad: the strict number rules keep what YAML users
// write for integers and numbers.
func TestGoodValuesStillLoad(t *testing.T) {
	clearEnv(t)
	c, err := Load(write(t, "seed: 18446744073709551615\ntrain: {batch_size: 1e3, epochs: 2.0}\noptimizer: {lr: 1}\nmodel: {hidden: [64, 32]}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Seed != 1<<64-1 || c.Train.BatchSize != 1000 || c.Train.Epochs != 2 || c.Optimizer.LR != 1 || !slices.Equal(c.Model.Hidden, []int{64, 32}) {
		t.Errorf("values changed: seed %d batch %d epochs %d lr %g hidden %v", c.Seed, c.Train.BatchSize, c.Train.Epochs, c.Optimizer.LR, c.Model.Hidden)
	}
}

// TestEnvAndFlagOverrides: NNFC_ variables override the file (nested keys
// and lists too), flags override both, a stored run config ignores them,
// and a bad environment value is reported with the variable's name.
func TestEnvAndFlagOverrides(t *testing.T) {
	clearEnv(t)
	file := "seed: 3\nprecision: float32\ndata: {source: spiral, spiral: {classes: 3}}\nmodel: {hidden: [10]}\noptimizer: {rule: sgd, lr: 0.1}\ntrain: {epochs: 3}\n"
	p := write(t, file)
	t.Run("env", func(t *testing.T) {
		t.Setenv("NNFC_DATA_SPIRAL_CLASSES", "5")
		t.Setenv("NNFC_MODEL_HIDDEN", "64,32")
		t.Setenv("NNFC_PRECISION", "float64")
		t.Setenv("NNFC_OPTIMIZER_RULE", "adam")
		t.Setenv("NNFC_TRAIN_EPOCHS", "7")
		c, err := Load(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Data.Spiral.Classes != 5 || !slices.Equal(c.Model.Hidden, []int{64, 32}) || c.Precision != "float64" || c.Train.Epochs != 7 {
			t.Errorf("env not applied: classes %d hidden %v precision %s epochs %d", c.Data.Spiral.Classes, c.Model.Hidden, c.Precision, c.Train.Epochs)
		}
		// The rule from the environment gets its own defaults.
		if c.Optimizer.Rule != "adam" || c.Optimizer.Beta1 != 0.9 || c.Optimizer.Beta2 != 0.999 {
			t.Errorf("rule from env without its defaults: %+v", c.Optimizer)
		}
		// A stored run config is the run that started: no overrides.
		s, err := LoadStored(p)
		if err != nil {
			t.Fatal(err)
		}
		if s.Train.Epochs != 3 || s.Precision != "float32" || s.Optimizer.Rule != "sgd" {
			t.Errorf("LoadStored took the environment: %+v", s)
		}
	})
	t.Run("flag beats env", func(t *testing.T) {
		t.Setenv("NNFC_TRAIN_EPOCHS", "7")
		fs := pflag.NewFlagSet("train", pflag.ContinueOnError)
		fs.Int("epochs", 0, "")
		fs.Float64("lr", 0, "")
		if err := fs.Parse([]string{"--epochs", "9"}); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p, []Flag{{Key: "train.epochs", Flag: fs.Lookup("epochs")}, {Key: "optimizer.lr", Flag: fs.Lookup("lr")}})
		if err != nil {
			t.Fatal(err)
		}
		// An unchanged flag does not override the file with its zero default.
		if c.Train.Epochs != 9 || c.Optimizer.LR != 0.1 {
			t.Errorf("epochs %d (want the flag's 9), lr %g (want the file's 0.1)", c.Train.Epochs, c.Optimizer.LR)
		}
	})
	bad := []struct {
		name, env, value string
		want             []string
	}{
		{"word for int", "NNFC_TRAIN_EPOCHS", "many", []string{`train.epochs (from NNFC_TRAIN_EPOCHS="many")`}},
		{"fraction for int", "NNFC_TRAIN_EPOCHS", "2.5", []string{`train.epochs (from NNFC_TRAIN_EPOCHS="2.5")`}},
		{"negative seed", "NNFC_SEED", "-4", []string{`seed (from NNFC_SEED="-4")`}},
		{"out of range", "NNFC_TRAIN_EPOCHS", "0", []string{`train.epochs (from NNFC_TRAIN_EPOCHS="0"): must be > 0, got 0`}},
		{"bad list", "NNFC_MODEL_HIDDEN", "64,x", []string{`model.hidden[1] (from NNFC_MODEL_HIDDEN="64,x")`}},
		{"inapplicable", "NNFC_OPTIMIZER_MOMENTUM", "0.9", []string{`optimizer.momentum (from NNFC_OPTIMIZER_MOMENTUM="0.9"): does not apply to rule sgd`}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(tt.env, tt.value)
			_, err := Load(p, nil)
			if err == nil {
				t.Fatalf("%s=%s accepted", tt.env, tt.value)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// deepBlock is a block mapping nested n levels deep, indented by one
// level.
func deepBlock(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sk%d:\n", strings.Repeat("  ", i+1), i)
	}
	fmt.Fprintf(&b, "%sv: 1\n", strings.Repeat("  ", n+1))
	return b.String()
}

// aliasBomb is the "billion laughs" document: each level lists the one
// before it ten times, 10^9 values once aliases are expanded.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		p := fmt.Sprintf("*a%d", i-1)
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.Repeat(p+", ", 9)+p)
	}
	return b.String()
}

// TestOversizedConfig: a file over the size cap is refused before it is
// parsed.
func TestOversizedConfig(t *testing.T) {
	clearEnv(t)
	p := write(t, "seed: 1\n#"+strings.Repeat("x", 2<<20)+"\n")
	_, err := Load(p, nil)
	if err == nil || !strings.Contains(err.Error(), p+": config file larger than 1048576 bytes") {
		t.Fatalf("got %v", err)
	}
}

// TestNoValidationSplit: val_count: 0 (or val_fraction: 0) is a run
// without a validation split, not the default fraction.
func TestNoValidationSplit(t *testing.T) {
	clearEnv(t)
	for _, y := range []string{"data: {val_count: 0}", "data: {val_fraction: 0}", "data: {val_count: 0, val_fraction: 0}"} {
		c, err := Load(write(t, y+"\n"), nil)
		if err != nil {
			t.Fatalf("%s: %v", y, err)
		}
		if c.Data.ValCount != 0 || c.Data.ValFraction != 0 {
			t.Errorf("%s: val_count %d val_fraction %g, want 0 and 0", y, c.Data.ValCount, c.Data.ValFraction)
		}
		// The stored config reads back the same way.
		c2, err := LoadStored(write(t, c.YAML()))
		if err != nil || c2.Data.ValCount != 0 || c2.Data.ValFraction != 0 {
			t.Errorf("%s: stored config reads back as %d, %g, %v", y, c2.Data.ValCount, c2.Data.ValFraction, err)
		}
	}
	// A train_ monitor needs no validation split: early stopping and the
	// plateau schedule watch the training split's figure.
	if _, err := Load(write(t, "data: {val_count: 0}\nschedule: {kind: plateau}\ntrain: {monitor: train_loss, patience: 3}\n"), nil); err != nil {
		t.Errorf("train_loss with patience and plateau, no validation split: %v", err)
	}
	c, err := Load(write(t, "seed: 2\n"), nil)
	if err != nil || c.Data.ValFraction != 0.1 {
		t.Errorf("default split: val_fraction %g, %v; want 0.1", c.Data.ValFraction, err)
	}
}
