package cli

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/metrics"
)

type runsOptions struct {
	IO   IO
	Root string // the directory searched (default runs)
	Sort string
	JSON bool
}

// runSorts are the --sort keys: how to compare two runs, best first.
var runSorts = map[string]func(a, b *rundir.Summary) int{
	"name":     func(a, b *rundir.Summary) int { return strings.Compare(a.Dir, b.Dir) },
	"val_acc":  func(a, b *rundir.Summary) int { return cmp.Compare(metric(b.Best, valAcc), metric(a.Best, valAcc)) },
	"val_loss": func(a, b *rundir.Summary) int { return cmp.Compare(lossKey(a.Best), lossKey(b.Best)) },
	"test_acc": func(a, b *rundir.Summary) int { return cmp.Compare(testAcc(b), testAcc(a)) },
	"time":     func(a, b *rundir.Summary) int { return cmp.Compare(a.TrainSeconds, b.TrainSeconds) },
	"lr":       func(a, b *rundir.Summary) int { return cmp.Compare(a.LR, b.LR) },
	"written":  func(a, b *rundir.Summary) int { return b.Written.Compare(a.Written) },
}

func newCmdRuns(io IO, runF func(*runsOptions) error) *cobra.Command {
	o := &runsOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "runs [DIR]",
		Short: "List the training runs under a directory, with settings and metrics",
		Long: `List every run directory under DIR (default runs), searched four levels
deep (so a sweep's trials, runs/sweeps/NAME/trials/NNN, are included): one
line per run with its status, epochs, network, optimizer, learning rate,
batch size, the best epoch's validation figure and the test figure of its
task (a classifier's accuracy, a binary model's accuracy and ROC-AUC, a
regression's R²; "(no val)" without a validation split), the test data
loss, and the training time. The figures come from each run's
results.json (or, for runs that did not write one, config.yaml and
metrics.jsonl).

The MONITORED column is each run's train.monitor at its best epoch (e.g.
val_f1_macro 0.9312); --json has every validation metric of the best
epoch (best.val_metrics) and of the test split (test.metrics).

--sort orders the list: name (default), val_acc, test_acc (highest first),
val_loss (lowest first), time, lr, or written (newest first), or val_ and
any metric of pkg/metrics' table, best first by its direction
(val_f1_macro highest first, val_log_loss lowest first); runs without it
come last.`,
		Example: `  nnfc runs
  nnfc runs runs --sort test_acc
  nnfc runs runs/sweeps --sort val_acc --json
  nnfc runs --sort val_f1_macro`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Root = "runs"
			if len(args) == 1 {
				o.Root = args[0]
			}
			if sortBy(o.Sort) == nil {
				keys := make([]string, 0, len(runSorts))
				for k := range runSorts {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				names := make([]string, len(metrics.Table))
				for i, m := range metrics.Table {
					names[i] = m.Name
				}
				return usageError{fmt.Errorf("--sort: must be one of %s, or val_<metric> with <metric> one of %s, got %q", strings.Join(keys, ", "), strings.Join(names, ", "), o.Sort)}
			}
			if runF != nil {
				return runF(o)
			}
			return runRuns(o)
		},
	}
	cmd.Flags().StringVar(&o.Sort, "sort", "name", "order: name, val_acc, test_acc, val_loss, time, lr or written")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON array instead of a table")
	return cmd
}

