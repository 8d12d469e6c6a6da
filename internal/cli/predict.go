package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

type predictOptions struct {
	io        IO
	modelPath string
	input     string
	output    string
	batch     int
}

func newCmdPredict(io IO) *cobra.Command {
	o := &predictOptions{io: io}
	cmd := &cobra.Command{
		Use:   "predict --model FILE --input FILE.csv [--output FILE]",
		Short: "Predict the class and class probabilities of each input row, as CSV",
		Long: `Read feature rows from a CSV file (one sample per row, features only; a
header row is detected), normalize them with the model's stored statistics,
and write one CSV row per sample: row index, predicted class, and the
softmax probability of each class.`,
		Example: `  nnfc predict --model runs/spiral-7/model.safetensors --input points.csv
  nnfc predict --model m.safetensors --input x.csv --output predictions.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runPredict(o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.modelPath, "model", "", "model file (.safetensors)")
	f.StringVar(&o.input, "input", "", "CSV file of feature rows")
	f.StringVar(&o.output, "output", "", "write the CSV here (atomically) instead of stdout")
	f.IntVar(&o.batch, "batch", 1000, "batch size")
	return cmd
}

func runPredict(o *predictOptions) error {
	if o.modelPath == "" || o.input == "" {
		return usageError{errors.New("predict: --model FILE and --input FILE are required")}
	}
	if o.batch <= 0 {
		return usageError{fmt.Errorf("--batch: must be > 0, got %d", o.batch)}
	}
	net, norm, err := loadModel(o.modelPath)
	if err != nil {
		return err
	}
	if net.Spec.IsAutoencoder() {
		return fmt.Errorf("--model %s: an autoencoder predicts no classes; use nnfc eval for its reconstruction error, nnfc embed --layer code for its codes", o.modelPath)
	}
	ds, err := data.ReadCSV(o.input, data.CSVOptions{LabelColumn: data.NoLabel})
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--input %s: no such file", o.input)
	}
	if err != nil {
		return err
	}
	if err := prepare(ds, net.Spec, norm, o.modelPath, false); err != nil {
		return err
	}
	write := func(w io.Writer) error { return writePredictions(w, net, ds, o.batch) }
	if o.output != "" {
		return atomicfile.Write(o.output, 0o644, write)
	}
	bw := bufio.NewWriter(o.io.Out)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}

func writePredictions(w io.Writer, net *model.Net[float32], ds *data.Dataset, batch int) error {
	c := net.Spec.Classes
	head := []byte("row,class")
	for j := 0; j < c; j++ {
		head = append(head, ",p"+strconv.Itoa(j)...)
	}
	if _, err := w.Write(append(head, '\n')); err != nil {
		return err
	}
	net.SetTraining(false)
	x := &layers.Matrix[float32]{}
	probs := &layers.Matrix[float32]{}
	pred := make([]int32, batch)
	var line []byte
	for lo := 0; lo < ds.N; lo += batch {
		hi := min(lo+batch, ds.N)
		*x = layers.Matrix[float32]{Rows: hi - lo, Cols: ds.D, Data: ds.X[lo*ds.D : hi*ds.D]}
		scores := net.Scores(x)
		probs.Resize(scores.Rows, scores.Cols)
		layers.Softmax(scores, probs)
		model.Predict(scores, pred)
		for i := 0; i < scores.Rows; i++ {
			line = strconv.AppendInt(line[:0], int64(lo+i), 10)
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(pred[i]), 10)
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
