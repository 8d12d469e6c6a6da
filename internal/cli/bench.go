package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/bench"
	"github.com/nnfc/nnfc/pkg/optim"
)

type benchOptions struct {
	IO IO
	bench.Options
	Scaling       bool
	Rounds, Steps int
}

func newCmdBench(io IO, runF func(*benchOptions) error) *cobra.Command {
	o := &benchOptions{IO: io, Options: bench.Defaults()}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure training and evaluation throughput against the peer scripts",
		Long: `Train the peers' benchmark network (784-512-10, softmax, plain SGD lr 0.1,
batch 128; --rule picks another update rule) on synthetic MNIST-shaped data (60000×784 uniform [0,1), labels
from a fixed random linear teacher) and print one JSON line per epoch and a
final "SUMMARY {json}" line in the field names of ../shared/bench/torch_mlp.py
and numpy_mlp.py, plus the GEMM-only bound of one step measured in the same
process (gemm_bound_samples_per_s_median) and fraction_of_gemm_bound.

The global --threads sets the BLAS thread count (0: the backend's default).
FLOPs per training sample: 1,636,352 (forward 813,056, backward 823,296).

With --scaling (oneDNN or OpenBLAS backend) it instead measures, in one process,
training steps and the GEMMs alone at 1 and at 2 BLAS threads in
interleaved blocks (--rounds rounds of --steps steps per block), and prints
"SCALING {json}": the median samples/s of each, the median within-round
2-thread/1-thread speedups and the fractions of the GEMM-only bound.

With several comma-separated --rule (e.g. sgd,momentum,adam) it instead
trains one network per rule, from the same initialization, in interleaved
blocks (--rounds rounds of --steps steps per block, the order rotating),
and prints "RULES {json}": each rule's median samples/s by the wall clock
and per CPU second, and its median within-round ratio to the first rule.
Each rule trains at --lr, or when --lr is 0 at its benchmark rate (0.1
sgd, 0.01 momentum and nesterov, 0.001 rmsprop, adam and adamw).

NNFC_BENCH_SAMPLES and NNFC_BENCH_HIDDEN set the synthetic set's size and
the hidden width (60000 and 512), and NNFC_BENCH_GEMM_SECONDS --gemm-seconds'
default, to try the commands in seconds (the help examples' test does);
the figures are then not comparable with the peers'.`,
		Example: `  nnfc bench --threads 1 --precision float32 --act relu --epochs 3
  nnfc bench --threads 2 --precision float64 --act swish
  nnfc bench --threads 2 --rule adam --batch 64 --epochs 2
  nnfc bench --threads 2 --batch 64 --rule sgd,momentum,nesterov,rmsprop,adam,adamw --rounds 20 --steps 50
  nnfc bench --scaling --precision float32 --rounds 30 --steps 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := benchEnv(&o.Options, cmd.Flags().Changed("gemm-seconds")); err != nil {
				return usageError{err}
			}
			for _, r := range strings.Split(o.Rule, ",") {
				one := o.Options
				one.Rule = r
				if err := one.Validate(); err != nil {
					return usageError{err}
				}
			}
			if (o.Scaling || strings.Contains(o.Rule, ",")) && (o.Rounds <= 0 || o.Steps <= 0) {
				return usageError{fmt.Errorf("--rounds and --steps: must be > 0, got %d and %d", o.Rounds, o.Steps)}
			}
			if runF != nil {
				return runF(o)
			}
			return runBench(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Act, "act", o.Act, "hidden activation: relu or swish")
	f.StringVar(&o.Precision, "precision", o.Precision, "float32, float64 or bfloat16 (float32 with bf16 inputs to the large GEMMs; onednn)")
	f.IntVar(&o.Epochs, "epochs", o.Epochs, "timed epochs (the median is reported)")
	f.IntVar(&o.Batch, "batch", o.Batch, "training batch size")
	f.IntVar(&o.EvalBatch, "eval-batch", o.EvalBatch, "evaluation batch size")
	f.StringVar(&o.Rule, "rule", o.Rule, "update rule: "+strings.Join(optim.Rules, ", ")+" (its default hyperparameters); several, comma-separated: their training rates in interleaved blocks (--rounds, --steps), each beside the first")
	f.Float64Var(&o.LR, "lr", o.LR, "learning rate (0: the rule's benchmark rate: 0.1 sgd, 0.01 momentum and nesterov, 0.001 rmsprop, adam and adamw)")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "seed of initialization and shuffling")
	f.Float64Var(&o.GemmSeconds, "gemm-seconds", o.GemmSeconds, "duration of each GEMM-only bound measurement")
	f.BoolVar(&o.Scaling, "scaling", false, "measure the 1→2 thread speedup of training and of the GEMMs alone, interleaved")
	f.IntVar(&o.Rounds, "rounds", 30, "with --scaling or several --rule: rounds of interleaved blocks")
	f.IntVar(&o.Steps, "steps", 20, "with --scaling or several --rule: training steps per block")
	return cmd
}

// benchEnv applies NNFC_BENCH_SAMPLES, NNFC_BENCH_HIDDEN and (unless
// --gemm-seconds was given) NNFC_BENCH_GEMM_SECONDS to o.
func benchEnv(o *bench.Options, gemmFlag bool) error {
	for _, v := range []struct {
		name string
		set  func(string) error
	}{
		{"NNFC_BENCH_SAMPLES", func(s string) (err error) { o.Samples, err = strconv.Atoi(s); return }},
		{"NNFC_BENCH_HIDDEN", func(s string) (err error) { o.Hidden, err = strconv.Atoi(s); return }},
		{"NNFC_BENCH_GEMM_SECONDS", func(s string) (err error) {
			if !gemmFlag {
				o.GemmSeconds, err = strconv.ParseFloat(s, 64)
			}
			return
		}},
	} {
		if s, ok := os.LookupEnv(v.name); ok {
			if err := v.set(s); err != nil {
				return fmt.Errorf("%s: want a number, got %q", v.name, s)
			}
		}
	}
	return nil
}

func runBench(o *benchOptions) error {
	o.Out = o.IO.Out
	if rules := strings.Split(o.Rule, ","); len(rules) > 1 {
		s, err := bench.RunRules(o.Options, rules, o.Rounds, o.Steps)
		if err != nil {
			return err
		}
		return writeJSONLine(o.IO.Out, "RULES ", s)
	}
	if o.Scaling {
		s, err := bench.RunScaling(o.Options, o.Rounds, o.Steps)
		if err != nil {
			return err
		}
		return writeJSONLine(o.IO.Out, "SCALING ", s)
	}
	_, err := bench.Run(o.Options)
	return err
}

func writeJSONLine(w io.Writer, prefix string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s\n", prefix, b)
	return err
}
