package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/sweep"
)

type sweepOptions struct {
	IO          IO
	Ctx         context.Context
	ConfigPath  string
	Out         string
	Executor    string
	Parallel    int
	RetryFailed bool
	Binary      string
	Threads     int // the global --threads: BLAS threads per trial (0: 1)
	// Drivers holds every executor's own flags (sweep.NewDrivers); the
	// one named by Executor runs the sweep.
	Drivers map[string]sweep.Driver
}

func newCmdSweep(io IO, runF func(*sweepOptions) error) *cobra.Command {
	o := &sweepOptions{IO: io, Drivers: sweep.NewDrivers()}
	names := sweep.ExecutorNames()
	owners := map[string]string{} // each executor's own flags: flag → executor
	cmd := &cobra.Command{
		Use:   "sweep --config SWEEP.yaml [--executor " + strings.Join(names, "|") + "]",
		Short: "Search hyperparameters: run a grid or random sweep locally or as a Slurm job array",
		Long: `Run a hyperparameter search described by a sweep file: a base run config
and a search space over the run config's own dotted keys (optimizer.lr,
model.reg, model.hidden, train.batch_size, ...), as a grid (every
combination) or random draws (choice, uniform, log_uniform, int) from a seed.

Each trial is an ordinary run directory, SWEEP_DIR/trials/NNN, holding its
resolved config.yaml: nnfc train --resume, eval and plot accept it. The
sweep directory (--out, or the file's out_dir, or runs/sweeps/NAME) holds the
manifest sweep.json.

Executors:
` + sweep.ExecutorHelp() + `

Re-running the command on the same directory skips finished trials, resumes
interrupted ones from their checkpoints, and runs failed or NaN-stopped ones
again only with --retry-failed. A sweep file changed against the directory
is refused, naming what changed. Ctrl-C stops cleanly: local trials
checkpoint; with slurm --wait it stops following the job (--scancel
cancels the array, and its trials checkpoint).

With early_stop: {min_epochs: R, eta: N} in the sweep file (local executor
only), a trial reaching a rung (R, R·N, R·N², ... epochs) whose validation
accuracy there is below the top 1/N of all trials recorded at that rung is
stopped (asynchronous successive halving, the stopping form of ASHA).

Trial states: pending, running, done, failed, nan-stopped (nnfc train
exited 4), pruned (stopped by early_stop). The results table ranks trials by
the base config's train.monitor; SWEEP_DIR/search.png plots the search.`,
		Example: `  nnfc sweep --config configs/sweeps/spiral-7.yaml
  nnfc --threads 1 sweep --config configs/sweeps/mnist.yaml --parallel 2
  nnfc sweep --config configs/sweeps/spiral-7.yaml --executor slurm --parallel 4 --wait
  nnfc sweep --config configs/sweeps/spiral-7.yaml --retry-failed
  nnfc sweep status runs/sweeps/spiral-7
  nnfc sweep results runs/sweeps/spiral-7 --csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.ConfigPath == "" {
				return usageError{errors.New("sweep: --config SWEEP.yaml is required (or: nnfc sweep status|results DIR)")}
			}
			if err := checkExecutorFlags(cmd, o.Drivers, owners, o.Executor, o.Parallel); err != nil {
				return err
			}
			o.Ctx = cmd.Context()
			o.Threads = globalThreads(cmd)
			if runF != nil {
				return runF(o)
			}
			return runSweep(o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.ConfigPath, "config", "c", "", "sweep file (YAML)")
	f.StringVar(&o.Out, "out", "", "sweep directory (default: the file's out_dir, else runs/sweeps/NAME)")
	addExecutorFlags(f, o.Drivers, owners, &o.Executor, &o.Parallel, &o.RetryFailed, &o.Binary, "trials")
	cmd.AddCommand(newCmdSweepStatus(io, nil), newCmdSweepResults(io, nil))
	return cmd
}

func runSweep(o *sweepOptions) error {
	s, err := sweep.Parse(o.ConfigPath)
	if err != nil {
		return err
	}
	dir := o.Out
	if dir == "" {
		dir = s.OutDir
	}
	if dir == "" {
		dir = filepath.Join("runs", "sweeps", s.Name)
	}
	finished, err := runTrials(o.Ctx, o.IO, s, dir, o.Drivers[o.Executor], o.Binary, o.Threads, o.Parallel, o.RetryFailed)
	if err != nil || !finished {
		return err
	}
	tab, err := sweep.Results(dir)
	if err != nil {
		return err
	}
	printTable(o.IO.Out, tab, false)
	printCV(o.IO.Out, tab)
	if tab.CV != nil {
		if err := sweep.WriteCV(dir, tab.CV); err != nil {
			return err
		}
	}
	writePlot(o.IO.ErrOut, tab, filepath.Join(dir, "search.png"))
	return nil
}

// addExecutorFlags adds the flags of nnfc sweep and nnfc cv that choose
// and drive the executor (every executor's own flags from its Driver,
// recorded in owners), what runs being "trials" or "folds".
func addExecutorFlags(f *pflag.FlagSet, drivers map[string]sweep.Driver, owners map[string]string, executor *string, parallel *int, retry *bool, binary *string, what string) {
	names := sweep.ExecutorNames()
	f.StringVar(executor, "executor", names[0], strings.Join(names, " or "))
	f.IntVar(parallel, "parallel", 0, what+" at once (local; default cores / threads) or the array's %M throttle (slurm; default none)")
	f.BoolVar(retry, "retry-failed", false, "run failed and NaN-stopped "+what+" again")
	for _, name := range names {
		fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
		drivers[name].AddFlags(fs)
		fs.VisitAll(func(fl *pflag.Flag) {
			owners[fl.Name] = name
			f.AddFlag(fl)
		})
	}
	f.StringVar(binary, "nnfc-binary", "", "the nnfc executable "+what+" run (default: this one)")
	_ = f.MarkHidden("nnfc-binary")
}

// checkExecutorFlags refuses an unknown executor, a negative --parallel
// and another executor's flags, and checks the executor's own.
func checkExecutorFlags(cmd *cobra.Command, drivers map[string]sweep.Driver, owners map[string]string, executor string, parallel int) error {
	d, ok := drivers[executor]
	if !ok {
		return usageError{fmt.Errorf("--executor: must be %s, got %q", strings.Join(sweep.ExecutorNames(), " or "), executor)}
	}
	if parallel < 0 {
		return usageError{fmt.Errorf("--parallel: must be ≥ 0, got %d", parallel)}
	}
	for flag, owner := range owners {
		if owner != executor && cmd.Flags().Changed(flag) {
			return usageError{fmt.Errorf("--%s: applies to --executor %s only", flag, owner)}
		}
	}
	if err := d.Check(); err != nil {
		return usageError{err}
	}
	return nil
}

// globalThreads is the global --threads flag's value (0: unset).
func globalThreads(cmd *cobra.Command) int {
	n := 0
	if f := cmd.Flags().Lookup("threads"); f != nil {
		n, _ = strconv.Atoi(f.Value.String())
	}
	return n
}

// runTrials prepares the sweep directory of s and runs its trials with
// the driver d (threads BLAS threads each, default 1); finished is
// false when they go on without this process.
func runTrials(ctx context.Context, io IO, s *sweep.Sweep, dir string, d sweep.Driver, bin string, threads, parallel int, retry bool) (finished bool, err error) {
	if threads == 0 {
		threads = 1
	}
	if _, err := sweep.Prepare(s, dir); err != nil {
		return false, err
	}
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return false, fmt.Errorf("sweep: cannot find the nnfc executable: %v", err)
		}
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return false, err
	}
	opts := sweep.Options{Binary: bin, Threads: threads, Parallel: parallel, RetryFailed: retry,
		Stdout: io.Out, Stderr: io.ErrOut, Terminal: io.StderrTerminal}
	finished, err = d.Run(ctx, s, dir, opts)
	if errors.Is(err, sweep.ErrInterrupted) {
		return false, &exitError{ExitInterrupted, err}
	}
	return finished, err
}

// writePlot draws the search plot, saying on w where it went.
func writePlot(w io.Writer, tab *sweep.Table, path string) {
	switch err := sweep.Plot(tab, path); {
	case err == nil:
		fmt.Fprintf(w, "search plot: %s\n", path)
	case errors.Is(err, sweep.ErrNoPlot):
	default:
		fmt.Fprintf(w, "search plot: %v\n", err)
	}
}

type sweepStatusOptions struct {
	IO  IO
	Dir string
}

func newCmdSweepStatus(io IO, runF func(*sweepStatusOptions) error) *cobra.Command {
	o := &sweepStatusOptions{IO: io}
	return &cobra.Command{
		Use:   "status SWEEP_DIR",
		Short: "Show the state of every trial of a sweep",
		Long: `Show every trial of a sweep in index order: its searched values, state
(pending, running, done, failed, nan-stopped), best validation accuracy,
epochs finished and training time, and the counts per state.`,
		Example: `  nnfc sweep status runs/sweeps/spiral-7`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if runF != nil {
				return runF(o)
			}
			return runSweepStatus(o)
		},
	}
}

func runSweepStatus(o *sweepStatusOptions) error {
	tab, err := sweep.Results(o.Dir)
	if err != nil {
		return err
	}
	printTable(o.IO.Out, tab, true)
	return nil
}

type sweepResultsOptions struct {
	IO        IO
	Dir       string
	JSON, CSV bool
	Plot      string // the search plot's file (default SWEEP_DIR/search.png)
}

func newCmdSweepResults(io IO, runF func(*sweepResultsOptions) error) *cobra.Command {
	o := &sweepResultsOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "results SWEEP_DIR [--json | --csv]",
		Short: "Rank a sweep's trials by the monitored metric and name the best",
		Long: `Print the trials table of a sweep ranked by the monitored validation metric
(train.monitor of the base config with its direction: highest val_acc by
default, lowest val_loss, highest val_f1_macro, …), best first, and name the
best trial with its model file. --json and --csv print the same table for
other programs (the monitored value is "best" in JSON, best_monitored in
CSV). The search plot (a heat map of
the best validation accuracy per learning rate × regularization cell, or a
scatter for random search) is written to SWEEP_DIR/search.png or --plot.`,
		Example: `  nnfc sweep results runs/sweeps/spiral-7
  nnfc sweep results runs/sweeps/spiral-7 --json | jq '.best.dir'
  nnfc sweep results runs/sweeps/spiral-7 --csv > trials.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.JSON && o.CSV {
				return usageError{errors.New("results: give --json or --csv, not both")}
			}
			o.Dir = args[0]
			if o.Plot == "" {
				o.Plot = filepath.Join(o.Dir, "search.png")
			}
			if runF != nil {
				return runF(o)
			}
			return runSweepResults(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the table as JSON")
	cmd.Flags().BoolVar(&o.CSV, "csv", false, "print the table as CSV")
	cmd.Flags().StringVar(&o.Plot, "plot", "", "write the search plot here (default SWEEP_DIR/search.png)")
	return cmd
}

func runSweepResults(o *sweepResultsOptions) error {
	tab, err := sweep.Results(o.Dir)
	if err != nil {
		return err
	}
	switch {
	case o.JSON:
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(tab)
	case o.CSV:
		return writeCSV(o.IO.Out, tab)
	}
	printTable(o.IO.Out, tab, false)
	printCV(o.IO.Out, tab)
	writePlot(o.IO.ErrOut, tab, o.Plot)
	return nil
}

func fmtAcc(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.4f", x)
}

func paramValue(t sweep.Trial, key string) string {
	for _, p := range t.Params {
		if p.Key == key {
			return sweep.FormatValue(p.Value)
		}
	}
	return ""
}

// printTable writes the trials table; byIndex keeps the sweep's order
// (status) instead of the ranking (results).
func printTable(w io.Writer, tab *sweep.Table, byIndex bool) {
	trials := tab.Trials
	if byIndex {
		trials = append([]sweep.Trial(nil), trials...)
		for i := 1; i < len(trials); i++ {
			for j := i; j > 0 && trials[j].Index < trials[j-1].Index; j-- {
				trials[j], trials[j-1] = trials[j-1], trials[j]
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"rank", "trial"}
	if byIndex {
		head = head[1:]
	}
	head = append(head, tab.Keys...)
	head = append(head, "state", "best val_acc")
	other := tab.Metric != "" && tab.Metric != rundir.DefaultMonitor // monitored: its own column
	if other {
		head = append(head, "best "+tab.Metric)
	}
	head = append(head, "best epoch", "epochs", "train time", "wall time")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i, t := range trials {
		var row []string
		if !byIndex {
			rank := "-"
			if t.Epochs > 0 {
				rank = strconv.Itoa(i + 1)
			}
			row = append(row, rank)
		}
		row = append(row, fmt.Sprintf("%03d", t.Index))
		for _, k := range tab.Keys {
			row = append(row, paramValue(t, k))
		}
		row = append(row, t.State, fmtAcc(t.BestValAcc))
		if other {
			row = append(row, fmtAcc(t.Best))
		}
		row = append(row, strconv.Itoa(t.BestEpoch), fmt.Sprintf("%d/%d", t.Epochs, t.MaxEpochs), fmt.Sprintf("%.1fs", t.Seconds), fmt.Sprintf("%.1fs", t.WallSeconds))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	var counts []string
	for _, s := range []string{sweep.Done, sweep.Running, sweep.Pending, sweep.Failed, sweep.NaNStopped, sweep.Pruned} {
		if n := tab.Counts[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, s))
		}
	}
	fmt.Fprintf(w, "%d trials: %s\n", len(tab.Trials), strings.Join(counts, ", "))
	if b := tab.Best; b != nil {
		var ps []string
		for _, p := range b.Params {
			ps = append(ps, p.Text())
		}
		model := b.Model
		if model == "" {
			model = "(no model file)"
		}
		metric, v := rundir.DefaultMonitor, b.BestValAcc
		if other {
			metric, v = tab.Metric, b.Best
		}
		fmt.Fprintf(w, "best: trial %03d (%s) %s %s at epoch %d; model: %s\n", b.Index, strings.Join(ps, " "), metric, fmtAcc(v), b.BestEpoch, model)
	}
}

func writeCSV(w io.Writer, tab *sweep.Table) error {
	cw := csv.NewWriter(w)
	head := append([]string{"rank", "trial"}, tab.Keys...)
	head = append(head, "state", "best_val_acc", "best_val_loss", "best_epoch", "epochs", "max_epochs", "seconds", "wall_seconds", "dir", "model", "best_monitored")
	if err := cw.Write(head); err != nil {
		return err
	}
	num := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	for i, t := range tab.Trials {
		row := []string{strconv.Itoa(i + 1), fmt.Sprintf("%03d", t.Index)} // as its directory trials/NNN
		for _, k := range tab.Keys {
			row = append(row, paramValue(t, k))
		}
		row = append(row, t.State, num(t.BestValAcc), num(t.BestValLoss), strconv.Itoa(t.BestEpoch),
			strconv.Itoa(t.Epochs), strconv.Itoa(t.MaxEpochs), strconv.FormatFloat(t.Seconds, 'f', 3, 64), strconv.FormatFloat(t.WallSeconds, 'f', 3, 64), t.Dir, t.Model, num(t.Best))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
