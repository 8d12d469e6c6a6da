package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/embed"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Point limits of nnfc embed: one GP-LVM iteration factorizes an N×N
// kernel matrix (O(N³)); PCA and the 1-NN error are cheaper (O(N·D²),
// O(N²)).
const (
	maxPointsGPLVM = 5000
	maxPointsPCA   = 20000
)

type embedOptions struct {
	IO        IO
	ModelPath string
	Run       string
	Data      dataArgs
	Layer     string
	Methods   []string
	Kernel    string
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

For each method it writes <layer>-<method>.csv (row,label,x,y),
<layer>-<method>.png (scatter coloured by class) and <layer>-<method>.json
(method, layer, points, explained_variance or loglik_init/loglik_final,
knn1_error): into RUN_DIR/embed/ with --run, else at --out PREFIX
(PREFIX + "h1-pca.csv"; end PREFIX with / for a directory). The 1-NN
error is the leave-one-out 1-nearest-neighbour classification error in
the 2-D layout: lower means the classes are better separated.

--max-points (default 1000) subsamples the split (seeded by --seed):
every GP-LVM iteration factorizes an N×N matrix, O(N³) time and O(N²)
memory, so 1000 points take seconds per iteration and 5000 (the limit)
minutes. Both methods embed the same points.`,
		Example: `  nnfc embed --run runs/spiral-7
  nnfc embed --run runs/mnist-swish --layer h1 --method gplvm --kernel rbf
  nnfc embed --run runs/spiral-7 --layer input --method pca
  nnfc embed --model m.safetensors --data data/mnist --split test --out plots/mnist-`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	f.IntVar(&o.MaxPoints, "max-points", 1000, fmt.Sprintf("embed at most this many points, a seeded random subsample (GP-LVM costs O(N³) per iteration; at most %d with gplvm, %d with pca)", maxPointsGPLVM, maxPointsPCA))
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
			o.Out = filepath.Join(o.Run, "embed") + string(filepath.Separator)
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
	limit := maxPointsPCA
	if gplvm {
		limit = maxPointsGPLVM
	}
	if o.MaxPoints < 3 || o.MaxPoints > limit {
		why := ""
		if gplvm {
			why = " (GP-LVM costs O(N³) time and O(N²) memory per iteration)"
		}
		return usageError{fmt.Errorf("--max-points: must be in 3..%d%s, got %d", limit, why, o.MaxPoints)}
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
	rows := make([]int, ds.N)
	for i := range rows {
		rows[i] = i
	}
	if ds.N > o.MaxPoints {
		rows = rand.New(rand.NewPCG(o.Seed, 0x656d626564)).Perm(ds.N)[:o.MaxPoints]
		slices.Sort(rows)
		fmt.Fprintf(o.IO.ErrOut, "embed: %d of %d points of %s (--max-points %d)\n", len(rows), ds.N, ds.Name, o.MaxPoints)
	}
	if len(rows) < 3 {
		return fmt.Errorf("%s: %d points; embedding needs at least 3", ds.Name, len(rows))
	}
	y, labels := layerActivations(net, ds, rows, k, o.Batch)
	_, dim := y.Dims()
	full := embed.KNN1Error(y, labels)
	fmt.Fprintf(o.IO.Out, "%s: layer %s (%d-d), %d points of %s; 1-NN error in the full %d-d space %.2f%%\n",
		o.ModelPath, layerName, dim, len(rows), ds.Name, dim, 100*full)
	for _, m := range o.Methods {
		r := embedResult{Method: m, Layer: layerName, Dims: dim, Points: len(rows), Model: o.ModelPath, Data: ds.Name,
			Split: o.Data.split, KNN1ErrorFull: full}
		var xy *mat.Dense
		var xlab, ylab string
		switch m {
		case "pca":
			var ev []float64
			if xy, ev, err = embed.PCA(y, 2); err != nil {
				return fmt.Errorf("%s: layer %s: %v", o.ModelPath, layerName, err)
			}
			r.ExplainedVariance = ev
			xlab = fmt.Sprintf("principal component 1 (%.1f%% of the variance)", 100*ev[0])
			ylab = fmt.Sprintf("principal component 2 (%.1f%% of the variance)", 100*ev[1])
		case "gplvm":
			yc := embed.Center(y)
			g := &embed.GPLVM{Y: yc, Q: 2, Kernel: o.Kernel}
			fit, err := g.Optimize(embed.Options{MaxIter: o.Iters, Progress: func(it int, l float64) {
				if it == 1 || it%10 == 0 {
					fmt.Fprintf(o.IO.ErrOut, "gplvm: iteration %d  log-likelihood %.6g\n", it, l)
				}
			}})
			if err != nil {
				return fmt.Errorf("%s: layer %s: %v", o.ModelPath, layerName, err)
			}
			why := fit.Status
			if strings.HasPrefix(why, "Failure") {
				// gonum's word for a line search that cannot improve L
				// any more: at the optimum to rounding, as a rule.
				why = "no further progress, gonum/optimize: " + why
			}
			fmt.Fprintf(o.IO.ErrOut, "gplvm: stopped after %d iterations (%s)\n", fit.Iterations, why)
			xy = fit.X
			r.Kernel, r.LogLikInit, r.LogLikFinal = o.Kernel, &fit.LogLikInit, &fit.LogLik
			r.Alpha, r.Beta, r.Iterations, r.Status = fit.Alpha, fit.Beta, fit.Iterations, fit.Status
			if o.Kernel == embed.RBF {
				r.Gamma = fit.Gamma
			}
			if o.Kernel == embed.Linear {
				if cf, err := embed.ClosedFormPPCA(yc, 2); err == nil {
					r.LogLikPPCA = &cf
				}
			}
			xlab, ylab = "latent dimension 1", "latent dimension 2"
		}
		r.KNN1Error = embed.KNN1Error(xy, labels)
		prefix := o.Out + layerName + "-" + m
		if err := writeEmbedding(prefix, r, xy, rows, labels, xlab, ylab); err != nil {
			return err
		}
		line := fmt.Sprintf("%-6s 1-NN error %.2f%%", m, 100*r.KNN1Error)
		if m == "pca" {
			line += fmt.Sprintf("  explained variance %.1f%% + %.1f%%", 100*r.ExplainedVariance[0], 100*r.ExplainedVariance[1])
		} else {
			line += fmt.Sprintf("  log-likelihood %.6g at PCA init → %.6g (%s kernel)", *r.LogLikInit, *r.LogLikFinal, o.Kernel)
			if r.LogLikPPCA != nil {
				line += fmt.Sprintf("; probabilistic PCA's closed form %.6g", *r.LogLikPPCA)
			}
		}
		fmt.Fprintf(o.IO.Out, "%s\n       %s.{csv,png,json}\n", line, prefix)
	}
	return nil
}

// embedResult is the <layer>-<method>.json file.
type embedResult struct {
	Method            string    `json:"method"`
	Layer             string    `json:"layer"`
	Dims              int       `json:"dims"` // of the layer
	Points            int       `json:"points"`
	Model             string    `json:"model"`
	Data              string    `json:"data"`
	Split             string    `json:"split"`
	ExplainedVariance []float64 `json:"explained_variance,omitempty"` // pca: fraction per component
	Kernel            string    `json:"kernel,omitempty"`
	LogLikInit        *float64  `json:"loglik_init,omitempty"`  // gplvm, at the PCA initialization
	LogLikFinal       *float64  `json:"loglik_final,omitempty"` // gplvm, at the optimum
	LogLikPPCA        *float64  `json:"loglik_ppca_closed_form,omitempty"`
	Alpha             float64   `json:"alpha,omitempty"`
	Beta              float64   `json:"beta,omitempty"`
	Gamma             float64   `json:"gamma,omitempty"`
	Iterations        int       `json:"iterations,omitempty"`
	Status            string    `json:"status,omitempty"`
	KNN1Error         float64   `json:"knn1_error"`      // leave-one-out, in the 2-D embedding
	KNN1ErrorFull     float64   `json:"knn1_error_full"` // the same in the layer's own space
}

// layerActivations runs the network over the rows of ds in batches and
// returns layer k's outputs (float64, one row per point) and the labels.
func layerActivations(net interface {
	SetTraining(bool)
	LayerOutput(*layers.Matrix[float32], int) *layers.Matrix[float32]
}, ds *data.Dataset, rows []int, k, batch int) (*mat.Dense, []int32) {
	net.SetTraining(false)
	labels := make([]int32, len(rows))
	var y *mat.Dense
	x := &layers.Matrix[float32]{}
	for lo := 0; lo < len(rows); lo += batch {
		idx := rows[lo:min(lo+batch, len(rows))]
		x.Resize(len(idx), ds.D)
		data.Gather(ds, idx, x.Data, labels[lo:lo+len(idx)])
		h := net.LayerOutput(x, k)
		if y == nil {
			y = mat.NewDense(len(rows), h.Cols, nil)
		}
		for i := range h.Rows {
			for j, v := range h.Row(i) {
				y.Set(lo+i, j, float64(v))
			}
		}
	}
	return y, labels
}

// writeEmbedding writes prefix.csv, prefix.png and prefix.json, each
// atomically.
func writeEmbedding(prefix string, r embedResult, xy *mat.Dense, rows []int, labels []int32, xlab, ylab string) error {
	if dir := filepath.Dir(prefix + "x"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--out: %v", err)
		}
	}
	if err := atomicfile.Write(prefix+".csv", 0o644, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"row", "label", "x", "y"})
		for i, row := range rows {
			_ = cw.Write([]string{strconv.Itoa(row), strconv.Itoa(int(labels[i])),
				strconv.FormatFloat(xy.At(i, 0), 'g', -1, 64), strconv.FormatFloat(xy.At(i, 1), 'g', -1, 64)})
		}
		cw.Flush()
		return cw.Error()
	}); err != nil {
		return err
	}
	name := map[string]string{"pca": "PCA", "gplvm": "GP-LVM (" + r.Kernel + " kernel)"}[r.Method]
	title := fmt.Sprintf("%s of layer %s (%d-d), %d points of %s\n1-NN error %.1f%% (in the %d-d layer: %.1f%%)",
		name, r.Layer, r.Dims, r.Points, r.Data, 100*r.KNN1Error, r.Dims, 100*r.KNN1ErrorFull)
	if err := atomicfile.Write(prefix+".png", 0o644, func(w io.Writer) error {
		return embed.WriteScatter(w, xy, labels, embed.ScatterOptions{Title: title, XLabel: xlab, YLabel: ylab})
	}); err != nil {
		return err
	}
	return atomicfile.Write(prefix+".json", 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
}
