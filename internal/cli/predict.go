package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

type predictOptions struct {
	io        IO
	modelPath string
	inputs    []string
	invert    bool
	output    string
	batch     int
	precision string
}

func newCmdPredict(io IO) *cobra.Command {
	o := &predictOptions{io: io}
	cmd := &cobra.Command{
		Use:   "predict --model FILE --input FILE [--input FILE ...] [--output FILE]",
		Short: "Predict the class and class probabilities of each input sample, as CSV",
		Long: `Read samples, normalize them with the model's stored statistics, and write
one CSV row per sample: row index, predicted class, and the softmax
probability of each class. Rows are numbered from 0 across the inputs, in
the order given. The kind of each input is recognized from its contents:

  CSV         one sample per row, features only (a header row is detected)
  IDX         an IDX image file (magic 0x00000803, as MNIST's
              t10k-images-idx3-ubyte, gzipped or not): one sample per image
  PNG, JPEG   one sample per file: converted to grayscale (transparent
              pixels over white), resized (stretched) to the model's input
              when that is a square image (784 = 28×28), 0..255 like MNIST's
              pixels before normalization

MNIST digits are white on black: a dark digit on white paper needs
--invert.`,
		Example: `  nnfc predict --model runs/spiral-7/model.safetensors --input points.csv
  nnfc predict --model runs/mnist-swish/model.safetensors --input data/mnist/t10k-images-idx3-ubyte.gz --output predictions.csv
  nnfc predict --model runs/mnist-swish/model.safetensors --input digit.png --input seven.jpg --invert`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runPredict(o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.modelPath, "model", "", "model file (.safetensors)")
	f.StringArrayVar(&o.inputs, "input", nil, "CSV, IDX, PNG or JPEG file (repeat for several)")
	f.BoolVar(&o.invert, "invert", false, "images: map each gray level v to 255−v (dark ink on light paper → MNIST's white on black)")
	f.StringVar(&o.output, "output", "", "write the CSV here (atomically) instead of stdout")
	f.IntVar(&o.batch, "batch", 1000, "batch size")
	f.StringVar(&o.precision, "precision", "", "compute in float32, float64 or bfloat16 (float32 with bf16 GEMM inputs; default: the precision the model was saved in)")
	return cmd
}

func runPredict(o *predictOptions) error {
	if o.modelPath == "" || len(o.inputs) == 0 {
		return usageError{errors.New("predict: --model FILE and --input FILE are required")}
	}
	if o.batch <= 0 {
		return usageError{fmt.Errorf("--batch: must be > 0, got %d", o.batch)}
	}
	f, prec, err := openModel(o.modelPath, o.precision)
	if err != nil {
		return err
	}
	off, err := bfloat16For(prec)
	if err != nil {
		return err
	}
	defer off()
	if prec == "float64" {
		return predictWith[float64](o, f)
	}
	return predictWith[float32](o, f)
}

// predictWith predicts with the model file f in precision T.
func predictWith[T layers.Float](o *predictOptions, f *model.File) error {
	net, norm, err := model.LoadFile[T](f)
	if err != nil {
		return err
	}
	if net.Spec.IsAutoencoder() {
		return fmt.Errorf("--model %s: an autoencoder predicts no classes; use nnfc eval for its reconstruction error, nnfc embed --layer code for its codes", o.modelPath)
	}
	var all *data.Dataset
	for _, in := range o.inputs {
		ds, err := source.ReadInput(in, source.InputOptions{Dim: net.Spec.InputDim, Invert: o.invert, Fitted: fittedOf(norm), Notes: o.io.ErrOut})
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("--input %s: no such file", in)
		}
		if err != nil {
			return err
		}
		if ds.D != net.Spec.InputDim {
			return fmt.Errorf("%s has %d features per sample, but the model %s expects %d", ds.Name, ds.D, o.modelPath, net.Spec.InputDim)
		}
		if all == nil {
			all = ds
			continue
		}
		all.X = append(all.X, ds.X...)
		all.N += ds.N
	}
	if err := prepare(all, net.Spec, norm, o.modelPath, false); err != nil {
		return err
	}
	names := source.FittedClassNames(fittedOf(norm))
	write := func(w io.Writer) error { return writePredictions(w, net, all, o.batch, names) }
	if o.output != "" {
		return atomicfile.Write(o.output, 0o644, write)
	}
	bw := bufio.NewWriter(o.io.Out)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// writePredictions writes one CSV line per row: the row number, the
// predicted class and each class's probability. With names (a table's
// classes) the class is its name and the probability columns are
// p_NAME; else the index and p0, p1, ...
func writePredictions[T layers.Float](w io.Writer, net *model.Net[T], ds *data.Dataset, batch int, names []string) error {
	c := net.Spec.Classes
	if len(names) != c {
		names = nil
	}
	head := []byte("row,class")
	for j := 0; j < c; j++ {
		if names != nil {
			head = append(head, ',')
			head = appendCSVField(head, "p_"+names[j])
			continue
		}
		head = append(head, ",p"+strconv.Itoa(j)...)
	}
	if _, err := w.Write(append(head, '\n')); err != nil {
		return err
	}
	net.SetTraining(false)
	x := &layers.Matrix[T]{}
	probs := &layers.Matrix[T]{}
	batch = min(batch, ds.N)
	pred := make([]int32, batch)
	idx := make([]int, 0, batch)
	y := make([]int32, batch)
	var line []byte
	for lo := 0; lo < ds.N; lo += batch {
		hi := min(lo+batch, ds.N)
		if rows, ok := any(ds.X).([]T); ok {
			*x = layers.Matrix[T]{Rows: hi - lo, Cols: ds.D, Data: rows[lo*ds.D : hi*ds.D]}
		} else {
			idx = idx[:0]
			for i := lo; i < hi; i++ {
				idx = append(idx, i)
			}
			x.Resize(hi-lo, ds.D)
			data.Gather(ds, idx, x.Data, y[:hi-lo])
		}
		scores := net.Scores(x)
		probs.Resize(scores.Rows, scores.Cols)
		layers.Softmax(scores, probs)
		model.Predict(scores, pred)
		for i := 0; i < scores.Rows; i++ {
			line = strconv.AppendInt(line[:0], int64(lo+i), 10)
			line = append(line, ',')
			if names != nil {
				line = appendCSVField(line, names[pred[i]])
			} else {
				line = strconv.AppendInt(line, int64(pred[i]), 10)
			}
			for _, p := range probs.Row(i) {
				line = append(line, ',')
				line = strconv.AppendFloat(line, float64(p), 'g', 6, 32)
			}
			if _, err := w.Write(append(line, '\n')); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendCSVField appends s as one CSV field, quoted when it holds a
// comma, a quote or a line break (RFC 4180).
func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	return append(append(b, '"'), strings.ReplaceAll(s, `"`, `""`)+`"`...)
}
