package cli

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/bench"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/lrfind"
	"github.com/nnfc/nnfc/internal/sweep"
)

// The tests in this file check every command's flags through its seam:
// newCmdX(io, runF) with a runF that captures the options, so no model is
// trained and no file is read. Each case gives a command line and either
// the options runX would receive or the exit code and words of the error.

// flagCase is one command line of a command whose options are O.
type flagCase[O any] struct {
	name string
	args []string
	want O      // the options runF receives (IO and contexts are not compared)
	code int    // the exit status when the flags are refused (0: accepted)
	err  string // words the refusal names
}

// parseFlags runs the command newCmd builds on args under a parent that has
// nnfc's global --threads flag, capturing the options its runF receives.
func parseFlags[O any](t *testing.T, newCmd func(IO, func(*O) error) *cobra.Command, args []string) (*O, error) {
	t.Helper()
	var got *O
	cmd := newCmd(IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, func(o *O) error {
		got = o
		return nil
	})
	parent := &cobra.Command{Use: "nnfc", SilenceErrors: true, SilenceUsage: true}
	parent.PersistentFlags().Int("threads", 0, "")
	parent.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	parent.SetOut(&bytes.Buffer{})
	parent.SetErr(&bytes.Buffer{})
	parent.AddCommand(cmd)
	parent.SetArgs(append(strings.Fields(cmd.Name()), args...))
	err := parent.ExecuteContext(context.Background())
	if err == nil && got == nil {
		t.Fatalf("%s %s: runF was not called", cmd.Name(), strings.Join(args, " "))
	}
	return got, err
}

// checkFlags runs the cases; norm clears what is not compared (IO, context,
// pflag pointers) from both sides.
func checkFlags[O any](t *testing.T, newCmd func(IO, func(*O) error) *cobra.Command, cases []flagCase[O], norm func(*O)) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlags(t, newCmd, tc.args)
			if tc.code != 0 {
				if err == nil {
					t.Fatalf("%q accepted, want exit %d naming %q", tc.args, tc.code, tc.err)
				}
				if c := exitCode(err); c != tc.code || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%q: exit %d, %v; want exit %d naming %q", tc.args, c, err, tc.code, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: %v", tc.args, err)
			}
			want := tc.want
			norm(got)
			norm(&want)
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("%q:\n got %+v\nwant %+v", tc.args, *got, want)
			}
		})
	}
}

func TestEvalFlags(t *testing.T) {
	def := func(f func(*evalOptions)) evalOptions {
		o := evalOptions{Data: dataArgs{split: "test"}, Model: modelArgs{Batch: 1000}}
		f(&o)
		return o
	}
	checkFlags(t, newCmdEval, []flagCase[evalOptions]{
		{name: "run", args: []string{"--run", "runs/x"}, want: def(func(o *evalOptions) {
			o.Run, o.Model.Path, o.Data.configPath = "runs/x", "runs/x/model.safetensors", "runs/x/config.yaml"
		})},
		{name: "run with data", args: []string{"--run", "runs/x", "--data", "d.csv", "--label-column", "-1"}, want: def(func(o *evalOptions) {
			o.Run, o.Model.Path, o.Data.data, o.Data.labelColumn = "runs/x", "runs/x/model.safetensors", "d.csv", -1
		})},
		{name: "model and config", args: []string{"--model", "m.safetensors", "--config", "c.yaml", "--split", "val", "--json", "--batch", "7", "--precision", "float64"},
			want: def(func(o *evalOptions) {
				o.Model, o.Data.configPath, o.Data.split, o.JSON = modelArgs{"m.safetensors", 7, "float64"}, "c.yaml", "val", true
			})},
		{name: "no model", args: []string{"--data", "d.csv"}, code: ExitUsage, err: "--model FILE or --run RUN_DIR is required"},
		{name: "no data", args: []string{"--model", "m"}, code: ExitUsage, err: "exactly one of --data PATH or --config FILE"},
		{name: "data and config", args: []string{"--model", "m", "--data", "d", "--config", "c"}, code: ExitUsage, err: "exactly one of --data PATH or --config FILE"},
		{name: "bad split", args: []string{"--run", "r", "--split", "dev"}, code: ExitUsage, err: `--split: must be train, val or test, got "dev"`},
		{name: "bad label column", args: []string{"--run", "r", "--label-column", "-2"}, code: ExitUsage, err: "--label-column: must be ≥ -1"},
		{name: "bad batch", args: []string{"--run", "r", "--batch", "0"}, code: ExitUsage, err: "--batch: must be > 0, got 0"},
		{name: "bad precision", args: []string{"--run", "r", "--precision", "half"}, code: ExitUsage, err: "--precision: must be float32, float64 or bfloat16"},
		{name: "not a number", args: []string{"--run", "r", "--batch", "many"}, code: ExitUsage, err: "--batch"},
		{name: "argument", args: []string{"runs/x"}, code: ExitUsage, err: "unknown command"},
	}, func(o *evalOptions) { o.IO = IO{} })
}

