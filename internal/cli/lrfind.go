package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/lrfind"
)

type lrfindOptions struct {
	IO         IO
	ConfigPath string
	Out        string // directory of lrfind.json and lrfind.png
	Apply      string // a copy of the config with optimizer.lr set
	lrfind.Options
	ThreadsSet bool
}

func newCmdLRFind(io IO, runF func(*lrfindOptions) error) *cobra.Command {
	o := &lrfindOptions{IO: io, Options: lrfind.Defaults()}
	cmd := &cobra.Command{
		Use:   "lrfind --config FILE",
		Short: "Find a learning rate: the LR range test",
		Long: `Run the learning-rate range test (Smith 2017; fastai's lr_find) for a config:
from the network a run of it would start with, train --steps minibatches
with the rate growing exponentially from --min-lr to --max-lr, and record
the loss. The loss is smoothed (moving average, β 0.98); the test stops
early when it passes 4× its minimum. The suggested rate is printed and
written with the curve to OUT/lrfind.json, and the curve drawn in
OUT/lrfind.png (OUT: the config's train.out_dir with -lrfind added).

--rule auto (the default) is edge for sgd, momentum and nesterov and
steepest for rmsprop, adam and adamw. edge takes the rate at which the
test diverged, divided by 10: with the SGD family a one-cycle schedule's
peak wants a rate near the edge of stability (make lrfind-check measures
each rule against a 7-point grid on MNIST and Fashion-MNIST); an adaptive
rule's loss rises long before it blows up, and may not blow up at all.
valley (fastai's) takes the rate 5/9 along the longest descending stretch
of the smoothed curve, near the start of the fall: a cautious constant
rate, far below one-cycle's best peak. steepest takes the rate where the
smoothed curve falls fastest against log(rate); minimum, the rate of its
minimum over 10. The smoothing lags the raw loss (by about a decade of
rate at 100 steps), which moves steepest and minimum; edge rests on the
blow-up, which it follows within a few steps. The suggestion is meant as
the peak rate of a one-cycle schedule (schedule.kind: onecycle), which
takes optimizer.lr as its peak. --apply FILE writes a copy of the config
with optimizer.lr set to the suggestion. The test uses the config's data,
network, seed, update rule and batch size; not its schedule.`,
		Example: `  nnfc lrfind --config configs/fashion-mnist.yaml
  nnfc lrfind --config configs/mnist-swish.yaml --rule steepest --steps 200
  nnfc lrfind --config configs/fashion-mnist.yaml --apply runs/fashion-tuned.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.ConfigPath == "" {
				return usageError{errors.New("lrfind: --config FILE is required")}
			}
			if err := o.Options.Check(); err != nil {
				return usageError{err}
			}
			if o.Apply != "" {
				if _, err := os.Stat(o.Apply); err == nil {
					return usageError{fmt.Errorf("--apply: %s exists; name a new file (nothing is overwritten)", o.Apply)}
				}
			}
			o.ThreadsSet = cmd.Flags().Changed("threads")
			if runF != nil {
				return runF(o)
			}
			return runLRFind(o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.ConfigPath, "config", "c", "", "YAML config file of the run to find a rate for")
	f.StringVar(&o.Out, "out", "", "directory for lrfind.json and lrfind.png (default: train.out_dir + \"-lrfind\")")
	f.StringVar(&o.Apply, "apply", "", "write a copy of the config with optimizer.lr set to the suggestion to this new file")
	f.Float64Var(&o.MinLR, "min-lr", o.MinLR, "rate of the first step")
	f.Float64Var(&o.MaxLR, "max-lr", o.MaxLR, "rate of the last step")
	f.IntVar(&o.Steps, "steps", o.Steps, "steps (minibatches) at most; the test stops earlier on divergence")
	f.StringVar(&o.Rule, "rule", o.Rule, "rule of the suggestion: "+strings.Join(lrfind.Rules, ", "))
	return cmd
}

func runLRFind(o *lrfindOptions) error {
	c, err := config.Load(o.ConfigPath, nil)
	if err != nil {
		return err
	}
	if c.Train.Threads > 0 && !o.ThreadsSet {
		if err := blasbackend.Init(c.Train.Threads); err != nil {
			return err
		}
	}
	out := o.Out
	if out == "" {
		out = filepath.Clean(c.Train.OutDir) + "-lrfind"
	}
	fmt.Fprintf(o.IO.ErrOut, "lrfind: %d steps of %s, batch %d, lr %g to %g\n", o.Steps, c.Optimizer.Rule, c.Train.BatchSize, o.MinLR, o.MaxLR)
	r, runErr := lrfind.Run(c, o.Options)
	if r == nil {
		return runErr
	}
	r.Config = o.ConfigPath
	jsonPath, pngPath, err := r.Write(out)
	if err != nil {
		return err
	}
	w := o.IO.Out
	fmt.Fprintf(w, "steps     %d of %d (%s)\n", r.StepsRun, r.Steps, r.Stopped)
	if runErr != nil {
		fmt.Fprintf(w, "wrote %s, %s\n", jsonPath, pngPath)
		return runErr
	}
	fmt.Fprintf(w, "edge      %.3g (diverged at %.3g, / %d)\n", r.Edge, r.DivergedLR, lrfind.EdgeDivisor)
	fmt.Fprintf(w, "valley    %.3g\n", r.Valley)
	fmt.Fprintf(w, "steepest  %.3g\n", r.Steepest)
	fmt.Fprintf(w, "min/10    %.3g\n", r.MinimumBy10)
	rule := r.Rule
	if r.RuleAsked == "auto" {
		rule += ", auto for " + r.Optimizer
	}
	fmt.Fprintf(w, "suggested lr %.3g (rule %s; the peak of schedule.kind onecycle)\n", r.Suggested, rule)
	fmt.Fprintf(w, "wrote %s, %s\n", jsonPath, pngPath)
	if o.Apply != "" {
		src, err := os.ReadFile(o.ConfigPath)
		if err != nil {
			return err
		}
		text, err := config.SetValue(src, "optimizer.lr", strconv.FormatFloat(r.Suggested, 'g', 3, 64))
		if err != nil {
			return fmt.Errorf("%s: %v", o.ConfigPath, err)
		}
		f, err := os.OpenFile(o.Apply, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("--apply: %v", err)
		}
		if _, err := f.Write(text); err != nil {
			f.Close()
			return fmt.Errorf("--apply: %v", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("--apply: %v", err)
		}
		fmt.Fprintf(w, "wrote %s (%s with optimizer.lr %.3g)\n", o.Apply, o.ConfigPath, r.Suggested)
	}
	return nil
}
