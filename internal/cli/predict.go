package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/pkg/atomicfile"
	"github.com/nnfc/nnfc/pkg/data"
)

type predictOptions struct {
	IO     IO
	Model  modelArgs
	Inputs []string
	Invert bool
	Output string
}

func newCmdPredict(io IO, runF func(*predictOptions) error) *cobra.Command {
	o := &predictOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "predict --model FILE --input FILE [--input FILE ...] [--output FILE]",
		Short: "Predict the class and class probabilities (or the values) of each input sample, as CSV",
		Long: `Read samples, normalize them with the model's stored statistics, and write
one CSV row per sample: row index, predicted class, and the probability of
each class (a binary model: the class at its stored threshold). A
multilabel model writes the labels at or above its threshold (labels,
';'-joined) and each label's probability (p_<label>). A regression writes
the row index and the predicted value of each target in the data's units,
under the target columns' names (a target column in the input is
ignored). Rows are numbered from 0 across the inputs, in the
order given. The kind of each input is recognized from its contents:

  CSV         one sample per row, features only (a header row is detected)
  IDX         an IDX image file (magic 0x00000803, as MNIST's
              t10k-images-idx3-ubyte, gzipped or not): one sample per image
  PNG, JPEG   one sample per file: converted to grayscale (transparent
              pixels over white), resized (stretched) to the model's input
              when that is a square image (784 = 28×28), 0..255 like MNIST's
              pixels before normalization

MNIST digits are white on black: a dark digit on white paper needs
--invert.`,
		Example: `  nnfc predict --model runs/spiral-7/model.safetensors --input testdata/points.csv
  nnfc predict --model runs/mnist-swish/model.safetensors --input data/mnist/t10k-images-idx3-ubyte.gz --output predictions.csv
  nnfc predict --model runs/mnist-swish/model.safetensors --input testdata/seven.png --invert`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Model.Path == "" || len(o.Inputs) == 0 {
				return usageError{errors.New("predict: --model FILE and --input FILE are required")}
			}
			if err := o.Model.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runPredict(o)
		},
	}
	f := cmd.Flags()
	o.Model.bindFlags(f, "batch size")
	f.StringArrayVar(&o.Inputs, "input", nil, "CSV, IDX, PNG or JPEG file (repeat for several)")
	f.BoolVar(&o.Invert, "invert", false, "images: map each gray level v to 255−v (dark ink on light paper → MNIST's white on black)")
	f.StringVar(&o.Output, "output", "", "write the CSV here (atomically) instead of stdout")
	return cmd
}

func runPredict(o *predictOptions) error {
	m, err := openModel(o.Model.Path, "", o.Model.Precision)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.CanPredict(); err != nil {
		return err
	}
	var all *data.Dataset
	for _, in := range o.Inputs {
		ds, err := source.ReadInput(in, source.InputOptions{Dim: m.Spec.InputDim, Invert: o.Invert, Fitted: fittedOf(m.Norm),
			Float64: m.TypeName() == "float64", Notes: o.IO.ErrOut})
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("--input %s: no such file", in)
		}
		if err != nil {
			return err
		}
		if ds.D != m.Spec.InputDim {
			return m.Prepare(ds, false) // its error names the input and the model
		}
		if source.IsImage(in) {
			if w := m.ImageWarning(ds, o.Invert); w != "" {
				fmt.Fprintln(o.IO.ErrOut, "nnfc: warning:", w)
			}
		}
		if all == nil {
			all = ds
			continue
		}
		all.X = append(all.X, ds.X...)
		if all.X64 != nil && ds.X64 != nil {
			all.X64 = append(all.X64, ds.X64...)
		} else {
			all.X64 = nil // one input without: every row from X
		}
		all.N += ds.N
	}
	if err := m.Prepare(all, false); err != nil {
		return err
	}
	write := func(w io.Writer) error { return m.WriteCSV(w, all, o.Model.Batch) }
	if o.Output != "" {
		if err := atomicfile.Write(o.Output, 0o644, write); err != nil {
			return err
		}
		fmt.Fprintf(o.IO.Out, "wrote %s to %s\n", english.Count(all.N, "row"), o.Output)
		return nil
	}
	bw := bufio.NewWriter(o.IO.Out)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}