func TestPredictFlags(t *testing.T) {
	checkFlags(t, newCmdPredict, []flagCase[predictOptions]{
		{name: "inputs in order", args: []string{"--model", "m", "--input", "b.png", "--input", "a.csv", "--invert", "--output", "p.csv", "--batch", "3", "--precision", "bfloat16"},
			want: predictOptions{Model: modelArgs{"m", 3, "bfloat16"}, Inputs: []string{"b.png", "a.csv"}, Invert: true, Output: "p.csv"}},
		{name: "defaults", args: []string{"--model", "m", "--input", "a,b.csv"}, want: predictOptions{Model: modelArgs{Path: "m", Batch: 1000}, Inputs: []string{"a,b.csv"}}},
		{name: "no input", args: []string{"--model", "m"}, code: ExitUsage, err: "--model FILE and --input FILE are required"},
		{name: "no model", args: []string{"--input", "a"}, code: ExitUsage, err: "--model FILE and --input FILE are required"},
		{name: "bad batch", args: []string{"--model", "m", "--input", "a", "--batch", "-1"}, code: ExitUsage, err: "--batch: must be > 0, got -1"},
		{name: "bad precision", args: []string{"--model", "m", "--input", "a", "--precision", "f32"}, code: ExitUsage, err: "--precision"},
	}, func(o *predictOptions) { o.IO = IO{} })
}

