package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/atomicfile"
)

type plotOptions struct {
	IO     IO
	Runs   []string
	Output string
}

func newCmdPlot(io IO, runF func(*plotOptions) error) *cobra.Command {
	o := &plotOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "plot --run RUN_DIR [--run RUN_DIR ...] [--output FILE.png]",
		Short: "Plot the loss and accuracy curves of one run, or several overlaid",
		Long: `Draw the training and validation loss and the train (subsample) and
validation accuracy per epoch of training runs, from their metrics.jsonl,
into one PNG: loss on the left, accuracy on the right, the best epoch
marked. The loss axis is logarithmic, so one spike does not flatten the
rest of the curve.

One --run writes RUN_DIR/curves.png by default; several --run flags overlay
the runs (a color per run, training dashed, validation solid) and write
curves.png in the current directory by default. The file written is printed
on stdout.

For one run, the run's pictures follow: an autoencoder's reconstructions
and weights, and, when the run's config sets data.augment on gray
pictures, augment.png: a training picture of each class, then what the
augmentation makes of it in epochs 1 to 8.`,
		Example: `  nnfc plot --run runs/mnist-swish
  nnfc plot --run runs/spiral-7 --output spiral.png
  nnfc plot --run runs/mnist-swish --run runs/quick --output compare.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(o.Runs) == 0 {
				return usageError{errors.New("plot: --run RUN_DIR is required")}
			}
			if runF != nil {
				return runF(o)
			}
			return runPlot(o)
		},
	}
	cmd.Flags().StringArrayVar(&o.Runs, "run", nil, "training run directory (repeat to overlay runs)")
	cmd.Flags().StringVar(&o.Output, "output", "", "PNG file to write (default RUN_DIR/curves.png, or curves.png for several runs)")
	return cmd
}

func runPlot(o *plotOptions) error {
	var runs []plots.Run
	for _, dir := range o.Runs {
		if err := rundir.CheckNotReplacing(dir); err != nil {
			return fmt.Errorf("--run %v", err)
		}
		ms, err := rundir.ReadMetrics(dir)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("--run %s: no metrics.jsonl there (not a run directory, or no epoch finished yet)", dir)
		}
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return fmt.Errorf("%s: no finished epoch to plot", filepath.Join(dir, rundir.MetricsLog))
		}
		runs = append(runs, plots.Run{Name: filepath.Base(filepath.Clean(dir)), Metrics: ms, BestEpoch: rundir.BestEpoch(dir, ms),
			Curve: rundir.Task(dir).Curve()})
	}
	out := o.Output
	if out == "" {
		out = rundir.Curves
		if len(o.Runs) == 1 {
			out = filepath.Join(o.Runs[0], rundir.Curves)
		}
	}
	if err := atomicfile.Write(out, 0o644, func(w io.Writer) error { return plots.WritePNG(w, runs) }); err != nil {
		return err
	}
	fmt.Fprintln(o.IO.Out, out)
	if len(o.Runs) == 1 {
		files, err := plotModel(o.Runs[0])
		if err != nil {
			return err
		}
		for _, f := range files {
			fmt.Fprintln(o.IO.Out, f)
		}
		f, err := plotAugment(o.Runs[0])
		if err != nil {
			return err
		}
		if f != "" {
			fmt.Fprintln(o.IO.Out, f)
		}
	}
	return nil
}