func runRuns(o *runsOptions) error {
	less, root := sortBy(o.Sort), o.Root
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return fmt.Errorf("%s: not a directory of runs", root)
	}
	var runs []*rundir.Summary
	var problems []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if err := rundir.CheckNotReplacing(p); err != nil {
			problems = append(problems, err.Error()) // and not its old files
			return filepath.SkipDir
		}
		if rundir.IsRun(p) {
			s, err := rundir.Summarize(p)
			if err != nil {
				problems = append(problems, err.Error())
			} else {
				runs = append(runs, s)
			}
			return filepath.SkipDir
		}
		if rel, _ := filepath.Rel(root, p); strings.Count(rel, string(filepath.Separator)) >= 3 {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(runs, func(a, b *rundir.Summary) int {
		if c := less(a, b); c != 0 {
			return c
		}
		return strings.Compare(a.Dir, b.Dir)
	})
	for _, p := range problems {
		fmt.Fprintln(o.IO.ErrOut, "nnfc: warning: skipped", p)
	}
	if o.JSON {
		if runs == nil {
			runs = []*rundir.Summary{}
		}
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(runs)
	}
	if len(runs) == 0 {
		if len(problems) > 0 {
			return errors.New("no readable run")
		}
		fmt.Fprintf(o.IO.ErrOut, "no runs under %s (a run directory holds config.yaml and metrics.jsonl)\n", root)
		return nil
	}
	w := tabwriter.NewWriter(o.IO.Out, 0, 0, 2, ' ', 0)
	// BEST VAL and TEST are each task's figures (task.Show's ListBest,
	// ListTest: accuracy, R², AUC, ...).
	fmt.Fprintln(w, "RUN\tSTATUS\tEPOCHS\tMODEL\tOPTIMIZER\tLR\tBATCH\tBEST VAL\tMONITORED\tTEST\tTEST LOSS\tTRAIN TIME")
	for _, r := range runs {
		best, monitored, test, tloss := "-", "-", "-", "-"
		tk := r.Task() // what the figures mean
		// A run without a validation split measured nothing on it.
		noVal := r.Best != nil && r.Best.NoVal()
		switch {
		case noVal:
			best = fmt.Sprintf("(no val) @%d", r.BestEpoch)
		case r.Best != nil:
			best = tk.ListBest(task.Eval{Accuracy: r.Best.ValAcc, MSE: r.Best.ValMSE, Metrics: r.Best.Val}, r.BestEpoch)
		}
		mon := cmp.Or(r.Monitor, rundir.DefaultMonitor)
		if r.Best != nil && !(noVal && strings.HasPrefix(mon, metrics.MonitorPrefix)) {
			if v := r.Best.Value(mon); !math.IsNaN(v) {
				monitored = fmt.Sprintf("%s %.4f", mon, v)
			}
		}
		if r.Test != nil {
			test, tloss = r.TestFigure(), fmt.Sprintf("%.4f", r.Test.Loss)
		}
		status := r.Status
		if len(r.Warnings) > 0 {
			status += " (diverging)"
		}
		fmt.Fprintf(w, "%s\t%s\t%d/%d\t%s\t%s\t%g\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Dir, status, r.Epochs, r.EpochsPlanned,
			r.Model, r.Optimizer, r.LR, r.BatchSize, best, monitored, test, tloss, english.Duration(r.TrainSeconds))
	}
	return w.Flush()
}

func valAcc(m *rundir.Metrics) float64 { return m.ValAcc }

// sortBy is the comparison of --sort key: runSorts', or for val_ and a
// metric of pkg/metrics' table its value at the best epoch, best first;
// nil for an unknown key.
func sortBy(key string) func(a, b *rundir.Summary) int {
	if f, ok := runSorts[key]; ok {
		return f
	}
	_, name, ok := metrics.SplitMonitor(key)
	if _, known := metrics.Lookup(name); !ok || !known {
		return nil
	}
	score := func(s *rundir.Summary) float64 {
		if s.Best == nil {
			return math.Inf(-1)
		}
		return s.Best.Score(key)
	}
	return func(a, b *rundir.Summary) int { return cmp.Compare(score(b), score(a)) }
}

// metric is f of m, or -Inf for a run without one (sorted last).
func metric(m *rundir.Metrics, f func(*rundir.Metrics) float64) float64 {
	if m == nil {
		return math.Inf(-1)
	}
	return f(m)
}

func lossKey(m *rundir.Metrics) float64 {
	if m == nil {
		return math.Inf(1)
	}
	return m.ValLoss
}

func testAcc(s *rundir.Summary) float64 {
	if s.Test == nil {
		return math.Inf(-1)
	}
	return s.Test.Accuracy
}
