// Package embedrun is the work of nnfc embed: take one layer's
// activations of a trained network over a seeded subsample of a data
// split, lay them out in two dimensions with pkg/embed's methods (PCA,
// GP-LVM), and write, for each method, the layout (CSV), its picture
// (internal/plots' scatter, PNG) and its figures (JSON: explained
// variance or log-likelihoods, the 1-NN error).
//
// Outputs are named by layer, method and, for the GP-LVM with a kernel
// other than the linear default, the kernel: PREFIX + "h1-pca",
// "h1-gplvm" (linear), "rbf-h1-gplvm" (RBF), each with .csv, .png and
// .json, so that one kernel's files never replace another's.
package embedrun

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/pkg/atomicfile"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/embed"
	"github.com/nnfc/nnfc/pkg/layers"
)

// Methods are the embedding methods.
var Methods = []string{"pca", "gplvm"}

// Point limits: one GP-LVM iteration factorizes an N×N kernel matrix
// (O(N³)); PCA and the 1-NN error are cheaper (O(N·D²), O(N²)).
const (
	MaxPointsGPLVM = 5000
	MaxPointsPCA   = 20000
)

// Net is what Run needs of a model: its layers' outputs in inference
// mode (*model.Net[float32] is one).
type Net interface {
	SetTraining(bool)
	LayerOutput(*layers.Matrix[float32], int) *layers.Matrix[float32]
}

// Options are nnfc embed's choices, already checked by the command.
type Options struct {
	Layer     int    // the layer's index (model.Spec.LayerIndex)
	LayerName string // its name: input, h1, ..., scores
	Methods   []string
	Kernel    string // the GP-LVM's: embed.Linear or embed.RBF
	Precision string // the GP-LVM's arithmetic: embed.Float64 or embed.Mixed ("": float64)
	MaxPoints int    // a seeded subsample of at most this many points
	Seed      uint64
	Iters     int // GP-LVM: maximum L-BFGS iterations
	Batch     int // forward-pass batch size
	Prefix    string
	// Model and Split are recorded in the JSON and the messages.
	Model, Split string
	// ClassNames name the classes in the pictures' legend (nil: class 0,
	// class 1, ...).
	ClassNames []string
	// Out gets the results (one line per method and the files written),
	// Log the progress.
	Out, Log io.Writer
}

// Name is the file name stem of a method's outputs (without PREFIX).
func Name(layer, method, kernel string) string {
	stem := layer + "-" + method
	if method == "gplvm" && kernel != "" && kernel != embed.Linear {
		stem = kernel + "-" + stem
	}
	return stem
}

// Result is the <name>.json file.
type Result struct {
	Method            string    `json:"method"`
	Layer             string    `json:"layer"`
	Dims              int       `json:"dims"` // of the layer
	Points            int       `json:"points"`
	Model             string    `json:"model"`
	Data              string    `json:"data"`
	Split             string    `json:"split"`
	ExplainedVariance []float64 `json:"explained_variance,omitempty"` // pca: fraction per component
	Kernel            string    `json:"kernel,omitempty"`
	Precision         string    `json:"precision,omitempty"`    // gplvm: float64 or mixed
	LogLikInit        *float64  `json:"loglik_init,omitempty"`  // gplvm, at the PCA initialization
	LogLikFinal       *float64  `json:"loglik_final,omitempty"` // gplvm, at the optimum
	LogLikPPCA        *float64  `json:"loglik_ppca_closed_form,omitempty"`
	Alpha             float64   `json:"alpha,omitempty"`
	Beta              float64   `json:"beta,omitempty"`
	Gamma             float64   `json:"gamma,omitempty"`
	Iterations        int       `json:"iterations,omitempty"`
	Evaluations       int       `json:"evaluations,omitempty"` // gplvm: of L, the initialization's included
	Gradients         int       `json:"gradients,omitempty"`   // gplvm: of those, with ∂L/∂θ too
	Status            string    `json:"status,omitempty"`
	KNN1Error         float64   `json:"knn1_error"`      // leave-one-out, in the 2-D embedding
	KNN1ErrorFull     float64   `json:"knn1_error_full"` // the same in the layer's own space
}

