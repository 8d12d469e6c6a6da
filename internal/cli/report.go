package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/report"
)

type reportOptions struct {
	IO     IO
	Run    string
	Sweep  string
	Output string
}

func newCmdReport(io IO, runF func(*reportOptions) error) *cobra.Command {
	o := &reportOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "report (--run RUN_DIR | --sweep SWEEP_DIR) [--output FILE.html]",
		Short: "Write a run's or a sweep's report: one self-contained HTML page (DIR/report.html)",
		Long: `Write one HTML page about a training run that opens offline in any browser
(every plot is an embedded PNG; no script, no font or style sheet is
fetched): the resolved config, the network with its parameter counts, loss,
train and validation accuracy and learning rate per epoch with the best
epoch marked, the test metrics, the confusion matrix as a heat map with
counts and the per-class accuracy. For square image inputs (MNIST) it adds
the first layer's weights as images and the most confidently wrong test
images; for 2-D inputs (the spiral) the decision regions over the plane;
and the scatter plots of nnfc embed when RUN_DIR/embed holds them.

The model is evaluated on the test split (the validation split when the
data has none) with the data the run's config.yaml names, read relative to
the working directory as nnfc eval --run does.

--sweep reports a sweep directory (nnfc sweep): every trial in a table
ranked by the monitored validation metric with its searched values, the
search plot, and the learning curves of the five best trials.

The page replaces the old one atomically; its path is printed on stdout.`,
		Example: `  nnfc report --run runs/mnist-swish
  nnfc report --run runs/spiral-7 --output /tmp/spiral.html
  nnfc report --sweep runs/sweeps/spiral-7
  nnfc train --config configs/spiral-7.yaml --force --report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (o.Run == "") == (o.Sweep == "") {
				return usageError{errors.New("report: give exactly one of --run RUN_DIR or --sweep SWEEP_DIR")}
			}
			if runF != nil {
				return runF(o)
			}
			return runReport(o)
		},
	}
	cmd.Flags().StringVar(&o.Run, "run", "", "training run directory")
	cmd.Flags().StringVar(&o.Sweep, "sweep", "", "sweep directory (nnfc sweep --out)")
	cmd.Flags().StringVar(&o.Output, "output", "", "HTML file to write (default RUN_DIR/report.html)")
	return cmd
}

func runReport(o *reportOptions) error {
	write := report.Write
	dir := o.Run
	if o.Sweep != "" {
		write, dir = report.WriteSweep, o.Sweep
	}
	path, err := write(dir, o.Output, report.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintln(o.IO.Out, path)
	return nil
}
