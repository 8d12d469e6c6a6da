package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/embedrun"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/embed"
)

type embedOptions struct {
	IO        IO
	ModelPath string
	Run       string
	Data      dataArgs
	Layer     string
	Methods   []string
	Kernel    string
	Precision string
	MaxPoints int
	Iters     int
	Seed      uint64
	Out       string
	Batch     int
}

func newCmdEmbed(io IO, runF func(*embedOptions) error) *cobra.Command {
	o := &embedOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "embed (--run RUN_DIR | --model FILE (--data PATH | --config FILE) --out PREFIX)",
		Short: "Lay a layer's activations out in 2-D (PCA, GP-LVM): CSV, scatter PNG, 1-NN error",
		Long: `Run a trained model over a data split, take the activations of one layer
(--layer: input, h1, h2, ..., scores, or their numbers 0, 1, ...; default
the last hidden layer) and embed them in two dimensions with

  pca    the top two principal components (explained variance reported);
  gplvm  the GP-LVM of Lawrence (2004): latent X maximizing
         L = −(D/2)·log|K| − ½·tr(K⁻¹YYᵀ), K = αXXᵀ + β⁻¹I (--kernel linear)
         or K_ij = α·exp(−γ/2·‖x_i−x_j‖²) + β⁻¹δ_ij (--kernel rbf), with α, β
         (and γ) learned too, by L-BFGS from the PCA initialization. With the
         linear kernel its maximum is probabilistic PCA's (Tipping & Bishop),
         printed beside it.

For each method it writes <name>.csv (row,label,x,y), <name>.png
(scatter coloured by class) and <name>.json (method, layer, points,
explained_variance or loglik_init/loglik_final, knn1_error), where
<name> is <layer>-<method> (h1-pca, h1-gplvm) and, for the RBF kernel,
rbf-<layer>-gplvm, so one kernel's files never replace the other's:
into RUN_DIR/embed/ with --run, else at --out PREFIX (PREFIX +
"h1-pca.csv"; end PREFIX with / for a directory). The 1-NN
error is the leave-one-out 1-nearest-neighbour classification error in
the 2-D layout: lower means the classes are better separated.

--max-points (default 1000) subsamples the split (seeded by --seed):
every GP-LVM iteration factorizes an N×N matrix, O(N³) time and O(N²)
memory. How long a run takes: at 1000 points of a 512-wide layer one
evaluation of L and its gradient is about 2.5 GFLOP of OpenBLAS calls
(Cholesky, inverse, two symmetric products), and an L-BFGS iteration
makes about one (stderr counts them). On a quiet 2-vCPU AMD EPYC one
evaluation takes 76-77 ms on one thread and 43-48 ms on two; shared
(load average 15-23), one thread took about 1.2 s of CPU to set up and
78-81 ms of CPU per iteration, so the default --iters 1000 with the RBF
kernel on MNIST took 78 s of CPU on one thread (7 minutes of wall
time on that busy machine; two threads spent 128 s of CPU there, 11
minutes); the linear kernel converges in under 50 iterations. --gplvm-precision mixed runs
the gradient's two N×D products in float32 (L stays float64): 61-66 ms
of CPU per iteration there, but a long climb takes another path (MNIST:
L 366,459 against float64's 365,252), so float64 is the default. The
factorizations grow as N³: 5000 points (the limit) cost up to 125 times
as much per iteration. Both methods embed the same points.

NNFC_EMBED_MAX_POINTS and NNFC_EMBED_ITERS set the defaults of
--max-points and --iters (the flags win), e.g. to try the examples in
seconds (the help examples' test does).`,
		Example: `  nnfc embed --run runs/spiral-7
  nnfc embed --run runs/mnist-swish --layer h1 --method gplvm --kernel rbf
  nnfc embed --run runs/spiral-7 --layer input --method pca
  nnfc embed --model runs/mnist-swish/model.safetensors --data data/mnist --split test --out plots/mnist-`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := envDefaults(cmd, map[string]string{"max-points": "NNFC_EMBED_MAX_POINTS", "iters": "NNFC_EMBED_ITERS"}); err != nil {
				return err
			}
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runEmbed(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ModelPath, "model", "", "model file (.safetensors)")
	f.StringVar(&o.Run, "run", "", "training run directory: its model, its data, and RUN_DIR/embed/ for the output")
	o.Data.bindFlags(f, "embed")
	f.StringVar(&o.Layer, "layer", "", "layer: input, h1, h2, ..., scores, or its number (default: the last hidden layer)")
	f.StringSliceVar(&o.Methods, "method", []string{"pca", "gplvm"}, "embedding methods: pca, gplvm (comma-separated)")
	f.StringVar(&o.Kernel, "kernel", embed.Linear, "GP-LVM kernel: linear or rbf")
	f.StringVar(&o.Precision, "gplvm-precision", embed.Float64, "GP-LVM arithmetic: float64, or mixed (the gradient's two N×D products in float32; L, K's Cholesky and K⁻¹ in float64)")
	f.IntVar(&o.MaxPoints, "max-points", 1000, fmt.Sprintf("embed at most this many points, a seeded random subsample (GP-LVM costs O(N³) per iteration; at most %d with gplvm, %d with pca)", embedrun.MaxPointsGPLVM, embedrun.MaxPointsPCA))
	f.IntVar(&o.Iters, "iters", 1000, "GP-LVM: maximum L-BFGS iterations")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the subsample")
	f.StringVar(&o.Out, "out", "", "output prefix (default RUN_DIR/embed/ with --run)")
	f.IntVar(&o.Batch, "batch", 1000, "forward-pass batch size")
	return cmd
}