// Run embeds layer o.Layer of net over ds (normalized as the model
// expects) with every method of o and writes their files.
func Run(net Net, ds *data.Dataset, o Options) ([]Result, error) {
	rows := make([]int, ds.N)
	for i := range rows {
		rows[i] = i
	}
	if ds.N > o.MaxPoints {
		rows = rand.New(rand.NewPCG(o.Seed, 0x656d626564)).Perm(ds.N)[:o.MaxPoints]
		slices.Sort(rows)
		fmt.Fprintf(o.Log, "embed: %d of %d points of %s (--max-points %d)\n", len(rows), ds.N, ds.Name, o.MaxPoints)
	}
	if len(rows) < 3 {
		return nil, fmt.Errorf("%s: %d points; embedding needs at least 3", ds.Name, len(rows))
	}
	y, labels := Activations(net, ds, rows, o.Layer, o.Batch)
	_, dim := y.Dims()
	full := embed.KNN1Error(y, labels)
	fmt.Fprintf(o.Out, "%s: layer %s (%d-d), %d points of %s; 1-NN error in the full %d-d space %.2f%%\n",
		o.Model, o.LayerName, dim, len(rows), ds.Name, dim, 100*full)
	var results []Result
	for _, m := range o.Methods {
		r := Result{Method: m, Layer: o.LayerName, Dims: dim, Points: len(rows), Model: o.Model, Data: ds.Name,
			Split: o.Split, KNN1ErrorFull: full}
		xy, xlab, ylab, err := layout(y, m, o, &r)
		if err != nil {
			return nil, fmt.Errorf("%s: layer %s: %v", o.Model, o.LayerName, err)
		}
		r.KNN1Error = embed.KNN1Error(xy, labels)
		prefix := o.Prefix + Name(o.LayerName, m, r.Kernel)
		if err := write(prefix, r, xy, rows, labels, xlab, ylab, o.ClassNames); err != nil {
			return nil, err
		}
		line := fmt.Sprintf("%-6s 1-NN error %.2f%%", m, 100*r.KNN1Error)
		if m == "pca" {
			line += fmt.Sprintf("  explained variance %.1f%% + %.1f%%", 100*r.ExplainedVariance[0], 100*r.ExplainedVariance[1])
		} else {
			line += fmt.Sprintf("  log-likelihood %.6g at PCA init → %.6g (%s kernel)", *r.LogLikInit, *r.LogLikFinal, r.Kernel)
			if r.LogLikPPCA != nil {
				line += fmt.Sprintf("; probabilistic PCA's closed form %.6g", *r.LogLikPPCA)
			}
		}
		fmt.Fprintf(o.Out, "%s\n       %s.{csv,png,json}\n", line, prefix)
		results = append(results, r)
	}
	return results, nil
}

// layout runs method m on the activations y and fills its figures into r.
func layout(y *mat.Dense, m string, o Options, r *Result) (xy *mat.Dense, xlab, ylab string, err error) {
	switch m {
	case "pca":
		var ev []float64
		if xy, ev, err = embed.PCA(y, 2); err != nil {
			return nil, "", "", err
		}
		r.ExplainedVariance = ev
		xlab = fmt.Sprintf("principal component 1 (%.1f%% of the variance)", 100*ev[0])
		ylab = fmt.Sprintf("principal component 2 (%.1f%% of the variance)", 100*ev[1])
		return xy, xlab, ylab, nil
	case "gplvm":
		yc := embed.Center(y)
		g := &embed.GPLVM{Y: yc, Q: 2, Kernel: o.Kernel, Float32: o.Precision == embed.Mixed}
		fit, err := g.Optimize(embed.Options{MaxIter: o.Iters, Progress: func(it int, l float64) {
			if it == 1 || it%10 == 0 {
				fmt.Fprintf(o.Log, "gplvm: iteration %d  log-likelihood %.6g\n", it, l)
			}
		}})
		if err != nil {
			return nil, "", "", err
		}
		fmt.Fprintf(o.Log, "gplvm: stopped after %s (%s); %s of L, %d with its gradient\n",
			english.Count(fit.Iterations, "iteration"), fit.Status, english.Count(fit.Values, "evaluation"), fit.Gradients)
		r.Kernel, r.LogLikInit, r.LogLikFinal = o.Kernel, &fit.LogLikInit, &fit.LogLik
		r.Precision = embed.Float64
		if g.Float32 {
			r.Precision = embed.Mixed
		}
		r.Alpha, r.Beta, r.Iterations, r.Status = fit.Alpha, fit.Beta, fit.Iterations, fit.Status
		r.Evaluations, r.Gradients = fit.Values, fit.Gradients
		if o.Kernel == embed.RBF {
			r.Gamma = fit.Gamma
		}
		if o.Kernel == embed.Linear {
			if cf, err := embed.ClosedFormPPCA(yc, 2); err == nil {
				r.LogLikPPCA = &cf
			}
		}
		return fit.X, "latent dimension 1", "latent dimension 2", nil
	}
	panic("embedrun: unknown method " + m)
}

// Activations runs the network over the rows of ds in batches and returns
// layer k's outputs (float64, one row per point) and the labels.
func Activations(net Net, ds *data.Dataset, rows []int, k, batch int) (*mat.Dense, []int32) {
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

// write writes prefix.csv, prefix.png and prefix.json, each atomically.
func write(prefix string, r Result, xy *mat.Dense, rows []int, labels []int32, xlab, ylab string, classNames []string) error {
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
		return plots.WriteScatter(w, xy, labels, plots.ScatterOptions{Title: title, XLabel: xlab, YLabel: ylab, ClassNames: classNames})
	}); err != nil {
		return err
	}
	return atomicfile.Write(prefix+".json", 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
}
