package report

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/testfix"
	"github.com/nnfc/nnfc/internal/train"
)

// tinySpiral is a run of a few seconds: 5 arms of 60 points, 60 epochs.
const tinySpiral = `
seed: 3
data:
  source: spiral
  spiral: {per_class: 60, classes: 5, noise: 0.1}
  val_fraction: 0.25
  normalize: none
model:
  hidden: [64]
  activation: relu
optimizer:
  rule: sgd
  lr: 1.0
train:
  epochs: 60
  batch_size: 32
`

// trainRun trains the config text into a fresh run directory.
func trainRun(t *testing.T, text string) (string, *train.Result) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "run.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(p, nil)
	if err != nil {
		t.Fatalf("config does not load: %v\n%s", err, text)
	}
	c.Train.OutDir = filepath.Join(dir, "run")
	res, err := train.Start(context.Background(), c, train.Options{Progress: "none"})
	if err != nil {
		t.Fatal(err)
	}
	return c.Train.OutDir, res
}

var (
	spiralOnce sync.Once
	spiralDir  string
	spiralRes  *train.Result
	spiralErr  error
)

// sharedSpiral trains tinySpiral once for the tests that only read the run
// (and write report.html into it); the directory is removed by TestMain.
func sharedSpiral(t *testing.T) (string, *train.Result) {
	t.Helper()
	spiralOnce.Do(func() {
		var c config.Config
		yaml := writeTemp(tinySpiral)
		defer os.Remove(yaml)
		if c, spiralErr = config.Load(yaml, nil); spiralErr != nil {
			return
		}
		if spiralDir, spiralErr = os.MkdirTemp("", "nnfc-report-test-"); spiralErr != nil {
			return
		}
		c.Train.OutDir = filepath.Join(spiralDir, "run")
		spiralRes, spiralErr = train.Start(context.Background(), c, train.Options{Progress: "none"})
	})
	if spiralErr != nil {
		t.Fatal(spiralErr)
	}
	return spiralRes.Dir, spiralRes
}

func writeTemp(text string) string {
	f, err := os.CreateTemp("", "nnfc-report-*.yaml")
	if err != nil {
		panic(err)
	}
	if _, err := f.WriteString(text); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
	return f.Name()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if spiralDir != "" {
		os.RemoveAll(spiralDir)
	}
	os.Exit(code)
}

