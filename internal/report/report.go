package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/atomicfile"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/metrics"
	"github.com/nnfc/nnfc/pkg/model"
)

// File is the report's name in the run directory.
const File = rundir.Report

// Page is everything the report shows, ready for the template.
type Page struct {
	Dir       string
	Generated string
	Spec      string // e.g. "784-512(swish)-10 softmax"
	Data      string // data source and split sizes
	Config    string // the resolved YAML
	Layers    []LayerRow
	Params    int

	Curves    template.URL // PNG data URI
	Epochs    []EpochRow
	EpochsOf  string // "all 15 epochs" or which ones the table shows
	Best      EpochRow
	ShowL2    bool // some epoch has an L2 term
	NumEpochs int
	Monitor   string
	LossName  string // the model's loss, in words ("softmax cross-entropy")
	// CurveTitle names the task's figure beside the loss in the curves.
	CurveTitle string
	NoVal      bool // no validation split: no validation figures, the model is the last epoch's

	Test TestRow
	// Headlines are the task's first figures of the test split
	// (task.Headlines): the first two are cards, all head the test table.
	Headlines []task.Headline
	// Cols are the epoch table's columns beside the training loss
	// (task.EpochColumns), BestValue the monitored figure of the best
	// epoch.
	Cols      []task.EpochColumn
	BestValue string
	Metrics   []MetricRow // the task's metrics on the test split
	// Targets are a regression's figures per target, in the data's units.
	Targets []TargetRow
	Results []KV // from results.json, when the run has one
	Classes []ClassRow
	// Labels are a multilabel model's rows per label (task.Eval.Labels).
	Labels   []LabelRow
	Conf     template.URL // confusion heat map
	PerClass template.URL // per-class error bar chart

	Weights   *Figure   // first-layer weight images (square inputs)
	Mistakes  []Mistake // most confidently wrong test images (square inputs)
	ImageSide int       // the side of square inputs, 0 for others
	Regions   *Figure   // decision regions (2-D inputs)
	// Figures are the metrics' pictures the task's evaluation has numbers
	// for (task.Curves): reliability, ROC and PR, predicted vs actual.
	Figures []Figure
	// MonitorCol heads the epoch table's column of the monitored metric
	// when it is neither val_acc nor val_loss ("" otherwise).
	MonitorCol string
	Embeds     []Figure // nnfc embed's scatter plots
}

// LayerRow is one module of the nn.Sequential the model is.
type LayerRow struct {
	Index  string // the module's name: its nn.Sequential index, or "embed"
	Kind   string // Linear, BatchNorm1d, ReLU, Dropout ...
	Shape  string // e.g. "784 → 512"
	Params int
}

// EpochRow is one line of metrics.jsonl.
type EpochRow struct {
	rundir.Metrics
	Best      bool
	Cells     []string // the figures of Page.Cols
	Monitored string   // the monitored metric's value, when MonitorCol
}

// TargetRow is one target's RMSE, MAE and R² on the test split.
type TargetRow struct {
	Name          string
	RMSE, MAE, R2 string
}

// MetricRow is one metric of the test split.
type MetricRow struct {
	Name, Value, Arrow, Doc string
}

// LabelRow is one label of a multilabel model on the test split: the
// rows that have it (support), precision, recall and F1 at the model's
// threshold, and ROC-AUC and PR-AUC of its probability ("–" where
// undefined); the last rows are the micro, macro and weighted means.
type LabelRow struct {
	Label, Support, Precision, Recall, F1, ROCAUC, PRAUC string
	Mean                                                 bool
}

// labelRows lists the report r's labels, named names, and their means.
func labelRows(r *metrics.LabelReport, names []string) []LabelRow {
	if r == nil {
		return nil
	}
	auc := func(v *float64) string {
		if v == nil || math.IsNaN(*v) {
			return "–"
		}
		return fmt.Sprintf("%.4f", *v)
	}
	row := func(label string, c metrics.Class, roc, pr string, mean bool) LabelRow {
		return LabelRow{Label: label, Support: fmt.Sprintf("%.6g", c.Support), Precision: fmt.Sprintf("%.4f", c.Precision),
			Recall: fmt.Sprintf("%.4f", c.Recall), F1: fmt.Sprintf("%.4f", c.F1), ROCAUC: roc, PRAUC: pr, Mean: mean}
	}
	var rows []LabelRow
	for j, c := range r.Labels {
		name := strconv.Itoa(j)
		if len(names) == len(r.Labels) {
			name = names[j]
		}
		rows = append(rows, row(name, c, auc(r.ROCAUC[j]), auc(r.PRAUC[j]), false))
	}
	roc, pr := metrics.MeanDefined(r.ROCAUC), metrics.MeanDefined(r.PRAUC)
	rows = append(rows, row("micro mean", r.Micro, "", "", true), row("macro mean", r.Macro, auc(&roc), auc(&pr), true), row("weighted mean", r.Weighted, "", "", true))
	return rows
}

