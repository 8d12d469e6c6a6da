package cli

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/internal/train"
)

type plotOptions struct {
	io     IO
	run    string
	output string
}

func newCmdPlot(io IO) *cobra.Command {
	o := &plotOptions{io: io}
	cmd := &cobra.Command{
		Use:   "plot --run RUN_DIR [--output FILE.png]",
		Short: "Plot a run's loss and accuracy curves from its metrics.jsonl",
		Long: `Draw the training loss, validation loss, and train/validation accuracy per
epoch of a training run into one PNG (default RUN_DIR/curves.png).`,
		Example: `  nnfc plot --run runs/mnist-swish
  nnfc plot --run runs/spiral-7 --output spiral.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runPlot(o) },
	}
	cmd.Flags().StringVar(&o.run, "run", "", "training run directory")
	cmd.Flags().StringVar(&o.output, "output", "", "PNG file to write (default RUN_DIR/curves.png)")
	return cmd
}

func runPlot(o *plotOptions) error {
	if o.run == "" {
		return usageError{errors.New("plot: --run RUN_DIR is required")}
	}
	ms, err := train.ReadMetrics(o.run)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("%s: no finished epoch to plot", filepath.Join(o.run, "metrics.jsonl"))
	}
	out := o.output
	if out == "" {
		out = filepath.Join(o.run, "curves.png")
	}
	series := func(f func(train.Metrics) float64) plotter.XYs {
		xy := make(plotter.XYs, len(ms))
		for i, m := range ms {
			xy[i] = plotter.XY{X: float64(m.Epoch), Y: f(m)}
		}
		return xy
	}
	loss := plot.New()
	loss.Title.Text = "loss"
	loss.X.Label.Text = "epoch"
	acc := plot.New()
	acc.Title.Text = "accuracy"
	acc.X.Label.Text = "epoch"
	blue, orange := color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}
	for _, s := range []struct {
		p     *plot.Plot
		name  string
		f     func(train.Metrics) float64
		color color.Color
	}{
		{loss, "train", func(m train.Metrics) float64 { return m.Loss }, blue},
		{loss, "val", func(m train.Metrics) float64 { return m.ValLoss }, orange},
		{acc, "train (subsample)", func(m train.Metrics) float64 { return m.TrainAcc }, blue},
		{acc, "val", func(m train.Metrics) float64 { return m.ValAcc }, orange},
	} {
		l, err := plotter.NewLine(series(s.f))
		if err != nil {
			return fmt.Errorf("%s: %v", filepath.Join(o.run, "metrics.jsonl"), err)
		}
		l.Color = s.color
		l.Width = vg.Points(1.5)
		s.p.Add(l)
		s.p.Legend.Add(s.name, l)
	}
	loss.Legend.Top = true
	acc.Legend.Top, acc.Legend.Left = false, false
	const w, h = 10 * vg.Inch, 4 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align([][]*plot.Plot{{loss, acc}}, tiles, dc)
	loss.Draw(canvases[0][0])
	acc.Draw(canvases[0][1])
	if err := atomicfile.Write(out, 0o644, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintln(o.io.Out, out)
	return nil
}
