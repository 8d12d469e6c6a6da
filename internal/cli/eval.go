package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

type evalOptions struct {
	io        IO
	modelPath string
	run       string
	args      dataArgs
	json      bool
	batch     int
	precision string
}

func newCmdEval(io IO) *cobra.Command {
	o := &evalOptions{io: io}
	cmd := &cobra.Command{
		Use:   "eval (--run RUN_DIR | --model FILE (--data PATH | --config FILE))",
		Short: "Evaluate a trained model: loss, accuracy, per-class accuracy, confusion matrix",
		Long: `Evaluate a model file on labelled data. The data is normalized with the
statistics stored in the model file. --run takes the model and the data of a
training run directory; --data takes an MNIST or CIFAR-10 directory, or a
.csv (label column first, see --label-column) or .npz (members x and y) file.`,
		Example: `  nnfc eval --run runs/mnist-swish
  nnfc eval --run runs/mnist-swish --split val --json
  nnfc eval --model runs/mnist-swish/model.safetensors --data data/mnist --split test`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runEval(o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.modelPath, "model", "", "model file (.safetensors)")
	f.StringVar(&o.run, "run", "", "training run directory: its model.safetensors and config.yaml")
	f.StringVar(&o.args.data, "data", "", "data: MNIST/CIFAR-10 directory, .csv or .npz file")
	f.StringVar(&o.args.configPath, "config", "", "take the data from this config's data section")
	f.StringVar(&o.args.split, "split", "test", "split to evaluate: train, val (with --run/--config) or test")
	f.IntVar(&o.args.labelColumn, "label-column", 0, "CSV label column (0-based; -1: last)")
	f.BoolVar(&o.json, "json", false, "print JSON")
	f.IntVar(&o.batch, "batch", 1000, "evaluation batch size")
	f.StringVar(&o.precision, "precision", "", "compute in float32, float64 or bfloat16 (float32 with bf16 GEMM inputs; default: the precision the model was saved in)")
	return cmd
}

func runEval(o *evalOptions) error {
	if o.run != "" {
		o.args.fromRun(o.run, &o.modelPath)
	}
	if o.modelPath == "" {
		return usageError{errors.New("eval: --model FILE or --run RUN_DIR is required")}
	}
	if (o.args.data == "") == (o.args.configPath == "") {
		return usageError{errors.New("eval: give exactly one of --data PATH or --config FILE (or --run RUN_DIR)")}
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
		return evalWith[float64](o, f)
	}
	return evalWith[float32](o, f)
}

// evalWith evaluates the model file f in precision T.
func evalWith[T layers.Float](o *evalOptions, f *model.File) error {
	net, norm, err := model.LoadFile[T](f)
	if err != nil {
		return err
	}
	o.args.classes = net.Spec.Classes
	o.args.fitted = fittedOf(norm)
	o.args.notes = o.io.ErrOut
	ds, err := o.args.load()
	if err != nil {
		return err
	}
	ae := net.Spec.IsAutoencoder()
	if err := prepare(ds, net.Spec, norm, o.modelPath, !ae); err != nil {
		return err
	}
	ev := (&train.Evaluator[T]{Net: net, Batch: o.batch}).Evaluate(ds, nil, true)
	if o.json {
		out := struct {
			Model string `json:"model"`
			Data  string `json:"data"`
			train.Eval
			LossWithReg float64 `json:"loss_with_reg"`
		}{o.modelPath, ds.Name, ev, ev.Loss + ev.RegLoss}
		enc := json.NewEncoder(o.io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := o.io.Out
	var zero T
	fmt.Fprintf(w, "model     %s (%s, %T)\n", o.modelPath, net.Spec, zero)
	fmt.Fprintf(w, "data      %s (%d samples)\n", ds.Name, ev.N)
	fmt.Fprintf(w, "loss      %.6f (data), %.6f (with L2 term %.6f)\n", ev.Loss, ev.Loss+ev.RegLoss, ev.RegLoss)
	if ae {
		// The loss is the mean of ½‖r − x‖² per sample; the MSE is per
		// input entry, in the normalized units the model sees.
		fmt.Fprintf(w, "reconstruction MSE  %.6f per entry (mean of (r − x)² over %d samples × %d inputs, normalized units)\n", ev.MSE, ev.N, ds.D)
		return nil
	}
	fmt.Fprintf(w, "accuracy  %.2f%%\n\n", 100*ev.Accuracy)
	// Class names from the model's data (a table's target values), else
	// the class index.
	names := source.FittedClassNames(fittedOf(norm))
	name := func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return strconv.Itoa(i)
	}
	wn, wc := len("class"), 5
	for i := range ev.Confusion {
		wn, wc = max(wn, len(name(i))), max(wc, len(name(i)))
	}
	head := make([]string, len(ev.Confusion))
	for j := range head {
		head[j] = fmt.Sprintf("%*s", wc, name(j))
	}
	fmt.Fprintln(w, "confusion: rows are the true class, columns the predicted one")
	fmt.Fprintf(w, "%-*s  accuracy  %s\n", wn, "class", strings.Join(head, " "))
	for i, row := range ev.Confusion {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = fmt.Sprintf("%*d", wc, v)
		}
		fmt.Fprintf(w, "%-*s  %7.2f%%  %s\n", wn, name(i), 100*ev.PerClass[i], strings.Join(cells, " "))
	}
	return nil
}

// prepare checks that ds fits the model and normalizes it with the
// model's statistics.
func prepare(ds *data.Dataset, spec model.Spec, norm *data.Normalizer, modelPath string, labelled bool) error {
	if ds.D != spec.InputDim {
		return fmt.Errorf("%s has %d features per sample, but the model %s expects %d", ds.Name, ds.D, modelPath, spec.InputDim)
	}
	if labelled && ds.Classes > spec.Classes {
		return fmt.Errorf("%s has labels up to %d, but the model %s has %d classes", ds.Name, ds.Classes-1, modelPath, spec.Classes)
	}
	if norm != nil {
		return norm.Apply(ds)
	}
	return nil
}

// bfloat16For turns the oneDNN backend's bfloat16 mode on when eval or
// predict computes in bfloat16 (float32 with bf16 GEMM inputs), and
// returns what turns it off again; other precisions leave it off.
func bfloat16For(prec string) (func(), error) {
	if prec != "bfloat16" {
		return func() {}, nil
	}
	if _, err := blasbackend.SetBFloat16(true); err != nil {
		return nil, fmt.Errorf("--precision: %w", err)
	}
	return func() { blasbackend.SetBFloat16(false) }, nil
}

// openModel reads a model file for eval and predict, naming the --model
// flag when the file is missing, and resolves the precision to compute
// in: the --precision flag, else the file's own.
func openModel(path, precision string) (*model.File, string, error) {
	switch precision {
	case "", "float32", "float64", "bfloat16":
	default:
		return nil, "", usageError{fmt.Errorf("--precision: must be float32, float64 or bfloat16, got %q", precision)}
	}
	f, err := model.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("--model %s: no such file", path)
	}
	if err != nil {
		return nil, "", err
	}
	if precision == "" {
		precision = f.Precision()
	}
	return f, precision, nil
}

// loadModel reads a model file for eval and predict, naming the --model
// flag when the file is missing.
func loadModel(path string) (*model.Net[float32], *data.Normalizer, error) {
	net, norm, err := model.Load[float32](path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("--model %s: no such file", path)
	}
	return net, norm, err
}