// TestRow holds the test split's size and losses of the best model, and
// the accuracy and errors of a task with classes (the page shows the
// task's figures: Page.Headlines and Page.Metrics).
type TestRow struct {
	Split    string // "test" (or "validation" when the data has no test split)
	N        int
	Loss     float64 // data loss
	RegLoss  float64
	Accuracy float64
	Errors   int
}

// KV is a key and its formatted value.
type KV struct{ Key, Value string }

// ClassRow is one class's line of the per-class table.
type ClassRow struct {
	Class      string
	N, Correct int
	Accuracy   float64
	// Precision and F1 of the class (task.Eval.ClassMetrics; its recall
	// is Accuracy).
	Precision, F1 float64
	Confused      string // the most frequent wrong prediction, e.g. "9 (12×)"
	WorstOfClass  bool
}

// Figure is an embedded picture with its caption.
type Figure struct {
	Title   string
	Img     template.URL
	Caption string
	Width   int // CSS width in px (pixelated images), 0: natural
}

// Mistake is a wrongly classified test image.
type Mistake struct {
	Img         template.URL
	Index       int // position in the test split
	True, Pred  string
	Probability float64 // the predicted class's softmax probability
}

// Options tune Build.
type Options struct {
	// MaxMistakes is how many confidently wrong images to show (default 24).
	MaxMistakes int
	// MaxUnits is how many first-layer units to draw (default 100).
	MaxUnits int
	// Now stamps the page (default time.Now).
	Now func() time.Time
}

// Write builds the report of the run in dir and writes it to out
// (dir/report.html when out is ""), replacing any old one atomically. It
// returns the path written.
func Write(dir, out string, o Options) (string, error) {
	p, err := Build(dir, o)
	if err != nil {
		return "", err
	}
	if out == "" {
		out = filepath.Join(dir, File)
	}
	return out, atomicfile.Write(out, 0o644, func(w io.Writer) error { return Render(w, p) })
}

