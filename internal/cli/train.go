package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/report"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/train"
)

type trainOptions struct {
	io          IO
	configPath  string
	resume      string
	printConfig bool
	progress    string
	force       bool
	report      bool
	flags       []config.Flag
}

func newCmdTrain(io IO) *cobra.Command {
	o := &trainOptions{io: io}
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
A directory that holds a run is refused; --force replaces it.

Flags override the file; so do environment variables named after the key
(NNFC_TRAIN_EPOCHS for train.epochs). Ctrl-C finishes the current step,
writes a checkpoint and exits with status 130; --resume continues exactly
where the run stopped. A NaN or infinite loss stops training with status 4,
keeping the last good model. --report writes the run's HTML report
(RUN_DIR/report.html, as nnfc report does) at the end and prints its path.`,
		Example: `  nnfc train --config configs/spiral-7.yaml
  nnfc train --config configs/mnist-swish.yaml --epochs 2 --out runs/quick
  nnfc train --config configs/mnist-swish.yaml --print-config
  nnfc train --resume runs/mnist-swish
  nnfc train --config configs/spiral-7.yaml --report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTrain(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.configPath, "config", "c", "", "YAML config file")
	f.StringVar(&o.resume, "resume", "", "continue the interrupted run in this directory")
	f.BoolVar(&o.printConfig, "print-config", false, "print the fully resolved config and exit")
	f.StringVar(&o.progress, "progress", "auto", "progress display on stderr: auto (bar on a terminal, else plain), bar, plain or none")
	f.BoolVar(&o.force, "force", false, "replace a run already in the output directory (deletes its files)")
	f.BoolVar(&o.report, "report", false, "write the run's HTML report (RUN_DIR/report.html, see nnfc report) at the end")
	f.Int("epochs", 0, "override train.epochs")
	f.Float64("lr", 0, "override optimizer.lr")
	f.Int("batch-size", 0, "override train.batch_size")
	f.Uint64("seed", 0, "override seed")
	f.String("out", "", "override train.out_dir")
	f.String("precision", "", "override precision (float32, float64 or bfloat16)")
	for flag, key := range map[string]string{"epochs": "train.epochs", "lr": "optimizer.lr", "batch-size": "train.batch_size",
		"seed": "seed", "out": "train.out_dir", "precision": "precision"} {
		o.flags = append(o.flags, config.Flag{Key: key, Flag: f.Lookup(flag)})
	}
	return cmd
}

func runTrain(cmd *cobra.Command, o *trainOptions) error {
	if (o.configPath == "") == (o.resume == "") {
		return usageError{errors.New("train: give exactly one of --config FILE or --resume RUN_DIR")}
	}
	mode := o.progress
	switch mode {
	case "auto":
		mode = "plain"
		if o.io.StderrTerminal {
			mode = "bar"
		}
	case "bar", "plain", "none":
	default:
		return usageError{fmt.Errorf("--progress: must be auto, bar, plain or none, got %q", o.progress)}
	}
	opts := train.Options{Stdout: o.io.Out, Stderr: o.io.ErrOut, Progress: mode, Width: o.io.Width, Force: o.force}
	ctx := cmd.Context()
	var res *train.Result
	var err error
	if o.resume != "" {
		for _, f := range o.flags {
			if f.Flag.Changed {
				return usageError{fmt.Errorf("--%s: cannot change a run being resumed (its config is %s)", f.Flag.Name, filepath.Join(o.resume, rundir.Config))}
			}
		}
		for _, name := range config.SetEnv(os.Environ()) {
			fmt.Fprintf(o.io.ErrOut, "nnfc: warning: %s is ignored: a resumed run keeps its config (%s)\n", name, filepath.Join(o.resume, rundir.Config))
		}
		res, err = train.Resume(ctx, o.resume, opts)
	} else {
		for _, w := range config.UnknownEnv(os.Environ()) {
			fmt.Fprintln(o.io.ErrOut, "nnfc: warning:", w)
		}
		var c config.Config
		c, err = config.Load(o.configPath, o.flags)
		if err != nil {
			return err
		}
		if o.printConfig {
			fmt.Fprint(o.io.Out, c.YAML())
			return nil
		}
		if c.Train.Threads > 0 && !cmd.Flags().Lookup("threads").Changed {
			if err := blasbackend.Init(c.Train.Threads); err != nil {
				return err
			}
		}
		fmt.Fprintln(o.io.ErrOut, "blas:", blasbackend.Describe())
		res, err = train.Start(ctx, c, opts)
	}
	if errors.Is(err, train.ErrInterrupted) {
		return &exitError{ExitInterrupted, err}
	}
	if err != nil {
		return err
	}
	if res.EpochsHere > 0 {
		fmt.Fprintf(o.io.Out, "trained %d epochs in %.1fs (median %.0f samples/s)", res.EpochsHere, res.Seconds, res.SamplesPerSec)
		if res.EpochsHere != res.Epochs {
			fmt.Fprintf(o.io.Out, ", %d in all", res.Epochs)
		}
		fmt.Fprintf(o.io.Out, "; %s\n", res.Reason)
	}
	switch {
	case res.NoValidation:
		fmt.Fprintf(o.io.Out, "no validation split: model of the last epoch (%d): %s\n", res.BestEpoch, filepath.Join(res.Dir, rundir.Model))
	case res.Autoencoder:
		fmt.Fprintf(o.io.Out, "best val_mse %.6f at epoch %d; model: %s\n", res.BestValMSE, res.BestEpoch, filepath.Join(res.Dir, rundir.Model))
	default:
		fmt.Fprintf(o.io.Out, "best val_acc %.4f at epoch %d; model: %s\n", res.BestValAcc, res.BestEpoch, filepath.Join(res.Dir, rundir.Model))
	}
	switch {
	case res.Test != nil && res.Autoencoder:
		fmt.Fprintf(o.io.Out, "test reconstruction MSE %.6f per entry (%d samples), test loss %.5f (data loss, like val_loss; L2 term %.4f)\n",
			res.Test.MSE, res.Test.N, res.Test.Loss, res.Test.RegLoss)
	case res.Test != nil:
		fmt.Fprintf(o.io.Out, "test accuracy %.2f%% (%d samples), test loss %.4f (data loss, like val_loss; L2 term %.4f)\n",
			100*res.Test.Accuracy, res.Test.N, res.Test.Loss, res.Test.RegLoss)
	}
	if res.EpochsHere > 0 || res.Test != nil {
		fmt.Fprintf(o.io.Out, "results: %s\n", filepath.Join(res.Dir, rundir.ResultsLog))
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(o.io.Out, "warning:", w)
	}
	if o.report {
		path, err := report.Write(res.Dir, "", report.Options{})
		if err != nil {
			return fmt.Errorf("report: %v", err)
		}
		fmt.Fprintf(o.io.Out, "report: %s\n", path)
	}
	return nil
}
