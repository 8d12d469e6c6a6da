package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/onnx"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
)

type exportOptions struct {
	io         IO
	modelPath  string
	run        string
	format     string
	output     string
	precision  string
	classNames string
}

func newCmdExport(io IO, runF func(*exportOptions) error) *cobra.Command {
	o := &exportOptions{io: io}
	cmd := &cobra.Command{
		Use:   "export (--model FILE | --run RUN_DIR) [--output FILE.onnx]",
		Short: "Export a model to ONNX, preprocessing inside, for ONNX Runtime and other runtimes",
		Long: `Write a model as an ONNX file (opset 13, IR version 8) that ONNX Runtime
runs on raw features: the input normalizer is in the graph, so the file
takes what nnfc predict takes (MNIST: pixels 0..255) under the input name
"input", with a dynamic batch dimension.

A model trained on a table (data.source: table) takes one input per
input column instead, named as the column, of shape [N, 1]: numeric
columns as float tensors (NaN for a missing cell), binary and categorical
columns as string tensors; the graph imputes, one-hot encodes (unseen
values to <other>) and standardizes them as the stored schema says. Its
class names are the target's values. The metadata key "nnfc.inputs"
lists the inputs.

A classifier's outputs are "probabilities" (the softmax of the scores),
"label" (the int64 class index) and, when the classes have names
(--class-names, a table's target values, or a --run whose data source
names them, as CIFAR-10's), "class" (the name, by ai.onnx.ml's
LabelEncoder). A tied
autoencoder's are "code" and "reconstruction" (in the input's units).

Batch normalization is folded into the Gemm before it, dropout is left out
(both as at inference), swish is Mul(x, Sigmoid(x)). The graph computes in
the model's precision (--precision to change it). The file's metadata_props
hold nnfc's version and commit, the model's spec, the class names and the
SHA-256 of the model file. The file is written atomically.`,
		Example: `  nnfc export --run runs/mnist-swish                     # runs/mnist-swish/model.onnx
  nnfc export --model runs/mnist-swish/model.safetensors --output mnist.onnx
  nnfc export --run runs/mnist-swish --class-names zero,one,two,three,four,five,six,seven,eight,nine
  nnfc train --config configs/penguins.yaml && nnfc export --run runs/penguins   # inputs island, bill_length_mm, ..., sex, year`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runExport(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.modelPath, "model", "", "model file (.safetensors)")
	f.StringVar(&o.run, "run", "", "training run directory: its model.safetensors")
	f.StringVar(&o.format, "format", "onnx", "output format (onnx)")
	f.StringVar(&o.output, "output", "", "the file to write (default: the model file with the extension .onnx)")
	f.StringVar(&o.precision, "precision", "", "the graph's element type: float32 or float64 (default: the precision the model was saved in)")
	f.StringVar(&o.classNames, "class-names", "", "comma-separated class names, one per class in class order: adds the \"class\" output")
	return cmd
}

func runExport(o *exportOptions) error {
	if (o.modelPath == "") == (o.run == "") {
		return usageError{errors.New("export: give exactly one of --model FILE or --run RUN_DIR")}
	}
	if o.format != "onnx" {
		return usageError{fmt.Errorf("--format: must be onnx, got %q", o.format)}
	}
	if o.precision != "" && o.precision != "float32" && o.precision != "float64" {
		return usageError{fmt.Errorf("--precision: must be float32 or float64, got %q", o.precision)}
	}
	path := o.modelPath
	if o.run != "" {
		st, err := os.Stat(o.run)
		if err != nil || !st.IsDir() {
			return fmt.Errorf("--run %s: no such run directory", o.run)
		}
		path = filepath.Join(o.run, rundir.Model)
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("--run %s: no model.safetensors in it (not a run directory, or no epoch finished yet)", o.run)
		}
	}
	out := o.output
	if out == "" {
		out = strings.TrimSuffix(path, filepath.Ext(path)) + ".onnx"
	}
	if filepath.Clean(out) == filepath.Clean(path) {
		return usageError{fmt.Errorf("--output %s: is the model file itself", out)}
	}
	opts := onnx.Options{Precision: o.precision}
	if o.classNames != "" {
		for _, n := range strings.Split(o.classNames, ",") {
			opts.ClassNames = append(opts.ClassNames, strings.TrimSpace(n))
		}
	} else if o.run != "" {
		names, err := runClassNames(o.run)
		if err != nil {
			return err
		}
		opts.NameClasses = names
	}
	m, err := onnx.ExportFile(path, opts)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--model %s: no such file", path)
	}
	if err != nil {
		return err
	}
	if err := onnx.Write(out, m); err != nil {
		return err
	}
	fmt.Fprintf(o.io.ErrOut, "wrote %s (%s, %s)\n", out, m.GetGraph().GetDocString(), onnx.Metadata(m)[onnx.MetaPrecision])
	return nil
}

// runClassNames names the classes as the run's data source does
// (CIFAR-10's names), nil when the class index is the name or the run has
// no config.yaml.
func runClassNames(run string) (func(int) []string, error) {
	path := filepath.Join(run, rundir.Config)
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	c, err := config.LoadStored(path)
	if err != nil {
		return nil, err
	}
	s, err := source.Lookup(c.Data.Source)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return func(classes int) []string { return s.ClassNames(c.Data, classes) }, nil
}
