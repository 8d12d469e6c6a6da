package cli

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/internal/train"
)

type evalOptions struct {
	IO    IO
	Model modelArgs
	Run   string
	Data  dataArgs
	JSON  bool
}

func newCmdEval(io IO, runF func(*evalOptions) error) *cobra.Command {
	o := &evalOptions{IO: io}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Run != "" {
				o.Data.fromRun(o.Run, &o.Model.Path)
			}
			if o.Model.Path == "" {
				return usageError{errors.New("eval: --model FILE or --run RUN_DIR is required")}
			}
			if (o.Data.data == "") == (o.Data.configPath == "") {
				return usageError{errors.New("eval: give exactly one of --data PATH or --config FILE (or --run RUN_DIR)")}
			}
			if err := o.Data.check(); err != nil {
				return err
			}
			if err := o.Model.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runEval(o)
		},
	}
	f := cmd.Flags()
	o.Model.bindFlags(f, "evaluation batch size")
	f.StringVar(&o.Run, "run", "", "training run directory: its model.safetensors and config.yaml")
	o.Data.bindFlags(f, "evaluate")
	f.BoolVar(&o.JSON, "json", false, "print JSON")
	return cmd
}

func runEval(o *evalOptions) error {
	m, err := openModel(o.Model.Path, o.Run, o.Model.Precision)
	if err != nil {
		return err
	}
	defer m.Close()
	o.Data.classes = m.Spec.Classes
	o.Data.fitted = fittedOf(m.Norm)
	o.Data.float64 = m.TypeName() == "float64"
	o.Data.notes = o.IO.ErrOut
	ds, err := o.Data.load()
	if err != nil {
		return err
	}
	if err := m.Prepare(ds, true); err != nil {
		return err
	}
	ev := m.Evaluate(ds, o.Model.Batch)
	ev.Classes = m.ClassNames
	if o.JSON {
		out := struct {
			Model string `json:"model"`
			Data  string `json:"data"`
			train.Eval
			LossWithReg float64 `json:"loss_with_reg"`
		}{o.Model.Path, ds.Name, ev, ev.Loss + ev.RegLoss}
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := o.IO.Out
	fmt.Fprintf(w, "model     %s (%s, %s)\n", o.Model.Path, m.Spec, m.TypeName())
	fmt.Fprintf(w, "data      %s (%d samples)\n", ds.Name, ev.N)
	fmt.Fprintf(w, "loss      %.6f (data), %.6f (with L2 term %.6f)\n", ev.Loss, ev.Loss+ev.RegLoss, ev.RegLoss)
	task.Of(m.Spec).WriteEval(w, ev, ds.D)
	return nil
}
