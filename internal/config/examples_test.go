package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// clearEnv unsets every NNFC_ variable of a key for the test, so that the
// caller's environment cannot change what a config file says.
func clearEnv(t testing.TB) {
	t.Helper()
	for _, k := range Keys() {
		if _, ok := os.LookupEnv(EnvName(k)); ok {
			t.Setenv(EnvName(k), "") // restores the value afterwards
			os.Unsetenv(EnvName(k))
		}
	}
}

// TestExampleConfigs loads and validates every file in configs/, so the
// examples cannot rot, and checks the settings the issue fixes for each.
func TestExampleConfigs(t *testing.T) {
	clearEnv(t)
	files, err := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The examples the issue asks for; more may exist, and are loaded too.
	checks := map[string]func(t *testing.T, c Config){
		"mnist-swish": func(t *testing.T, c Config) {
			want(t, c.Data.Source == "mnist" && slices.Equal(c.Model.Hidden, []int{512}) &&
				slices.Equal(c.Model.ActivationList(), []string{"swish"}) && c.Model.Loss == "softmax" &&
				c.Optimizer.Rule == "sgd", "784-512(swish)-10 softmax with SGD on mnist")
		},
		"mnist-relu": func(t *testing.T, c Config) {
			want(t, c.Data.Source == "mnist" && len(c.Model.Hidden) == 1 &&
				slices.Equal(c.Model.ActivationList(), []string{"relu"}), "one relu hidden layer on mnist")
		},
		"mnist-deep": func(t *testing.T, c Config) {
			want(t, c.Data.Source == "mnist" && len(c.Model.Hidden) >= 2, "a deeper net on mnist")
		},
		"penguins": func(t *testing.T, c Config) {
			want(t, c.Data.Source == "table" && c.Data.Target.First() == "species" && c.Data.Normalize == "none", "the penguins table, species from the other columns, no global normalization")
		},
		"breast-cancer": func(t *testing.T, c Config) {
			want(t, c.Data.Source == "table" && c.Data.Target.First() == "diagnosis" && c.Data.Normalize == "none", "the breast cancer table, diagnosis from the measurements")
		},
		"diabetes": func(t *testing.T, c Config) {
			want(t, c.Data.Source == "table" && c.Data.Target.First() == "progression" && c.Model.Kind == "regression" && c.Model.Loss == "mse",
				"regression of the diabetes progression, mse")
		},
		"spiral-7": func(t *testing.T, c Config) {
			want(t, c.Data.Source == "spiral" && c.Data.Spiral.Classes == 7, "the spiral with 7 classes")
		},
		"mnist-speedrun": func(t *testing.T, c Config) {
			// Issue 26 item 7: the speedrun recipe, trained on all 60,000
			// images with the test split recorded after every epoch.
			want(t, c.Data.Source == "mnist" && c.Data.ValCount == 0 && c.Data.ValFraction == 0 && c.Train.TestEachEpoch &&
				c.Schedule.Kind == "onecycle", "mnist without a validation split, one-cycle, test_each_epoch")
		},
		"fashion-mnist": func(t *testing.T, c Config) {
			// Issue 26 items 1 and 4: a fully connected recipe on
			// Fashion-MNIST with one-cycle and the weights' average.
			want(t, c.Data.Source == "fashion-mnist" && c.Schedule.Kind == "onecycle" && c.Train.EMA > 0 &&
				c.Schedule.Epochs == c.Train.Epochs, "one-cycle over the run with train.ema on fashion-mnist")
		},
		"cifar10-2layer": func(t *testing.T, c Config) {
			// The cs231n two-layer setting: H=100, lr 1e-3, decay 0.95, batch 200.
			want(t, c.Data.Source == "cifar10" && slices.Equal(c.Model.Hidden, []int{100}) &&
				c.Optimizer.LR == 1e-3 && c.Schedule.Kind == "exponential" && c.Schedule.Gamma == 0.95 &&
				c.Train.BatchSize == 200, "H=100, lr 1e-3, exponential decay 0.95, batch 200 on cifar10")
		},
	}
	seen := map[string]bool{}
	outDirs := map[string]string{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			c, err := Load(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			if check := checks[name]; check != nil {
				check(t, c)
			}
			if other, ok := outDirs[c.Train.OutDir]; ok {
				t.Errorf("train.out_dir %s is also %s's: the two runs would collide", c.Train.OutDir, other)
			}
			outDirs[c.Train.OutDir] = name
			// The resolved config (what --print-config shows and a run
			// directory stores) loads back as the same config.
			back, err := LoadStored(write(t, c.YAML()))
			if err != nil {
				t.Fatalf("resolved config does not load: %v\n%s", err, c.YAML())
			}
			if back.YAML() != c.YAML() {
				t.Errorf("resolved config changes on reload:\n%s\nvs\n%s", back.YAML(), c.YAML())
			}
		})
	}
	for name := range checks {
		if !seen[name] {
			t.Errorf("configs/%s.yaml is missing", name)
		}
	}
}

func want(t *testing.T, ok bool, what string) {
	t.Helper()
	if !ok {
		t.Errorf("config is not %s", what)
	}
}