// Build gathers the run in dir: its config, metrics, model, the model's
// evaluation on the test split and the embeddings nnfc embed wrote. The
// data the config names is read relative to the working directory, as
// nnfc eval --run does.
func Build(dir string, o Options) (*Page, error) {
	if o.MaxMistakes <= 0 {
		o.MaxMistakes = 24
	}
	if o.MaxUnits <= 0 {
		o.MaxUnits = 100
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--run %s: not a run directory", dir)
	}
	if err := rundir.CheckNotReplacing(dir); err != nil {
		return nil, fmt.Errorf("--run %v", err)
	}
	cfgPath := filepath.Join(dir, rundir.Config)
	if _, err := os.Stat(cfgPath); err != nil {
		return nil, fmt.Errorf("%s: %v (is %s a training run directory?)", cfgPath, errors.Unwrap(err), dir)
	}
	c, err := config.LoadStored(cfgPath)
	if err != nil {
		return nil, err
	}
	ms, err := rundir.ReadMetrics(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no metrics yet: the run has not finished an epoch", filepath.Join(dir, rundir.MetricsLog))
		}
		return nil, err
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("%s: no finished epoch to report", filepath.Join(dir, rundir.MetricsLog))
	}
	modelPath := filepath.Join(dir, rundir.Model)
	net, norm, err := model.Load[float32](modelPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file: the run has no model yet", modelPath)
		}
		return nil, err
	}

	tk := task.Of(net.Spec)
	if err := tk.Reports(modelPath, dir); err != nil {
		return nil, err
	}
	p := &Page{Dir: dir, Generated: o.Now().UTC().Format("2006-01-02 15:04 MST"), Spec: net.Spec.String(),
		Config: c.YAML(), Params: net.Spec.NumParams(), Monitor: cmp.Or(c.Train.Monitor, rundir.DefaultMonitor),
		LossName: cmp.Or(lossNames[net.Spec.Loss], net.Spec.Loss)}
	p.Layers = layerRows(net)
	p.NumEpochs = len(ms)
	best := rundir.BestEpoch(dir, ms)
	if best < 1 || best > len(ms) {
		best = 1 // the trainer's rule when no epoch improves: the first
	}
	p.Best = EpochRow{Metrics: ms[best-1], Best: true}
	p.Epochs, p.EpochsOf = epochTable(ms, best)
	for _, m := range ms {
		p.ShowL2 = p.ShowL2 || m.L2 > 0
	}
	p.CurveTitle = tk.Curve().Title
	if p.Curves, err = uri(plots.RunCurves(ms, best, tk.Curve())); err != nil {
		return nil, err
	}
	switch r, err := rundir.ReadResults(dir); {
	case err == nil:
		p.Results = resultRows(r)
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}

	// The test split, raw: the images are drawn from the raw pixels, the
	// network sees them normalized with the model's statistics.
	var fitted json.RawMessage
	if norm != nil {
		fitted = norm.Source // a table is encoded with the model's schema
	}
	splits, err := train.RawSplitsFitted(c, fitted)
	if err != nil {
		return nil, err
	}
	p.Data = fmt.Sprintf("%s: %d train, %d validation", c.Data.Source, splits.Train.N, splits.Val.N)
	p.NoVal = splits.Val.N == 0
	p.epochColumns(tk, cmp.Or(c.Train.Monitor, rundir.DefaultMonitor))
	raw, split := splits.Test, "test"
	if raw == nil {
		raw, split = splits.Val, "validation"
	} else {
		p.Data += fmt.Sprintf(", %d test", raw.N)
	}
	if raw.D != net.Spec.InputDim {
		return nil, fmt.Errorf("%s has %s per sample, but the model %s expects %d", raw.Name, english.Count(raw.D, "feature"), modelPath, net.Spec.InputDim)
	}
	// The network's copy: normalized inputs (float32), the labels, float
	// targets and weights as they are.
	cp := *raw
	cp.X, cp.X64 = append([]float32(nil), raw.X...), nil
	ds := &cp
	if norm != nil {
		if err := norm.Apply(ds); err != nil {
			return nil, err
		}
	}
	ev := (&train.Evaluator[float32]{Net: net, Batch: 1000}).Evaluate(ds, nil, true)
	p.Test = TestRow{Split: split, N: ev.N, Loss: ev.Loss, RegLoss: ev.RegLoss, Accuracy: ev.Accuracy, Errors: ev.N}
	for i := range ev.Confusion {
		p.Test.Errors -= ev.Confusion[i][i]
	}
	if ev.Labels != nil { // multilabel: accuracy is the subset accuracy, a row is wrong when any label is
		p.Test.Errors = int(math.Round(float64(ev.N) * (1 - ev.Labels.SubsetAccuracy)))
		p.Labels = labelRows(ev.Labels, ev.TargetNames)
	}
	p.Headlines = task.Headlines(tk, ev)
	for j, r := range ev.Targets {
		if len(ev.Targets) < 2 {
			break // the headlines and the metrics table say it
		}
		name := fmt.Sprint(j)
		if j < len(ev.TargetNames) {
			name = ev.TargetNames[j]
		}
		p.Targets = append(p.Targets, TargetRow{Name: name, RMSE: fmt.Sprintf("%.4g", r.RMSE), MAE: fmt.Sprintf("%.4g", r.MAE), R2: fmt.Sprintf("%.4f", r.R2)})
	}
	names := source.ClassNames(c.Data, net.Spec.Classes)
	if norm != nil {
		if fitted := source.FittedClassNames(norm.Source); len(fitted) == net.Spec.Classes {
			names = fitted // a table's target values
		}
	}
	p.Classes = classRows(ev.Confusion, names)
	if r := ev.ClassMetrics; r != nil && len(r.Classes) == len(p.Classes) {
		for i, cl := range r.Classes {
			p.Classes[i].Precision, p.Classes[i].F1 = cl.Precision, cl.F1
		}
	}
	p.Metrics = metricRows(ev.Metrics, tk.Metrics())
	if p.Figures, err = metricFigures(ev.Curves, ev.Metrics, split); err != nil {
		return nil, err
	}
	if len(ev.Confusion) > 0 { // a task with classes
		if p.Conf, err = uri(plots.Confusion(ev.Confusion, names)); err != nil {
			return nil, err
		}
		if p.PerClass, err = perClassPlot(p.Classes); err != nil {
			return nil, err
		}
	}

	switch side := squareSide(net.Spec.InputDim); {
	case net.Spec.InputDim == 2:
		if p.Regions, err = regionsPlot(net, norm, raw, split, names); err != nil {
			return nil, err
		}
	case side > 0:
		p.ImageSide = side
		p.Weights = weightImages(net, side, o.MaxUnits)
		probs := probabilities(net, ds)
		p.Mistakes = mistakes(raw, probs, net.Spec.Classes, side, names, o.MaxMistakes)
	}
	if p.Embeds, err = embeddings(filepath.Join(dir, rundir.EmbedDir)); err != nil {
		return nil, err
	}
	return p, nil
}