// check validates the flags and fills in what --run implies.
func (o *embedOptions) check() error {
	if o.Run != "" {
		o.Data.fromRun(o.Run, &o.ModelPath)
		if o.Out == "" {
			o.Out = filepath.Join(o.Run, rundir.EmbedDir) + string(filepath.Separator)
		}
	}
	if o.ModelPath == "" {
		return usageError{errors.New("embed: --model FILE or --run RUN_DIR is required")}
	}
	if (o.Data.data == "") == (o.Data.configPath == "") {
		return usageError{errors.New("embed: give exactly one of --data PATH or --config FILE (or --run RUN_DIR)")}
	}
	if o.Out == "" {
		return usageError{errors.New("embed: --out PREFIX is required with --model (or use --run RUN_DIR)")}
	}
	gplvm := false
	for _, m := range o.Methods {
		switch m {
		case "pca":
		case "gplvm":
			gplvm = true
		default:
			return usageError{fmt.Errorf("--method: unknown %q, want pca or gplvm", m)}
		}
	}
	if !slices.Contains(embed.Kernels, o.Kernel) {
		return usageError{fmt.Errorf("--kernel: unknown %q, want linear or rbf", o.Kernel)}
	}
	limit := embedrun.MaxPointsPCA
	if gplvm {
		limit = embedrun.MaxPointsGPLVM
	}
	if o.MaxPoints < 3 || o.MaxPoints > limit {
		why := ""
		if gplvm {
			why = " (GP-LVM costs O(N³) time and O(N²) memory per iteration)"
		}
		return usageError{fmt.Errorf("--max-points: must be in 3..%d%s, got %d", limit, why, o.MaxPoints)}
	}
	if !slices.Contains(embed.Precisions, o.Precision) {
		return usageError{fmt.Errorf("--gplvm-precision: unknown %q, want float64 or mixed", o.Precision)}
	}
	if o.Iters <= 0 || o.Batch <= 0 {
		return usageError{fmt.Errorf("--iters and --batch: must be > 0, got %d and %d", o.Iters, o.Batch)}
	}
	return o.Data.check()
}

func runEmbed(o *embedOptions) error {
	gplvm := slices.Contains(o.Methods, "gplvm")
	m, err := openModel(o.ModelPath, o.Run, "float32")
	if err != nil {
		return err
	}
	defer m.Close()
	net := m.Net32()
	k, err := net.Spec.LayerIndex(o.Layer)
	if err != nil {
		return usageError{fmt.Errorf("--layer %s", strings.TrimPrefix(err.Error(), "layer "))}
	}
	layerName := net.Spec.LayerNames()[k]
	if dim := net.Spec.Dims()[k]; gplvm && dim <= 2 {
		return usageError{fmt.Errorf("--method gplvm: layer %s has %d dimensions; a 2-D GP-LVM needs more than 2 (its likelihood is unbounded): use --method pca", layerName, dim)}
	}
	o.Data.fitted = fittedOf(m.Norm)
	ds, err := o.Data.load()
	if err != nil {
		return err
	}
	if err := m.Prepare(ds, true); err != nil {
		return err
	}
	_, err = embedrun.Run(net, ds, embedrun.Options{Layer: k, LayerName: layerName, Methods: o.Methods, Kernel: o.Kernel, Precision: o.Precision,
		MaxPoints: o.MaxPoints, Seed: o.Seed, Iters: o.Iters, Batch: o.Batch, Prefix: o.Out,
		Model: o.ModelPath, Split: o.Data.split, ClassNames: m.ClassNames, Out: o.IO.Out, Log: o.IO.ErrOut})
	return err
}

// envDefaults sets each flag the command line did not give from its
// environment variable (flag name → variable), when that is set; a bad
// value is a usage error naming the variable.
func envDefaults(cmd *cobra.Command, vars map[string]string) error {
	for flag, name := range vars {
		v, ok := os.LookupEnv(name)
		if !ok || cmd.Flags().Changed(flag) {
			continue
		}
		if err := cmd.Flags().Set(flag, v); err != nil {
			return usageError{fmt.Errorf("%s: %v", name, err)}
		}
	}
	return nil
}
