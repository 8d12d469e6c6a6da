package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/sweep"
	"github.com/nnfc/nnfc/internal/train"
)

type cvOptions struct {
	IO          IO
	Ctx         context.Context
	ConfigPath  string
	Folds       int
	Stratify    bool
	Out         string
	Executor    string
	Parallel    int
	RetryFailed bool
	Binary      string
	Threads     int
	Drivers     map[string]sweep.Driver
}

func newCmdCV(io IO, runF func(*cvOptions) error) *cobra.Command {
	o := &cvOptions{IO: io, Drivers: sweep.NewDrivers()}
	owners := map[string]string{}
	cmd := &cobra.Command{
		Use:   "cv --config FILE --folds K [--stratify] [--executor " + strings.Join(sweep.ExecutorNames(), "|") + "]",
		Short: "k-fold cross-validation of a run config: K runs, each holding out one fold, and the mean ± std",
		Long: `Cross-validate a run config: the training rows are split into K folds
(data.cv: disjoint, together every row, sizes within one; with --stratify
each class's share in every fold within one row, drawn from the config's
seed) and K runs train, each on K−1 folds with the remaining fold as its
validation split (data.val_count / data.val_fraction do not apply). The
test split, if any, is not touched.

The folds run through nnfc sweep's executors (locally in parallel, or as one
Slurm job array), each an ordinary run directory OUT/trials/NNN: nnfc train
--resume, eval, plot and report accept it. Re-running the command on the same
directory skips finished folds and resumes interrupted ones. At the end it
prints each fold's monitored metric (train.monitor at the best epoch) and
their mean ± standard deviation (n−1), and writes OUT/cv.json; nnfc report
--sweep OUT shows the same.

To cross-validate every point of a search, put cv: {folds: K, stratify:
true} in a sweep file: each trial then runs K times and is ranked by its
folds' mean.`,
		Example: `  nnfc cv --config configs/penguins.yaml --folds 5 --stratify
  nnfc report --sweep runs/cv/penguins
  nnfc cv --config configs/breast-cancer.yaml --folds 4 --parallel 2 --out runs/cv/bc4
  nnfc cv --config configs/penguins.yaml --folds 5 --stratify --executor slurm --wait --out runs/cv/penguins-slurm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.ConfigPath == "" {
				return usageError{errors.New("cv: --config FILE is required")}
			}
			if o.Folds < 2 {
				return usageError{fmt.Errorf("--folds: must be ≥ 2 (k-fold cross-validation holds out one of k parts), got %d", o.Folds)}
			}
			if err := checkExecutorFlags(cmd, o.Drivers, owners, o.Executor, o.Parallel); err != nil {
				return err
			}
			o.Ctx = cmd.Context()
			o.Threads = globalThreads(cmd)
			if runF != nil {
				return runF(o)
			}
			return runCV(o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.ConfigPath, "config", "c", "", "run config file (YAML)")
	f.IntVar(&o.Folds, "folds", 0, "the number of folds K (≥ 2)")
	f.BoolVar(&o.Stratify, "stratify", false, "keep each class's share in every fold")
	f.StringVar(&o.Out, "out", "", "the cross-validation directory (default runs/cv/NAME, NAME the config file's)")
	addExecutorFlags(f, o.Drivers, owners, &o.Executor, &o.Parallel, &o.RetryFailed, &o.Binary, "folds")
	return cmd
}

func runCV(o *cvOptions) error {
	s, err := sweep.ForConfig(o.ConfigPath, o.Folds, o.Stratify)
	if err != nil {
		return err
	}
	// Too few rows for the folds, or nothing to stratify on, is known once
	// the data is read: say so before anything runs.
	trials, err := s.Expand()
	if err != nil {
		return err
	}
	if err := checkFoldData(trials[0].Config); err != nil {
		return err
	}
	dir := o.Out
	if dir == "" {
		dir = filepath.Join("runs", "cv", s.Name)
	}
	finished, err := runTrials(o.Ctx, o.IO, s, dir, o.Drivers[o.Executor], o.Binary, o.Threads, o.Parallel, o.RetryFailed)
	if err != nil || !finished {
		return err
	}
	tab, err := sweep.Results(dir)
	if err != nil {
		return err
	}
	printCV(o.IO.Out, tab)
	if err := sweep.WriteCV(dir, tab.CV); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.ErrOut, "cv: %s\n", filepath.Join(dir, sweep.CVFile))
	if n := tab.Counts[sweep.Done]; n < len(tab.Trials) {
		return fmt.Errorf("cv: %d of %d folds finished; see %s/trials/*/train.log", n, len(tab.Trials), dir)
	}
	return nil
}

// checkFoldData reads the data of a fold's config as its run will, so
// that too many folds for the rows is one line before any run starts.
func checkFoldData(c config.Config) error {
	_, err := train.RawSplits(c)
	return err
}

// printCV writes each cross-validated point's folds and their mean ±
// std; nothing for a sweep without cv.
func printCV(w io.Writer, tab *sweep.Table) {
	cv := tab.CV
	if cv == nil {
		return
	}
	num := func(x sweep.Num) string { return x.Text("-") }
	strat := ""
	if cv.Stratify {
		strat = ", stratified"
	}
	for i, pt := range cv.Points {
		var ps []string
		for _, p := range pt.Params {
			ps = append(ps, p.Text())
		}
		head := fmt.Sprintf("%d-fold cross-validation%s", cv.Folds, strat)
		if len(ps) > 0 {
			head = fmt.Sprintf("rank %d: %s (%s)", i+1, strings.Join(ps, " "), head)
		}
		fmt.Fprintln(w, head)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "fold\ttrial\tstate\tbest %s\tbest epoch\n", cv.Monitor)
		for _, f := range pt.Folds {
			fmt.Fprintf(tw, "%d\t%03d\t%s\t%s\t%d\n", f.Fold, f.Trial, f.State, num(f.Value), f.BestEpoch)
		}
		tw.Flush()
		fmt.Fprintf(w, "%s: mean %s ± %s (std over %d folds)\n", cv.Monitor, num(pt.Mean), num(pt.Std), len(pt.Folds))
	}
}