func TestTrainFlags(t *testing.T) {
	// changed lists the config overrides given, as key=value.
	changed := func(o *trainOptions) []string {
		var kv []string
		for _, f := range o.Overrides {
			if f.Flag.Changed {
				kv = append(kv, f.Key+"="+f.Flag.Value.String())
			}
		}
		return kv
	}
	cases := []struct {
		name      string
		args      []string
		want      trainOptions
		overrides string // sorted key=value, space-separated
		code      int
		err       string
	}{
		{name: "config", args: []string{"--config", "c.yaml"}, want: trainOptions{ConfigPath: "c.yaml", Progress: "plain"}},
		{name: "short config, flags", args: []string{"-c", "c.yaml", "--print-config", "--force", "--report", "--progress", "bar", "--threads", "2"},
			want: trainOptions{ConfigPath: "c.yaml", PrintConfig: true, Force: true, Report: true, Progress: "bar", ThreadsSet: true}},
		{name: "overrides", args: []string{"--config", "c.yaml", "--epochs", "3", "--lr", "0.5", "--batch-size", "64", "--seed", "9", "--out", "runs/q", "--precision", "float64"},
			want: trainOptions{ConfigPath: "c.yaml", Progress: "plain"}, overrides: "optimizer.lr=0.5 precision=float64 seed=9 train.batch_size=64 train.epochs=3 train.out_dir=runs/q"},
		{name: "resume", args: []string{"--resume", "runs/x", "--progress", "none"}, want: trainOptions{Resume: "runs/x", Progress: "none"}},
		{name: "neither", args: nil, code: ExitUsage, err: "exactly one of --config FILE or --resume RUN_DIR"},
		{name: "both", args: []string{"--config", "c", "--resume", "r"}, code: ExitUsage, err: "exactly one of --config FILE or --resume RUN_DIR"},
		{name: "override on resume", args: []string{"--resume", "r", "--lr", "1"}, code: ExitUsage, err: "--lr: cannot change a run being resumed (its config is r/config.yaml)"},
		{name: "bad progress", args: []string{"--config", "c", "--progress", "fancy"}, code: ExitUsage, err: `--progress: must be auto, bar, plain or none, got "fancy"`},
		{name: "not a number", args: []string{"--config", "c", "--epochs", "many"}, code: ExitUsage, err: "--epochs"},
		{name: "unknown flag", args: []string{"--config", "c", "--epoch", "3"}, code: ExitUsage, err: "--epoch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlags(t, newCmdTrain, tc.args)
			if tc.code != 0 {
				if c := exitCode(err); err == nil || c != tc.code || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%q: exit %d, %v; want exit %d naming %q", tc.args, c, err, tc.code, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			kv := changed(got)
			if g := strings.Join(sortedCopy(kv), " "); g != tc.overrides {
				t.Errorf("overrides %q, want %q", g, tc.overrides)
			}
			if len(got.Overrides) != 6 {
				t.Errorf("%d override flags, want 6 (epochs, lr, batch-size, seed, out, precision)", len(got.Overrides))
			}
			g := *got
			g.IO, g.Ctx, g.Overrides = IO{}, nil, nil
			if !reflect.DeepEqual(g, tc.want) {
				t.Errorf("got %+v\nwant %+v", g, tc.want)
			}
		})
	}
	// The overrides are bound to the keys config.Load reads.
	got, err := parseFlags(t, newCmdTrain, []string{"--config", "c", "--epochs", "4"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range got.Overrides {
		keys = append(keys, f.Key)
	}
	known := map[string]bool{}
	for _, k := range config.Keys() {
		known[k] = true
	}
	for _, k := range keys {
		if !known[k] {
			t.Errorf("train flag bound to unknown config key %q", k)
		}
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j] < c[j-1]; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	return c
}

func TestGradcheckFlags(t *testing.T) {
	checkFlags(t, newCmdGradcheck, []flagCase[gradcheckOptions]{
		{name: "defaults", want: gradcheckOptions{}},
		{name: "all", args: []string{"--only", "layer/swish", "--only", "derivation/*", "--config", "c.yaml", "--list", "--negative", "--json"},
			want: gradcheckOptions{Only: []string{"layer/swish", "derivation/*"}, ConfigPath: "c.yaml", List: true, Negative: true, JSON: true}},
		{name: "empty pattern", args: []string{"--only", ""}, code: ExitUsage, err: "--only: empty pattern"},
	}, func(o *gradcheckOptions) { o.IO = IO{} })
}

func TestLRFindFlags(t *testing.T) {
	def := func(f func(*lrfindOptions)) lrfindOptions {
		o := lrfindOptions{ConfigPath: "c.yaml", Options: lrfind.Defaults()}
		if f != nil {
			f(&o)
		}
		return o
	}
	exists := writeFile(t, t.TempDir(), "exists.yaml", "seed: 1\n")
	checkFlags(t, newCmdLRFind, []flagCase[lrfindOptions]{
		{name: "defaults", args: []string{"--config", "c.yaml"}, want: def(nil)},
		{name: "all", args: []string{"-c", "c.yaml", "--out", "o", "--apply", "tuned.yaml", "--min-lr", "1e-5", "--max-lr", "1", "--steps", "300", "--rule", "steepest"},
			want: def(func(o *lrfindOptions) {
				o.Out, o.Apply, o.MinLR, o.MaxLR, o.Steps, o.Rule = "o", "tuned.yaml", 1e-5, 1, 300, "steepest"
			})},
		{name: "no config", args: nil, code: ExitUsage, err: "lrfind: --config FILE is required"},
		{name: "min-lr 0", args: []string{"-c", "c.yaml", "--min-lr", "0"}, code: ExitUsage, err: "--min-lr: must be > 0, got 0"},
		{name: "max below min", args: []string{"-c", "c.yaml", "--min-lr", "0.1", "--max-lr", "0.01"}, code: ExitUsage, err: "--max-lr: must be above --min-lr (0.1) and finite, got 0.01"},
		{name: "few steps", args: []string{"-c", "c.yaml", "--steps", "10"}, code: ExitUsage, err: "--steps: must be in [20, 100000]"},
		{name: "rule", args: []string{"-c", "c.yaml", "--rule", "min"}, code: ExitUsage, err: `--rule: must be one of auto, edge, valley, steepest, minimum, got "min"`},
		{name: "rule minimum", args: []string{"-c", "c.yaml", "--rule", "minimum"}, want: def(func(o *lrfindOptions) { o.Rule = "minimum" })},
		{name: "apply exists", args: []string{"-c", "c.yaml", "--apply", exists}, code: ExitUsage, err: "--apply: " + exists + " exists; name a new file"},
	}, func(o *lrfindOptions) { o.IO = IO{} })
}

func TestPlotFlags(t *testing.T) {
	checkFlags(t, newCmdPlot, []flagCase[plotOptions]{
		{name: "one run", args: []string{"--run", "runs/a"}, want: plotOptions{Runs: []string{"runs/a"}}},
		{name: "overlay", args: []string{"--run", "runs/a", "--run", "runs/b", "--output", "c.png"}, want: plotOptions{Runs: []string{"runs/a", "runs/b"}, Output: "c.png"}},
		{name: "no run", args: nil, code: ExitUsage, err: "--run RUN_DIR is required"},
	}, func(o *plotOptions) { o.IO = IO{} })
}

func TestEmbedFlags(t *testing.T) {
	def := func(f func(*embedOptions)) embedOptions {
		o := embedOptions{Data: dataArgs{split: "test"}, Methods: []string{"pca", "gplvm"}, Kernel: "linear", Precision: "float64", MaxPoints: 1000, Iters: 1000, Seed: 1, Batch: 1000}
		f(&o)
		return o
	}
	checkFlags(t, newCmdEmbed, []flagCase[embedOptions]{
		{name: "run", args: []string{"--run", "runs/x"}, want: def(func(o *embedOptions) {
			o.Run, o.ModelPath, o.Data.configPath, o.Out = "runs/x", "runs/x/model.safetensors", "runs/x/config.yaml", "runs/x/embed/"
		})},
		{name: "model", args: []string{"--model", "m", "--data", "d", "--out", "p-", "--layer", "h1", "--method", "pca", "--kernel", "rbf", "--gplvm-precision", "mixed", "--max-points", "20000", "--iters", "5", "--seed", "3", "--batch", "10", "--split", "train"},
			want: def(func(o *embedOptions) {
				o.ModelPath, o.Data.data, o.Out, o.Layer, o.Methods, o.Kernel, o.Precision, o.MaxPoints, o.Iters, o.Seed, o.Batch, o.Data.split = "m", "d", "p-", "h1", []string{"pca"}, "rbf", "mixed", 20000, 5, 3, 10, "train"
			})},
		{name: "no out", args: []string{"--model", "m", "--data", "d"}, code: ExitUsage, err: "--out PREFIX is required"},
		{name: "bad method", args: []string{"--run", "r", "--method", "tsne"}, code: ExitUsage, err: `--method: unknown "tsne"`},
		{name: "bad kernel", args: []string{"--run", "r", "--kernel", "poly"}, code: ExitUsage, err: `--kernel: unknown "poly"`},
		{name: "bad gplvm precision", args: []string{"--run", "r", "--gplvm-precision", "float32"}, code: ExitUsage, err: `--gplvm-precision: unknown "float32", want float64 or mixed`},
		{name: "too many points for gplvm", args: []string{"--run", "r", "--max-points", "5001"}, code: ExitUsage, err: "--max-points: must be in 3..5000"},
		{name: "too few points", args: []string{"--run", "r", "--method", "pca", "--max-points", "2"}, code: ExitUsage, err: "--max-points: must be in 3..20000"},
		{name: "bad iters", args: []string{"--run", "r", "--iters", "0"}, code: ExitUsage, err: "--iters and --batch: must be > 0"},
		{name: "bad split", args: []string{"--run", "r", "--split", "all"}, code: ExitUsage, err: "--split"},
	}, func(o *embedOptions) { o.IO = IO{} })
}

func TestRunsFlags(t *testing.T) {
	checkFlags(t, newCmdRuns, []flagCase[runsOptions]{
		{name: "default", want: runsOptions{Root: "runs", Sort: "name"}},
		{name: "dir and sort", args: []string{"sweeps/x", "--sort", "test_acc", "--json"}, want: runsOptions{Root: "sweeps/x", Sort: "test_acc", JSON: true}},
		{name: "bad sort", args: []string{"--sort", "acc"}, code: ExitUsage, err: `--sort: must be one of lr, name, test_acc, time, val_acc, val_loss, written, or val_<metric> with <metric> one of loss, accuracy, precision_macro,`},
		{name: "bad metric sort", args: []string{"--sort", "val_f2"}, code: ExitUsage, err: `, got "val_f2"`},
		{name: "metric sort", args: []string{"--sort", "val_f1_macro"}, want: runsOptions{Root: "runs", Sort: "val_f1_macro"}},
		{name: "two dirs", args: []string{"a", "b"}, code: ExitUsage, err: "accepts at most 1 arg"},
	}, func(o *runsOptions) { o.IO = IO{} })
}

func TestBenchFlags(t *testing.T) {
	def := func(f func(*benchOptions)) benchOptions {
		o := benchOptions{Options: bench.Defaults(), Rounds: 30, Steps: 20}
		f(&o)
		return o
	}
	checkFlags(t, newCmdBench, []flagCase[benchOptions]{
		{name: "defaults", want: def(func(*benchOptions) {})},
		{name: "flags", args: []string{"--act", "swish", "--precision", "float64", "--epochs", "2", "--batch", "64", "--eval-batch", "500", "--lr", "0.05", "--seed", "4", "--gemm-seconds", "0.5", "--scaling", "--rounds", "3", "--steps", "4"},
			want: def(func(o *benchOptions) {
				o.Act, o.Precision, o.Epochs, o.Batch, o.EvalBatch, o.LR, o.Seed, o.GemmSeconds, o.Scaling, o.Rounds, o.Steps = "swish", "float64", 2, 64, 500, 0.05, 4, 0.5, true, 3, 4
			})},
		{name: "bad act", args: []string{"--act", "tanh"}, code: ExitUsage, err: "tanh"},
		{name: "bad epochs", args: []string{"--epochs", "0"}, code: ExitUsage, err: "epochs"},
		{name: "bad rounds", args: []string{"--scaling", "--rounds", "0"}, code: ExitUsage, err: "--rounds and --steps: must be > 0"},
		{name: "rules", args: []string{"--rule", "sgd,adam", "--steps", "5"}, want: def(func(o *benchOptions) { o.Rule, o.Steps = "sgd,adam", 5 })},
		{name: "bad rule", args: []string{"--rule", "sgd,adagrad"}, code: ExitUsage, err: `--rule: want one of sgd, momentum, nesterov, rmsprop, adam, adamw, got "adagrad"`},
	}, func(o *benchOptions) { o.IO, o.Out = IO{}, nil })
}

func TestReportFlags(t *testing.T) {
	checkFlags(t, newCmdReport, []flagCase[reportOptions]{
		{name: "run", args: []string{"--run", "runs/a", "--output", "a.html"}, want: reportOptions{Run: "runs/a", Output: "a.html"}},
		{name: "sweep", args: []string{"--sweep", "runs/sweeps/s"}, want: reportOptions{Sweep: "runs/sweeps/s"}},
		{name: "neither", code: ExitUsage, err: "exactly one of --run RUN_DIR or --sweep SWEEP_DIR"},
		{name: "both", args: []string{"--run", "a", "--sweep", "b"}, code: ExitUsage, err: "exactly one of --run RUN_DIR or --sweep SWEEP_DIR"},
	}, func(o *reportOptions) { o.IO = IO{} })
}

func TestVersionFlags(t *testing.T) {
	checkFlags(t, newCmdVersion, []flagCase[versionOptions]{
		{name: "plain", want: versionOptions{}},
		{name: "argument", args: []string{"x"}, code: ExitUsage, err: "unknown command"},
	}, func(o *versionOptions) { o.IO = IO{} })
}

func TestSweepFlags(t *testing.T) {
	// drivers are the executors' flags as parsed: the defaults, with
	// slurm's set to s when given.
	drivers := func(s *sweep.SlurmDriver) map[string]sweep.Driver {
		ds := sweep.NewDrivers()
		if s != nil {
			ds["slurm"] = s
		}
		return ds
	}
	checkFlags(t, newCmdSweep, []flagCase[sweepOptions]{
		{name: "local", args: []string{"--config", "s.yaml", "--parallel", "2", "--retry-failed", "--out", "d", "--threads", "3"},
			want: sweepOptions{ConfigPath: "s.yaml", Executor: "local", Parallel: 2, RetryFailed: true, Out: "d", Threads: 3, Drivers: drivers(nil)}},
		{name: "slurm", args: []string{"-c", "s.yaml", "--executor", "slurm", "--wait", "--scancel", "--partition", "p", "--time", "00:10:00", "--cpus-per-task", "2", "--mem", "2G", "--sbatch-arg=--qos=short"},
			want: sweepOptions{ConfigPath: "s.yaml", Executor: "slurm", Drivers: drivers(&sweep.SlurmDriver{Wait: true, Scancel: true,
				Override: sweep.SlurmOptions{Partition: "p", Time: "00:10:00", CPUsPerTask: 2, Mem: "2G", ExtraArgs: []string{"--qos=short"}}})}},
		{name: "bad cpus", args: []string{"-c", "s", "--executor", "slurm", "--cpus-per-task", "-1"}, code: ExitUsage, err: "--cpus-per-task: must be ≥ 1, got -1"},
		{name: "no config", code: ExitUsage, err: "--config SWEEP.yaml is required"},
		{name: "bad executor", args: []string{"-c", "s", "--executor", "k8s"}, code: ExitUsage, err: `--executor: must be local or slurm, got "k8s"`},
		{name: "bad parallel", args: []string{"-c", "s", "--parallel", "-1"}, code: ExitUsage, err: "--parallel: must be ≥ 0"},
		{name: "slurm flag on local", args: []string{"-c", "s", "--mem", "2G"}, code: ExitUsage, err: "--mem: applies to --executor slurm only"},
	}, func(o *sweepOptions) { o.IO, o.Ctx = IO{}, nil })
	checkFlags(t, newCmdSweepStatus, []flagCase[sweepStatusOptions]{
		{name: "dir", args: []string{"runs/sweeps/s"}, want: sweepStatusOptions{Dir: "runs/sweeps/s"}},
		{name: "no dir", code: ExitUsage, err: "accepts 1 arg"},
	}, func(o *sweepStatusOptions) { o.IO = IO{} })
	checkFlags(t, newCmdSweepResults, []flagCase[sweepResultsOptions]{
		{name: "table", args: []string{"runs/sweeps/s"}, want: sweepResultsOptions{Dir: "runs/sweeps/s", Plot: "runs/sweeps/s/search.png"}},
		{name: "csv, plot", args: []string{"d", "--csv", "--plot", "p.png"}, want: sweepResultsOptions{Dir: "d", CSV: true, Plot: "p.png"}},
		{name: "json and csv", args: []string{"d", "--json", "--csv"}, code: ExitUsage, err: "--json or --csv, not both"},
	}, func(o *sweepResultsOptions) { o.IO = IO{} })
}
