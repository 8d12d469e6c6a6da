package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/sweep"
)

// repoRoot is the checkout's top directory, where the examples run.
var repoRoot = filepath.Join("..", "..")

// needsOutside are the examples that need what a fresh clone does not
// have (a Slurm cluster), which the test checks for flags only.
var needsOutside = map[string]string{
	"nnfc sweep --config configs/sweeps/spiral-7.yaml --executor slurm --parallel 4 --wait":                            "Slurm (sbatch, squeue)",
	"nnfc cv --config configs/penguins.yaml --folds 5 --stratify --executor slurm --wait --out runs/cv/penguins-slurm": "Slurm (sbatch, squeue)",
	"nnfc import --onnx mlp.onnx":                                     "an MLP exported by PyTorch (torch.onnx.export)",
	"nnfc import --onnx mlp.onnx --output runs/mlp/model.safetensors": "an MLP exported by PyTorch (torch.onnx.export)",
}

// captureRoot is nnfc's command tree with every command's runF replaced
// by one that records its options in *got instead of doing the work; a
// command without a seam is reported by report.
func captureRoot(report func(format string, args ...any), io IO, got *any) *cobra.Command {
	capture := func(o any) error { *got = o; return nil }
	seams := map[string]*cobra.Command{
		"train":     newCmdTrain(io, func(o *trainOptions) error { return capture(o) }),
		"eval":      newCmdEval(io, func(o *evalOptions) error { return capture(o) }),
		"predict":   newCmdPredict(io, func(o *predictOptions) error { return capture(o) }),
		"gradcheck": newCmdGradcheck(io, func(o *gradcheckOptions) error { return capture(o) }),
		"plot":      newCmdPlot(io, func(o *plotOptions) error { return capture(o) }),
		"embed":     newCmdEmbed(io, func(o *embedOptions) error { return capture(o) }),
		"version":   newCmdVersion(io, func(o *versionOptions) error { return capture(o) }),
		"runs":      newCmdRuns(io, func(o *runsOptions) error { return capture(o) }),
		"bench":     newCmdBench(io, func(o *benchOptions) error { return capture(o) }),
		"report":    newCmdReport(io, func(o *reportOptions) error { return capture(o) }),
		"export":    newCmdExport(io, func(o *exportOptions) error { return capture(o) }),
		"serve":     newCmdServe(io, func(o *ServeOptions) error { return capture(o) }),
		"import":    newCmdImport(io, func(o *importOptions) error { return capture(o) }),
		"lrfind":    newCmdLRFind(io, func(o *lrfindOptions) error { return capture(o) }),
		"cv":        newCmdCV(io, func(o *cvOptions) error { return capture(o) }),
	}
	sw := newCmdSweep(io, func(o *sweepOptions) error { return capture(o) })
	for _, c := range sw.Commands() {
		sw.RemoveCommand(c)
	}
	sw.AddCommand(newCmdSweepStatus(io, func(o *sweepStatusOptions) error { return capture(o) }),
		newCmdSweepResults(io, func(o *sweepResultsOptions) error { return capture(o) }))
	seams["sweep"] = sw
	root := NewRoot(io)
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		s, ok := seams[c.Name()]
		if !ok {
			report("command %s: no seam constructor in captureRoot: add newCmdX(io, runF) for it", c.Name())
			continue
		}
		root.RemoveCommand(c)
		root.AddCommand(s)
	}
	return root
}

// exampleWorld is what exists as the examples run in order in a fresh
// clone after make data: the checkout's files, and what earlier examples
// wrote.
type exampleWorld struct {
	made map[string]string // path → the example that wrote it
	runs map[string]string // run directory → the example that trained it
}

func (w *exampleWorld) exists(p string) bool {
	p = filepath.Clean(p)
	if p == "data/mnist" || strings.HasPrefix(p, "data/mnist/") { // make data
		return true
	}
	if _, err := os.Stat(filepath.Join(repoRoot, p)); err == nil && !strings.HasPrefix(p, "runs") {
		return true
	}
	for m := range w.made {
		if p == m || strings.HasPrefix(p, m+"/") || strings.HasPrefix(m, p+"/") {
			return true
		}
	}
	return false
}

