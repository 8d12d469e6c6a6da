package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/report"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/sweep"
	"github.com/nnfc/nnfc/internal/train"
)

type trainOptions struct {
	IO          IO
	Ctx         context.Context
	ConfigPath  string
	Resume      string
	PrintConfig bool
	Progress    string // auto resolved: bar, plain or none
	Force       bool
	Report      bool
	// Overrides are the flags that override config keys, changed or not.
	Overrides []config.Flag
	// ThreadsSet is whether the global --threads was given (it then wins
	// over the config's train.threads).
	ThreadsSet bool
	// SweepFD, when > 0, is the file descriptor of nnfc sweep's epoch
	// gate (a hidden flag: the sweep's local executor sets it).
	SweepFD int
}

func newCmdTrain(io IO, runF func(*trainOptions) error) *cobra.Command {
	o := &trainOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "train --config FILE | --resume RUN_DIR",
		Short: "Train a network described by a YAML config",
		Long: `Train a network described by a YAML config with minibatch SGD (or another
update rule), logging loss and accuracy per epoch to stdout and progress to
stderr. The run directory (train.out_dir) receives config.yaml (the resolved
config), metrics.jsonl, model.safetensors (the best model by validation),
checkpoint.safetensors (to resume from; written every train.checkpoint_seconds
or train.checkpoint_every epochs, at the end and on Ctrl-C) and results.json
(final and test metrics, times, version, BLAS backend and kernels, CPU).
A directory that holds a run is refused; --force replaces it: it removes
every file nnfc wrote there (the run's, and report.html, model.onnx, the
plots and embed/ that other commands wrote) and leaves, naming them in one
line, the files it did not write. It removes nothing until the new run is
checked (config, data, target, network): bad input leaves the old run. A
--force stopped part-way leaves no run there; the next nnfc train in the
directory finishes the removal.

Flags override the file; so do environment variables named after the key
(NNFC_TRAIN_EPOCHS for train.epochs). Ctrl-C finishes the current step,
writes a checkpoint and exits with status 130; --resume continues exactly
where the run stopped. A NaN or infinite loss stops training with status 4,
keeping the last good model. --report writes the run's HTML report
(RUN_DIR/report.html, as nnfc report does) at the end and prints its path.`,
		Example: `  nnfc train --config configs/spiral-7.yaml
  nnfc train --config configs/mnist-swish.yaml
  nnfc train --config configs/mnist-swish.yaml --epochs 2 --out runs/quick
  nnfc train --config configs/mnist-swish.yaml --print-config
  nnfc train --resume runs/mnist-swish            # after Ctrl-C: continue where it stopped
  nnfc train --config configs/spiral-7.yaml --force --report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (o.ConfigPath == "") == (o.Resume == "") {
				return usageError{errors.New("train: give exactly one of --config FILE or --resume RUN_DIR")}
			}
			switch o.Progress {
			case "auto":
				o.Progress = "plain"
				if o.IO.StderrTerminal {
					o.Progress = "bar"
				}
			case "bar", "plain", "none":
			default:
				return usageError{fmt.Errorf("--progress: must be auto, bar, plain or none, got %q", o.Progress)}
			}
			if o.SweepFD < 0 {
				return usageError{fmt.Errorf("--sweep-fd: must be a file descriptor ≥ 1, got %d", o.SweepFD)}
			}
			if o.Resume != "" {
				for _, f := range o.Overrides {
					if f.Flag.Changed {
						return usageError{fmt.Errorf("--%s: cannot change a run being resumed (its config is %s)", f.Flag.Name, filepath.Join(o.Resume, rundir.Config))}
					}
				}
			}
			o.Ctx = cmd.Context()
			o.ThreadsSet = cmd.Flags().Changed("threads")
			if runF != nil {
				return runF(o)
			}
			return runTrain(o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.ConfigPath, "config", "c", "", "YAML config file")
	f.StringVar(&o.Resume, "resume", "", "continue the interrupted run in this directory")
	f.BoolVar(&o.PrintConfig, "print-config", false, "print the fully resolved config and exit")
	f.StringVar(&o.Progress, "progress", "auto", "progress display on stderr: auto (bar on a terminal, else plain), bar, plain or none")
	f.BoolVar(&o.Force, "force", false, "replace a run already in the output directory (deletes every file nnfc wrote there)")
	f.BoolVar(&o.Report, "report", false, "write the run's HTML report (RUN_DIR/report.html, see nnfc report) at the end")
	f.IntVar(&o.SweepFD, "sweep-fd", 0, "nnfc sweep's epoch gate (set by nnfc sweep)")
	_ = f.MarkHidden("sweep-fd")
	f.Int("epochs", 0, "override train.epochs")
	f.Float64("lr", 0, "override optimizer.lr")
	f.Int("batch-size", 0, "override train.batch_size")
	f.Uint64("seed", 0, "override seed")
	f.String("out", "", "override train.out_dir")
	f.String("precision", "", "override precision (float32, float64 or bfloat16)")
	for flag, key := range map[string]string{"epochs": "train.epochs", "lr": "optimizer.lr", "batch-size": "train.batch_size",
		"seed": "seed", "out": "train.out_dir", "precision": "precision"} {
		o.Overrides = append(o.Overrides, config.Flag{Key: key, Flag: f.Lookup(flag)})
	}
	return cmd
}

func runTrain(o *trainOptions) error {
	opts := train.Options{Stdout: o.IO.Out, Stderr: o.IO.ErrOut, Progress: o.Progress, Width: o.IO.Width, Force: o.Force}
	if o.SweepFD > 0 {
		opts.AfterEpoch = sweep.TrialGate(o.SweepFD)
	}
	ctx := o.Ctx
	var res *train.Result
	var err error
	if o.Resume != "" {
		for _, name := range config.SetEnv(os.Environ()) {
			fmt.Fprintf(o.IO.ErrOut, "nnfc: warning: %s is ignored: a resumed run keeps its config (%s)\n", name, filepath.Join(o.Resume, rundir.Config))
		}
		res, err = train.Resume(ctx, o.Resume, opts)
	} else {
		for _, w := range config.UnknownEnv(os.Environ()) {
			fmt.Fprintln(o.IO.ErrOut, "nnfc: warning:", w)
		}
		var c config.Config
		c, err = config.Load(o.ConfigPath, o.Overrides)
		if err != nil {
			return err
		}
		if o.PrintConfig {
			fmt.Fprint(o.IO.Out, c.YAML())
			// What reading the data decides (a table's schema), as
			// YAML comments: the output stays a loadable config.
			lines, err := train.DescribeData(c)
			if err != nil {
				return err
			}
			if len(lines) > 0 {
				fmt.Fprintln(o.IO.Out, "# the data as read (fitted on the training split; set data.types to change a type):")
			}
			for _, l := range lines {
				fmt.Fprintln(o.IO.Out, "#", l)
			}
			return nil
		}
		if c.Train.Threads > 0 && !o.ThreadsSet {
			if err := blasbackend.Init(c.Train.Threads); err != nil {
				return err
			}
		}
		fmt.Fprintln(o.IO.ErrOut, "blas:", blasbackend.Describe())
		res, err = train.Start(ctx, c, opts)
		err = config.Blame(err, o.Overrides)
	}
	if errors.Is(err, train.ErrInterrupted) {
		return &exitError{ExitInterrupted, err}
	}
	if err != nil {
		return err
	}
	if res.EpochsHere > 0 {
		fmt.Fprintf(o.IO.Out, "trained %s in %.1fs (median %.0f samples/s)", english.Count(res.EpochsHere, "epoch"), res.Seconds, res.SamplesPerSec)
		if res.EpochsHere != res.Epochs {
			fmt.Fprintf(o.IO.Out, ", %d in all", res.Epochs)
		}
		fmt.Fprintf(o.IO.Out, "; %s\n", res.Reason)
	}
	model := filepath.Join(res.Dir, rundir.Model)
	if res.NoValidation {
		fmt.Fprintf(o.IO.Out, "no validation split: model of the last epoch (%d): %s\n", res.BestEpoch, model)
	} else {
		best := res.Task.Best(train.Eval{Accuracy: res.BestValAcc, MSE: res.BestValMSE, Metrics: res.BestMetrics})
		if m := res.Monitor; m != "" && m != "val_loss" && !strings.HasPrefix(best, m+" ") {
			// Monitored by another metric: it first, the task's figure beside it.
			best = fmt.Sprintf("%s %.4f (%s)", m, res.Best, best)
		}
		fmt.Fprintf(o.IO.Out, "best %s at epoch %d; model: %s\n", best, res.BestEpoch, model)
	}
	if res.Test != nil {
		fmt.Fprintln(o.IO.Out, res.Task.Test(*res.Test))
	}
	if res.EpochsHere > 0 || res.Test != nil {
		fmt.Fprintf(o.IO.Out, "results: %s\n", filepath.Join(res.Dir, rundir.ResultsLog))
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(o.IO.Out, "warning:", w)
	}
	if o.Report {
		path, err := report.Write(res.Dir, "", report.Options{})
		if err != nil {
			return fmt.Errorf("report: %v", err)
		}
		fmt.Fprintf(o.IO.Out, "report: %s\n", path)
	}
	return nil
}