// TestBuildSpiral checks the page of a 2-D run against the trainer's own
// figures: the best epoch, the test accuracy and the parameter count.
func TestBuildSpiral(t *testing.T) {
	dir, res := sharedSpiral(t)
	p, err := Build(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Best.Epoch != res.BestEpoch {
		t.Errorf("best epoch %d, the trainer chose %d", p.Best.Epoch, res.BestEpoch)
	}
	if p.Test.N != res.Test.N || math.Abs(p.Test.Accuracy-res.Test.Accuracy) > 1e-12 {
		t.Errorf("test: %d samples, accuracy %v; the trainer measured %d, %v", p.Test.N, p.Test.Accuracy, res.Test.N, res.Test.Accuracy)
	}
	if want := 2*64 + 64 + 64*5 + 5; p.Params != want {
		t.Errorf("params %d, want %d", p.Params, want)
	}
	sum := 0
	for _, l := range p.Layers {
		sum += l.Params
	}
	if sum != p.Params || len(p.Layers) != 3 || p.Layers[0].Shape != "2 → 64" || p.Layers[1].Kind != "activation (relu)" {
		t.Errorf("layer table %+v does not add up to %d", p.Layers, p.Params)
	}
	n, correct := 0, 0
	for _, c := range p.Classes {
		n += c.N
		correct += c.Correct
	}
	if n != p.Test.N || correct != p.Test.N-p.Test.Errors {
		t.Errorf("per-class table counts %d samples, %d correct; test has %d, %d wrong", n, correct, p.Test.N, p.Test.Errors)
	}
	if p.Regions == nil || p.Weights != nil || p.Mistakes != nil {
		t.Errorf("2-D inputs: want decision regions and no images, got regions %v, weights %v, %d mistakes", p.Regions != nil, p.Weights != nil, len(p.Mistakes))
	}
	var b bytes.Buffer
	if err := Render(&b, p); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, id := range []string{"summary", "curves", "epochs", "test", "confusion", "per-class", "classes", "regions", "network", "layers", "config"} {
		if !strings.Contains(html, `id="`+id+`"`) {
			t.Errorf("section %q missing", id)
		}
	}
	for _, no := range []string{`id="weights"`, `id="mistakes"`, "<script", "http://", "https://"} {
		if strings.Contains(html, no) {
			t.Errorf("page holds %q", no)
		}
	}
	if !strings.Contains(html, "★ best") {
		t.Error("the best epoch is not marked in the table")
	}
}

// writeSquares writes a CSV of 4×4 images of three classes (a horizontal
// bar, a vertical bar, the diagonal) with noise; label first.
func writeSquares(t *testing.T, path string, n int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	for i := 0; i < n; i++ {
		y := i % 3
		k := rng.IntN(4)
		fmt.Fprint(&b, y)
		for r := 0; r < 4; r++ {
			for c := 0; c < 4; c++ {
				on := (y == 0 && r == k) || (y == 1 && c == k) || (y == 2 && r == c)
				v := 0.6 * rng.Float64()
				if on {
					v += 0.7
				}
				fmt.Fprintf(&b, ",%.3f", v)
			}
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// squaresRun trains two epochs of a 16-12-3 tanh network on 4×4 images
// and returns the run directory.
func squaresRun(t *testing.T) string {
	tmp := t.TempDir()
	tr, te := filepath.Join(tmp, "train.csv"), filepath.Join(tmp, "test.csv")
	writeSquares(t, tr, 300, 1)
	writeSquares(t, te, 150, 2)
	dir, _ := trainRun(t, fmt.Sprintf(`
data: {source: csv, train: %s, test: %s, val_fraction: 0.2, normalize: standardize}
model: {hidden: [12], activation: tanh}
optimizer: {rule: sgd, lr: 0.05}
train: {epochs: 2, batch_size: 32}
`, tr, te))
	return dir
}

// TestBuildSquareImages: square inputs get the weight images and the most
// confidently wrong test images, most confident first.
func TestBuildSquareImages(t *testing.T) {
	p, err := Build(squaresRun(t), Options{MaxMistakes: 5, MaxUnits: 9})
	if err != nil {
		t.Fatal(err)
	}
	if p.ImageSide != 4 || p.Weights == nil || p.Regions != nil {
		t.Fatalf("16 inputs: want 4×4 images and no regions, got side %d, weights %v, regions %v", p.ImageSide, p.Weights != nil, p.Regions != nil)
	}
	if !strings.Contains(p.Weights.Caption, "first 9 of the layer's 12") {
		t.Errorf("weights caption %q", p.Weights.Caption)
	}
	if p.Test.Errors == 0 {
		t.Fatal("the two-epoch model makes no mistake: the test cannot check the mistakes grid")
	}
	if want := min(5, p.Test.Errors); len(p.Mistakes) != want {
		t.Fatalf("%d mistakes shown, want %d", len(p.Mistakes), want)
	}
	for i, m := range p.Mistakes {
		if m.True == m.Pred {
			t.Errorf("mistake %d: true %s = predicted %s", i, m.True, m.Pred)
		}
		if i > 0 && m.Probability > p.Mistakes[i-1].Probability {
			t.Errorf("mistakes not sorted by confidence: %v after %v", m.Probability, p.Mistakes[i-1].Probability)
		}
		if !strings.HasPrefix(string(m.Img), "data:image/png;base64,") {
			t.Errorf("mistake %d: image %.40q is not a PNG data URI", i, m.Img)
		}
	}
}

func TestEpochTable(t *testing.T) {
	var ms []rundir.Metrics
	for e := 1; e <= 400; e++ {
		ms = append(ms, rundir.Metrics{Epoch: e, Seconds: 1})
	}
	rows, note := epochTable(ms, 383)
	if len(rows) > 30 || rows[0].Epoch != 1 || rows[len(rows)-1].Epoch != 400 {
		t.Errorf("%d rows from %d to %d", len(rows), rows[0].Epoch, rows[len(rows)-1].Epoch)
	}
	best := 0
	for _, r := range rows {
		if r.Best {
			best = r.Epoch
		}
	}
	if best != 383 || !strings.Contains(note, "of the 400 epochs") {
		t.Errorf("best row %d, note %q", best, note)
	}
	if rows, note := epochTable(ms[:12], 5); len(rows) != 12 || note != "All 12 epochs." {
		t.Errorf("a short run shows %d rows (%q), want all 12", len(rows), note)
	}
}

// TestBadRunDir: each missing piece is named; an old report survives a
// failed rewrite.
func TestBadRunDir(t *testing.T) {
	dir, _ := trainRun(t, tinySpiral)
	if _, err := Write(dir, "", Options{}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte("{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, "", Options{}); err == nil || !strings.Contains(err.Error(), "metrics.jsonl:1") {
		t.Errorf("broken metrics.jsonl: err = %v", err)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, File)); !bytes.Equal(now, good) {
		t.Error("a failed report replaced the good one")
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), good[:0], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(dir, Options{}); err == nil || !strings.Contains(err.Error(), "no finished epoch") {
		t.Errorf("empty metrics.jsonl: err = %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "metrics.jsonl")); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(dir, Options{}); err == nil || !strings.Contains(err.Error(), "metrics.jsonl: no metrics yet") {
		t.Errorf("no metrics.jsonl: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), metrics, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(dir, Options{}); err == nil || !strings.Contains(err.Error(), "model.safetensors: no such file") {
		t.Errorf("no model: err = %v", err)
	}
	empty := t.TempDir()
	if _, err := Build(empty, Options{}); err == nil || !strings.Contains(err.Error(), filepath.Join(empty, "config.yaml")) {
		t.Errorf("no config.yaml: err = %v", err)
	}
	if _, err := Build(filepath.Join(empty, "nope"), Options{}); err == nil || !strings.Contains(err.Error(), "not a run directory") {
		t.Errorf("no directory: err = %v", err)
	}
}

// TestEmbeddings: nnfc embed's PNGs are embedded, PCA first, captioned
// from their JSON; a file that is not a PNG is an error naming it.
func TestEmbeddings(t *testing.T) {
	dir := t.TempDir()
	var png bytes.Buffer
	png.WriteString("\x89PNG\r\n\x1a\n")
	for _, f := range []struct{ name, text string }{
		{"h1-gplvm.png", png.String()},
		{"h1-gplvm.json", `{"method":"gplvm","layer":"h1","dims":200,"points":300,"split":"test","kernel":"rbf","loglik_init":-10.5,"loglik_final":3.25,"knn1_error":0.06}`},
		{"h1-pca.png", png.String()},
		{"h1-pca.json", `{"method":"pca","layer":"h1","dims":200,"points":300,"split":"test","explained_variance":[0.3756,0.305],"knn1_error":0.0567,"extra":[1,2]}`},
		{"h1-pca.csv", "row,label,x,y\n"},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	figs, err := embeddings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 2 || figs[0].Title != "h1-pca" || figs[1].Title != "h1-gplvm" {
		t.Fatalf("figures %v, want h1-pca then h1-gplvm", figs)
	}
	for i, want := range []string{
		"PCA of layer h1 (200 dimensions), 300 test points: explained variance 37.6% + 30.5%; 1-NN error 5.67%",
		"GP-LVM (rbf kernel) of layer h1 (200 dimensions), 300 test points: log-likelihood -10.5 → 3.25; 1-NN error 6.00%",
	} {
		if figs[i].Caption != want {
			t.Errorf("caption %q, want %q", figs[i].Caption, want)
		}
	}
	if figs, err := embeddings(filepath.Join(dir, "none")); err != nil || figs != nil {
		t.Errorf("no embed directory: %v, %v", figs, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "h2-pca.png"), []byte("GIF89a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := embeddings(dir); err == nil || !strings.Contains(err.Error(), "h2-pca.png: not a PNG file") {
		t.Errorf("a GIF named .png: err = %v", err)
	}
}

// TestAutoencoderRefused: an autoencoder run is a one-line error that
// points to nnfc plot, not a panic or a page of empty class tables.
func TestAutoencoderRefused(t *testing.T) {
	dir, _ := trainRun(t, `
data: {source: spiral, spiral: {per_class: 30, classes: 3, noise: 0.1}, val_fraction: 0.2, normalize: standardize}
model: {kind: autoencoder, code_dim: 1}
optimizer: {rule: sgd, lr: 0.05}
train: {epochs: 1, batch_size: 16}
`)
	_, err := Build(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "an autoencoder") || !strings.Contains(err.Error(), "nnfc plot --run "+dir) || strings.Contains(err.Error(), "\n") {
		t.Errorf("autoencoder run: err = %v", err)
	}
}

// diabetesRun and cancerRun train a regression on the real diabetes table
// and a binary model on the real breast-cancer table, each with a
// validation split and a test file.
func diabetesRun(t *testing.T) (string, *train.Result) {
	return trainRun(t, fmt.Sprintf(`seed: 1
data: {source: table, train: %s, test: %s, target: progression, val_fraction: 0.2}
model: {task: regression, hidden: [16]}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 8, batch_size: 16}
`, testfix.TableFile(t, "diabetes-train.csv"), testfix.TableFile(t, "diabetes-test.csv")))
}

func cancerRun(t *testing.T) (string, *train.Result) {
	return trainRun(t, fmt.Sprintf(`seed: 1
data: {source: table, train: %s, test: %s, target: diagnosis, positive: malignant, val_fraction: 0.2}
model: {task: binary, hidden: [8]}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 4, batch_size: 16, monitor: val_roc_auc}
`, testfix.TableFile(t, "breast_cancer-train.csv"), testfix.TableFile(t, "breast_cancer-test.csv")))
}

// TestReportPerTask: the page of each task leads with its own figures —
// a regression's R², RMSE and MAE (no accuracy anywhere: not in the cards,
// the test table, the epoch table, results.json or metrics.jsonl), a
// binary model's ROC-AUC and F1 at its threshold, a classifier's accuracy
// — each equal to the trainer's test figure, and the epoch table's columns
// and best-epoch card follow the task and train.monitor.
func TestReportPerTask(t *testing.T) {
	spiral, spiralRes := sharedSpiral(t)
	diabetes, diabetesRes := diabetesRun(t)
	cancer, cancerRes := cancerRun(t)
	for _, c := range []struct {
		name, dir string
		res       *train.Result
		heads     []string // the headlines' names
		first     string   // the first headline's value, from the trainer's test figures
		cols      []string
		absent    []string // in the HTML
	}{
		{"classifier", spiral, spiralRes, []string{"accuracy", "macro F1"}, fmt.Sprintf("%.2f%%", 100*spiralRes.Test.Accuracy),
			[]string{"train acc", "val acc", "val loss"}, nil},
		{"regression", diabetes, diabetesRes, []string{"R²", "RMSE", "MAE"}, fmt.Sprintf("%.4f", diabetesRes.Test.Metrics["r2"]),
			[]string{"train RMSE", "val RMSE", "val R²", "val loss"}, []string{"accuracy", "wrong)", "train acc", "Confusion matrix"}},
		{"binary", cancer, cancerRes, []string{"ROC-AUC", "F1", "accuracy"}, fmt.Sprintf("%.4f", cancerRes.Test.Metrics["roc_auc"]),
			[]string{"train acc", "val acc", "val ROC-AUC", "val loss"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Build(c.dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var heads, cols []string
			for _, h := range p.Headlines {
				heads = append(heads, h.Name)
			}
			for _, col := range p.Cols {
				cols = append(cols, col.Head)
			}
			if !slices.Equal(heads, c.heads) || p.Headlines[0].Value != c.first {
				t.Errorf("headlines %v, first %q; want %v, first %s", heads, p.Headlines[0].Value, c.heads, c.first)
			}
			if !slices.Equal(cols, c.cols) {
				t.Errorf("epoch columns %v, want %v", cols, c.cols)
			}
			best := p.Best.Value(p.Monitor)
			if want := fmt.Sprintf("%#.4g", best); p.BestValue != want && p.BestValue != fmt.Sprintf("%.2f%%", 100*best) {
				t.Errorf("best card %q, the best epoch's %s is %v", p.BestValue, p.Monitor, best)
			}
			var b strings.Builder
			if err := Render(&b, p); err != nil {
				t.Fatal(err)
			}
			for _, s := range c.absent {
				if strings.Contains(b.String(), s) {
					i := strings.Index(b.String(), s)
					t.Errorf("the page says %q: …%s…", s, b.String()[max(0, i-80):min(len(b.String()), i+40)])
				}
			}
			if c.name != "regression" {
				return
			}
			for _, f := range []string{rundir.ResultsLog, rundir.MetricsLog} {
				raw, err := os.ReadFile(filepath.Join(c.dir, f))
				if err != nil {
					t.Fatal(err)
				}
				if s := string(raw); strings.Contains(s, `"accuracy"`) || strings.Contains(s, `"val_acc"`) || strings.Contains(s, `"train_acc"`) {
					t.Errorf("%s of a regression has an accuracy:\n%s", f, s)
				}
			}
		})
	}
}
