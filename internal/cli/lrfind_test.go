package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/lrfind"
	"github.com/nnfc/nnfc/internal/testfix"
)

// TestLRFindPenguins (issue 26 item 2): the range test on the real Palmer
// penguins table. The suggestion is finite and inside the range, the
// JSON holds the curve it came from, the PNG is a picture, and --apply
// writes a copy of the config that loads with optimizer.lr set to the
// suggestion and everything else as it was.
func TestLRFindPenguins(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "penguins.yaml", fmt.Sprintf(`# the penguins, for lrfind
seed: 1
data: {source: table, train: %s, target: species, stratify: true, val_fraction: 0.2}
model: {hidden: [16]}
optimizer: {rule: adam, lr: 0.01}
schedule: {kind: onecycle}
train: {epochs: 30, batch_size: 16, out_dir: %s}
`, testfix.TableFile(t, "penguins.csv"), filepath.Join(dir, "run")))
	tuned := filepath.Join(dir, "tuned.yaml")
	ctx := context.Background()
	code, out, errOut := nnfc(t, ctx, "lrfind", "--config", cfg, "--apply", tuned, "--steps", "120")
	if code != ExitOK {
		t.Fatalf("lrfind: exit %d\n%s\n%s", code, out, errOut)
	}
	var r lrfind.Result
	b, err := os.ReadFile(filepath.Join(dir, "run-lrfind", "lrfind.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	s := r.Suggested
	if math.IsNaN(s) || s < r.MinLR || s > r.MaxLR || r.MinLR != 1e-7 || r.MaxLR != 10 || r.Rule != "steepest" || r.RuleAsked != "auto" || s != r.Steepest {
		t.Errorf("suggested %g (steepest %g, rule %s asked %s) outside [%g, %g]", s, r.Steepest, r.Rule, r.RuleAsked, r.MinLR, r.MaxLR)
	}
	if r.Edge != r.DivergedLR/lrfind.EdgeDivisor {
		t.Errorf("edge %g, diverged at %g", r.Edge, r.DivergedLR)
	}
	if r.StepsRun < 30 || len(r.LR) != r.StepsRun || len(r.Loss) != r.StepsRun || len(r.Smoothed) != r.StepsRun || r.Steps != 120 {
		t.Errorf("%d steps run of %d; %d rates, %d losses, %d smoothed", r.StepsRun, r.Steps, len(r.LR), len(r.Loss), len(r.Smoothed))
	}
	// The rates grow geometrically from min_lr: step i's is 1e-7·1e8^(i/119).
	for i, lr := range r.LR {
		if want := 1e-7 * math.Pow(1e8, float64(i)/119); math.Abs(lr-want) > 1e-12*want {
			t.Fatalf("step %d: lr %g, want %g", i, lr, want)
		}
	}
	// The loss falls somewhere below where it started: the test saw
	// learning, not only noise.
	lowest := r.Smoothed[0]
	for _, l := range r.Smoothed {
		lowest = min(lowest, l)
	}
	if !(lowest < 0.8*r.Smoothed[0]) {
		t.Errorf("the smoothed loss never fell below 80%% of its start %g (lowest %g)", r.Smoothed[0], lowest)
	}
	for _, want := range []string{"suggested lr", "rule steepest, auto for adam", "lrfind.png", "wrote " + tuned} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	f, err := os.Open(filepath.Join(dir, "run-lrfind", "lrfind.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() < 1000 {
		t.Errorf("lrfind.png: %v, %v", err, img.Bounds())
	}
	c, err := config.Load(tuned, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%.3g", s); fmt.Sprint(c.Optimizer.LR) != want || c.Optimizer.Rule != "adam" || c.Schedule.Kind != "onecycle" || c.Train.BatchSize != 16 {
		t.Errorf("%s: lr %g (want %s), rule %s, schedule %s, batch %d", tuned, c.Optimizer.LR, want, c.Optimizer.Rule, c.Schedule.Kind, c.Train.BatchSize)
	}
	if text, _ := os.ReadFile(tuned); !strings.Contains(string(text), "# the penguins, for lrfind") {
		t.Errorf("%s lost the config's comment:\n%s", tuned, text)
	}
	// A test that never diverges has no edge: one line saying so, and
	// the curve is still written; the other rules still suggest.
	low := filepath.Join(dir, "low")
	code, out, errOut = nnfc(t, ctx, "lrfind", "--config", cfg, "--max-lr", "1e-4", "--steps", "30", "--out", low, "--rule", "edge")
	// (stderr: the test's header line, then the error's one line)
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); code == ExitOK || len(lines) != 2 ||
		!strings.HasPrefix(lines[1], "nnfc: --rule edge: the loss did not diverge by --max-lr 0.0001 (30 steps, completed); raise --max-lr") {
		t.Errorf("lrfind --max-lr 1e-4: exit %d, %q; want an error of one line", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(low, "lrfind.json")); err != nil || !strings.Contains(out, "completed") {
		t.Errorf("lrfind --max-lr 1e-4 wrote no curve (%v):\n%s", err, out)
	}
	code, out, errOut = nnfc(t, ctx, "lrfind", "--config", cfg, "--max-lr", "1e-4", "--steps", "30", "--out", low, "--rule", "valley")
	if code != ExitOK || !strings.Contains(out, "rule valley") {
		t.Errorf("lrfind --max-lr 1e-4 --rule valley: exit %d\n%s\n%s", code, out, errOut)
	}
	// --apply never overwrites: the second time it is refused.
	code, _, errOut = nnfc(t, ctx, "lrfind", "--config", cfg, "--apply", tuned)
	if code != ExitUsage || !strings.Contains(errOut, "exists") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("a second --apply %s: exit %d, %q; want exit 2 and one line", tuned, code, errOut)
	}
}