// check says what is wrong with running the example whose options are o
// now, and records what it writes.
func (w *exampleWorld) check(o any, line string) error {
	need := func(paths ...string) error {
		for _, p := range paths {
			if p != "" && !w.exists(p) {
				return fmt.Errorf("%s does not exist yet", p)
			}
		}
		return nil
	}
	makes := func(paths ...string) {
		for _, p := range paths {
			if p != "" {
				w.made[filepath.Clean(p)] = line
			}
		}
	}
	switch o := o.(type) {
	case *trainOptions:
		if o.Resume != "" {
			if w.runs[filepath.Clean(o.Resume)] == "" {
				return fmt.Errorf("--resume %s: no run there yet", o.Resume)
			}
			return nil
		}
		if err := need(o.ConfigPath); err != nil {
			return err
		}
		if o.PrintConfig {
			return nil
		}
		c, err := config.Load(filepath.Join(repoRoot, o.ConfigPath), o.Overrides)
		if err != nil {
			return err
		}
		dir := filepath.Clean(c.Train.OutDir)
		if by := w.runs[dir]; by != "" && !o.Force {
			return fmt.Errorf("%s already holds the run of %q (a new run is refused there without --force)", dir, by)
		}
		w.runs[dir] = line
		makes(dir)
	case *evalOptions:
		return need(o.Model.Path, o.Data.data, o.Data.configPath)
	case *predictOptions:
		if err := need(append([]string{o.Model.Path}, o.Inputs...)...); err != nil {
			return err
		}
		makes(o.Output)
	case *plotOptions:
		if err := need(o.Runs...); err != nil {
			return err
		}
		makes(o.Output)
	case *embedOptions:
		if err := need(o.ModelPath, o.Data.data, o.Data.configPath); err != nil {
			return err
		}
		makes(o.Out + "h1-pca.png")
	case *reportOptions:
		if err := need(o.Run, o.Sweep); err != nil {
			return err
		}
		makes(o.Output)
	case *exportOptions:
		if err := need(o.modelPath, o.run); err != nil {
			return err
		}
		makes(o.output)
	case *runsOptions:
		return need(o.Root)
	case *lrfindOptions:
		if err := need(o.ConfigPath); err != nil {
			return err
		}
		if o.Apply != "" && w.exists(o.Apply) {
			return fmt.Errorf("--apply %s: an earlier example wrote it (lrfind refuses to overwrite)", o.Apply)
		}
		makes(o.Apply)
	case *gradcheckOptions:
		return need(o.ConfigPath)
	case *sweepOptions:
		if err := need(o.ConfigPath); err != nil {
			return err
		}
		s, err := sweep.Parse(filepath.Join(repoRoot, o.ConfigPath))
		if err != nil {
			return err
		}
		dir := o.Out
		if dir == "" {
			dir = s.OutDir
		}
		if dir == "" {
			dir = filepath.Join("runs", "sweeps", s.Name)
		}
		makes(dir)
	case *cvOptions:
		if err := need(o.ConfigPath); err != nil {
			return err
		}
		dir := o.Out
		if dir == "" {
			dir = filepath.Join("runs", "cv", strings.TrimSuffix(filepath.Base(o.ConfigPath), filepath.Ext(o.ConfigPath)))
		}
		makes(dir)
	case *sweepStatusOptions:
		return need(o.Dir)
	case *sweepResultsOptions:
		return need(o.Dir)
	case *ServeOptions:
		for _, m := range o.Models {
			if _, file, ok := strings.Cut(m, "="); ok {
				m = file
			}
			if err := need(m); err != nil {
				return err
			}
		}
		return need(o.TokenFile)
	}
	return nil
}

// splitShell splits a line of sh into words, honouring '...' and "..."
// quotes (enough for the help's examples).
func splitShell(s string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// TestHelpExamples (issue 28 item 21): every example line of every
// command's --help, read in ExampleOrder as a newcomer runs them in a
// fresh clone after make data, parses with that command's flags, and
// finds what it reads: the checkout's files (configs/, testdata/), data/,
// and what earlier examples wrote; a train example never targets a run
// directory an earlier one filled unless it says --force. Nothing is
// trained: each command's runF records its options.
func TestHelpExamples(t *testing.T) {
	w := &exampleWorld{made: map[string]string{}, runs: map[string]string{}}
	io := IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	var got any
	root := captureRoot(t.Errorf, io, &got)
	listed := map[string]bool{}
	for _, name := range ExampleOrder {
		listed[name] = true
	}
	for _, c := range root.Commands() {
		if c.Name() != "help" && !listed[c.Name()] {
			t.Errorf("command %s is not in ExampleOrder", c.Name())
		}
	}
	examples, err := Examples(root)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, e := range examples {
		for _, part := range strings.Split(e.Line, "&&") {
			lines++
			if err := runExample(t, func() *cobra.Command { return captureRoot(func(string, ...any) {}, io, &got) }, w, &got, strings.TrimSpace(part)); err != nil {
				t.Errorf("nnfc %s --help: example %q: %v", e.Command, part, err)
			}
		}
	}
	t.Logf("%d example commands checked", lines)
}

// runExample parses one command of an example line and checks it against
// the world, recording what it writes.
func runExample(t *testing.T, newRoot func() *cobra.Command, w *exampleWorld, got *any, line string) error {
	words := splitShell(line)
	// A redirection writes its file; a pipe's reader needs nothing of ours.
	for i, word := range words {
		if word == ">" && i+1 < len(words) {
			w.made[filepath.Clean(words[i+1])] = line
			words = words[:i]
			break
		}
	}
	for i, word := range words {
		if word == "|" {
			words = words[:i]
			break
		}
	}
	for len(words) > 0 && strings.Contains(words[0], "=") { // VAR=value nnfc ...
		words = words[1:]
	}
	if len(words) > 0 && words[0] == "source" { // source <(nnfc completion bash)
		return nil
	}
	if len(words) == 0 || words[0] != "nnfc" {
		return nil // a shell command (it made its redirection's file)
	}
	*got = nil
	root := newRoot() // flags keep their values: a fresh tree per command
	root.SetArgs(words[1:])
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	if err := root.ExecuteContext(context.Background()); err != nil {
		return fmt.Errorf("exit %d: %v", exitCode(err), err)
	}
	if why, ok := needsOutside[line]; ok {
		t.Logf("%q: flags checked; running it needs %s", line, why)
		return nil
	}
	return w.check(*got, line)
}