// lossNames say the losses (model.loss) in words.
var lossNames = map[string]string{"softmax": "softmax cross-entropy", "svm": "multiclass hinge", "bce": "binary cross-entropy",
	"mse": "mean squared error", "mae": "mean absolute error", "huber": "Huber"}

// epochColumns fills the epoch table's columns of task t (task.EpochColumns),
// a column of the monitored metric mon when none of them is it, and the
// best epoch's monitored figure.
func (p *Page) epochColumns(t task.Task, mon string) {
	p.Cols = task.EpochColumns(t)
	shown := false
	for _, col := range p.Cols {
		shown = shown || sameFigure(col.Key, mon)
	}
	if !shown {
		p.MonitorCol = strings.ReplaceAll(mon, "_", " ")
	}
	noVal := func(key string) bool { return p.NoVal && strings.HasPrefix(key, metrics.MonitorPrefix) }
	for i := range p.Epochs {
		e := &p.Epochs[i]
		for _, col := range p.Cols {
			e.Cells = append(e.Cells, cell(e.Figure(col.Key), col.Percent, noVal(col.Key)))
		}
		if p.MonitorCol != "" {
			e.Monitored = cell(e.Value(mon), false, noVal(mon))
		}
	}
	_, name, _ := metrics.SplitMonitor(mon)
	m, _ := metrics.Lookup(name)
	p.BestValue = cell(p.Best.Value(mon), m.Name == "accuracy", noVal(mon))
}

// sameFigure reports whether metrics.jsonl keys a and b name the same
// figure (val_acc and val_accuracy do).
func sameFigure(a, b string) bool {
	pa, na, _ := metrics.SplitMonitor(a)
	pb, nb, _ := metrics.SplitMonitor(b)
	ma, _ := metrics.Lookup(na)
	mb, _ := metrics.Lookup(nb)
	return a == b || (pa == pb && ma.Name != "" && ma.Name == mb.Name)
}

// cell formats an epoch table's figure: a percentage or 4 significant
// digits, trailing zeros kept (1.000, 66.40); "—" for a validation figure without a validation split, "–"
// for a figure the record lacks.
func cell(v float64, percent, noVal bool) string {
	switch {
	case noVal:
		return "—"
	case math.IsNaN(v):
		return "–"
	case percent:
		return fmt.Sprintf("%.2f%%", 100*v)
	}
	return fmt.Sprintf("%#.4g", v)
}

// layerRows lists the network's modules as nn.Sequential numbers them.
func layerRows(net *model.Net[float32]) []LayerRow {
	var rows []LayerRow
	act, first := 0, 0
	for i, l := range net.Layers {
		r := LayerRow{Index: strconv.Itoa(i - first)}
		switch l := l.(type) {
		case *layers.Embedding[float32]:
			first = 1 // the sequential modules are numbered from the next
			var ts []string
			n := 0
			for _, c := range l.Cols {
				ts = append(ts, fmt.Sprintf("input %d: %d × %d", c.Col, c.Vocab, c.Dim))
				n += c.Vocab * c.Dim
			}
			r.Index, r.Kind, r.Shape, r.Params = "embed", "Embedding", fmt.Sprintf("%s (%d → %d)", strings.Join(ts, ", "), l.In, l.OutDim()), n
		case *layers.Affine[float32]:
			r.Kind, r.Shape, r.Params = "Linear", fmt.Sprintf("%d → %d", l.In, l.Out), l.In*l.Out+l.Out
		case *layers.BatchNorm[float32]:
			n := 0
			for _, p := range l.Params() {
				n += p.Size()
			}
			r.Kind, r.Shape, r.Params = "BatchNorm1d", fmt.Sprint(n/2), n
		case *layers.Dropout[float32]:
			r.Kind, r.Shape = "Dropout", fmt.Sprintf("p = %g", net.Spec.Dropout)
		default:
			r.Kind = fmt.Sprintf("activation (%s)", net.Spec.Activations[act])
			act++
		}
		rows = append(rows, r)
	}
	return rows
}

