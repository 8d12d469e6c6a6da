package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/onnx"
)

type importOptions struct {
	io     IO
	onnx   string
	output string
	force  bool
}

func newCmdImport(io IO, runF func(*importOptions) error) *cobra.Command {
	o := &importOptions{io: io}
	cmd := &cobra.Command{
		Use:   "import --onnx FILE.onnx [--output FILE.safetensors]",
		Short: "Import a plain MLP from ONNX (as PyTorch exports nn.Sequential) as an nnfc model file",
		Long: `Read an ONNX file holding a plain multi-layer perceptron, as
torch.onnx.export writes nn.Sequential(Linear, act, Linear, act, ..., Linear):
Gemm nodes with one activation after each but the last (Relu, LeakyRelu,
Sigmoid, Tanh, or SiLU as Sigmoid and Mul), optionally a final Softmax or
LogSoftmax. It becomes an nnfc classifier model file in the precision of the
ONNX weights, without a normalizer (the model takes its inputs as the ONNX
graph did), which nnfc eval, predict, export and train's init_from accept.
Anything else is refused with one line naming the node.`,
		Example: `  nnfc import --onnx mlp.onnx                          # mlp.safetensors
  nnfc import --onnx mlp.onnx --output runs/mlp/model.safetensors`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runImport(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.onnx, "onnx", "", "the ONNX file to read")
	f.StringVar(&o.output, "output", "", "the model file to write (default: the ONNX file with the extension .safetensors)")
	f.BoolVar(&o.force, "force", false, "replace an existing output file")
	return cmd
}

func runImport(o *importOptions) error {
	if o.onnx == "" {
		return usageError{errors.New("import: --onnx FILE is required")}
	}
	out := o.output
	if out == "" {
		out = strings.TrimSuffix(o.onnx, filepath.Ext(o.onnx)) + ".safetensors"
	}
	if filepath.Clean(out) == filepath.Clean(o.onnx) {
		return usageError{fmt.Errorf("--output %s: is the ONNX file itself", out)}
	}
	if _, err := os.Stat(out); err == nil && !o.force {
		return fmt.Errorf("--output %s: exists (--force replaces it)", out)
	}
	imp, err := onnx.ImportFile(o.onnx)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--onnx %s: no such file", o.onnx)
	}
	if err != nil {
		return err
	}
	// The help's runs/mlp/model.safetensors makes a run directory of it:
	// create the directory, as nnfc train does.
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("--output %s: %v", out, err)
	}
	if err := imp.Save(out); err != nil {
		return err
	}
	fmt.Fprintf(o.io.ErrOut, "wrote %s (%s, %s)\n", out, imp.Spec, imp.Precision)
	return nil
}