// epochTable returns the rows of the epoch table: every epoch of a short
// run; of a long one about 25 evenly spaced epochs plus the best and the
// last, so the table stays readable (metrics.jsonl has them all).
func epochTable(ms []rundir.Metrics, best int) ([]EpochRow, string) {
	const maxRows = 30
	every := 1
	if len(ms) > maxRows {
		every = (len(ms) + 24) / 25
	}
	var rows []EpochRow
	for i, m := range ms {
		if m.Epoch == best || i == 0 || i == len(ms)-1 || (i+1)%every == 0 {
			rows = append(rows, EpochRow{Metrics: m, Best: m.Epoch == best})
		}
	}
	of := fmt.Sprintf("All %d epochs.", len(ms))
	if every > 1 {
		of = fmt.Sprintf("Every %s of the %d epochs, and the first, the best and the last; metrics.jsonl has them all.", english.Ordinal(every), len(ms))
	}
	if slices.ContainsFunc(rows, func(r EpochRow) bool { return r.Seconds < minRateSeconds }) {
		of += fmt.Sprintf(" No samples/s (–) for an epoch under %s: too short to say how fast training runs.", english.Duration(minRateSeconds))
	}
	return rows, of
}

// trainingTime is the run's training time and its median samples/s
// (over the epochs), the rate left out when the epochs took under
// minRateSeconds each on average.
func trainingTime(r *rundir.Results) string {
	if r.Epochs > 0 && r.TrainSeconds/float64(r.Epochs) >= minRateSeconds {
		return fmt.Sprintf("%s, median %s samples/s", english.Duration(r.TrainSeconds), groupThousands(int(r.SamplesPerSec+0.5)))
	}
	return fmt.Sprintf("%s (epochs too short for a samples/s figure)", english.Duration(r.TrainSeconds))
}

// resultRows are the lines of the run table from results.json.
func resultRows(r *rundir.Results) []KV {
	status := r.Status
	if r.Reason != "" {
		status += " (" + r.Reason + ")"
	}
	kv := []KV{
		{"status", status},
		{"epochs", fmt.Sprintf("%d of %d planned", r.Epochs, r.EpochsPlanned)},
		{"training time", trainingTime(r)},
		{"wall time", fmt.Sprintf("%s (the last training process: loading, training, evaluation)", english.Duration(r.WallSeconds))},
		{"optimizer", fmt.Sprintf("%s, lr %g, batch %d, seed %d, %s", r.Optimizer, r.LR, r.BatchSize, r.Seed, r.Precision)},
	}
	if r.Test != nil {
		kv = append(kv, KV{"test (at training)", fmt.Sprintf("%s, loss %.4f, %d samples", r.TestFigure(), r.Test.Loss, r.Test.N)})
	}
	b := r.BLAS
	blas := b.Backend
	if b.Kernels != "" {
		blas += " " + b.Kernels + " kernels"
	}
	blas += fmt.Sprintf(", %d threads, element-wise kernels: %s", b.Threads, b.Vec)
	kv = append(kv, KV{"BLAS", blas}, KV{"CPU", r.CPU}, KV{"build", r.Build.String()})
	if !r.Written.IsZero() {
		kv = append(kv, KV{"written", r.Written.UTC().Format("2006-01-02 15:04:05 MST")})
	}
	for _, w := range r.Warnings {
		kv = append(kv, KV{"warning", w})
	}
	return kv
}

func classRows(conf [][]int, names []string) []ClassRow {
	rows := make([]ClassRow, len(conf))
	worst := -1
	for i, row := range conf {
		r := ClassRow{Class: names[i]}
		wrong, wrongN := -1, 0
		for j, v := range row {
			r.N += v
			if j != i && v > wrongN {
				wrong, wrongN = j, v
			}
		}
		r.Correct = row[i]
		if r.N > 0 {
			r.Accuracy = float64(r.Correct) / float64(r.N)
			if worst < 0 || r.Accuracy < rows[worst].Accuracy {
				worst = i
			}
		}
		if wrong >= 0 {
			r.Confused = fmt.Sprintf("%s (%d×)", names[wrong], wrongN)
		}
		rows[i] = r
	}
	if worst >= 0 {
		rows[worst].WorstOfClass = true
	}
	return rows
}

// metricRows lists the figures of m named in names, "–" for those
// undefined on the data.
func metricRows(m map[string]float64, names []string) []MetricRow {
	var rows []MetricRow
	for _, n := range names {
		metric, _ := metrics.Lookup(n)
		r := MetricRow{Name: n, Value: "–", Arrow: metric.Arrow(), Doc: metric.Doc}
		if v, ok := m[n]; ok {
			r.Value = fmt.Sprintf("%.4f", v)
		}
		rows = append(rows, r)
	}
	return rows
}

// squareSide returns s when d = s·s for an image-sized s ≥ 4, else 0.
func squareSide(d int) int {
	s := int(math.Round(math.Sqrt(float64(d))))
	if s >= 4 && s*s == d {
		return s
	}
	return 0
}

// probabilities returns the softmax of the network's scores for every
// sample of ds (N×Classes, row-major).
func probabilities(net *model.Net[float32], ds *data.Dataset) []float32 {
	c := net.Spec.Classes
	out := make([]float32, ds.N*c)
	net.SetTraining(false)
	defer net.SetTraining(true)
	const batch = 1000
	for lo := 0; lo < ds.N; lo += batch {
		hi := min(lo+batch, ds.N)
		x := &layers.Matrix[float32]{Rows: hi - lo, Cols: ds.D, Data: ds.X[lo*ds.D : hi*ds.D]}
		s := net.Scores(x)
		layers.Softmax(s, &layers.Matrix[float32]{Rows: hi - lo, Cols: c, Data: out[lo*c : hi*c]})
	}
	return out
}

// embeddings reads the PNGs nnfc embed wrote into dir, with the fields of
// their .json files as captions.
func embeddings(dir string) ([]Figure, error) {
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	// By layer, PCA (the baseline) before the others.
	key := func(f string) string { return strings.Replace(filepath.Base(f), "-pca.", "-0pca.", 1) }
	sort.Slice(pngs, func(i, j int) bool { return key(pngs[i]) < key(pngs[j]) })
	var figs []Figure
	for _, f := range pngs {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !isPNG(b) {
			return nil, fmt.Errorf("%s: not a PNG file", f)
		}
		fig := Figure{Title: strings.TrimSuffix(filepath.Base(f), ".png"), Img: pngURI(b)}
		if meta, err := os.ReadFile(strings.TrimSuffix(f, ".png") + ".json"); err == nil {
			fig.Caption = embedCaption(meta)
		}
		figs = append(figs, fig)
	}
	return figs, nil
}

// embedCaption summarizes nnfc embed's JSON, e.g. "PCA of layer h1 (200
// dimensions), 300 test points: explained variance 37.6% + 30.5%; 1-NN
// error 6.00%".
func embedCaption(b []byte) string {
	var e struct {
		Method            string    `json:"method"`
		Layer             string    `json:"layer"`
		Dims              int       `json:"dims"`
		Points            int       `json:"points"`
		Split             string    `json:"split"`
		Kernel            string    `json:"kernel"`
		ExplainedVariance []float64 `json:"explained_variance"`
		LoglikInit        *float64  `json:"loglik_init"`
		LoglikFinal       *float64  `json:"loglik_final"`
		KNN1Error         *float64  `json:"knn1_error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Method == "" {
		return ""
	}
	method := strings.ToUpper(e.Method)
	if e.Method == "gplvm" {
		method = "GP-LVM"
		if e.Kernel != "" {
			method += " (" + e.Kernel + " kernel)"
		}
	}
	s := fmt.Sprintf("%s of layer %s", method, e.Layer)
	if e.Dims > 0 {
		s += fmt.Sprintf(" (%d dimensions)", e.Dims)
	}
	if e.Points > 0 {
		s += fmt.Sprintf(", %d %s points", e.Points, e.Split)
	}
	var parts []string
	if len(e.ExplainedVariance) > 0 {
		var v []string
		for _, x := range e.ExplainedVariance {
			v = append(v, fmt.Sprintf("%.1f%%", 100*x))
		}
		parts = append(parts, "explained variance "+strings.Join(v, " + "))
	}
	if e.LoglikInit != nil && e.LoglikFinal != nil {
		parts = append(parts, fmt.Sprintf("log-likelihood %.6g → %.6g", *e.LoglikInit, *e.LoglikFinal))
	}
	if e.KNN1Error != nil {
		parts = append(parts, fmt.Sprintf("1-NN error %.2f%%", 100**e.KNN1Error))
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, "; ")
	}
	return s
}
