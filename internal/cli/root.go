// Package cli holds nnfc's cobra commands, one file per command, each cut
// as gh's are: an options struct (xOptions) holding everything the command
// needs, IO streams included; newCmdX(io, runF) building the cobra command,
// whose RunE fills the options from the flags, refuses bad flag values
// (exit 2) and calls runF, or runX when runF is nil; and runX(opts) doing
// the work by calling the package that owns it (infer, train, sweep,
// report, ...). Tests pass a runF that captures the options, so every flag
// is tested without training a model (flags_test.go).
//
// To add a command: one file here with its options, newCmdX and runX, one
// line in NewRoot, and its cases in flags_test.go.
//
// Results go to stdout, progress and logs to stderr; errors are printed in
// one place (Main), which maps them to the documented exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/limits"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitError       = 1   // bad input (config, data, model file, flag) or I/O failure
	ExitUsage       = 2   // bad command line: unknown command or flag, a flag's value out of its range
	ExitCheckFailed = 3   // nnfc gradcheck: a gradient check failed
	ExitDiverged    = 4   // nnfc train: the loss became NaN or infinite
	ExitInterrupted = 130 // nnfc train: stopped by SIGINT/SIGTERM, checkpoint written
)

// IO is the command's outside world, injected so that commands are tested
// without a terminal.
type IO struct {
	In             io.Reader
	Out, ErrOut    io.Writer
	StderrTerminal bool
	// Width is the terminal's width in columns (nil: 80).
	Width func() int
}

// SystemIO is the process's standard streams.
func SystemIO() IO {
	fd := int(os.Stderr.Fd())
	return IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, StderrTerminal: term.IsTerminal(fd),
		Width: func() int {
			if w, _, err := term.GetSize(fd); err == nil && w > 0 {
				return w
			}
			return 80
		}}
}

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks a problem with the command line itself.
type usageError struct{ error }

// NewRoot builds the nnfc command tree.
func NewRoot(io IO) *cobra.Command {
	var threads int
	var blas string
	var cpuProfile, maxMemory string
	root := &cobra.Command{
		Use:   "nnfc",
		Short: "Train, check and use fully connected neural networks",
		Long: `nnfc trains fully connected neural networks described in one YAML file,
with hand-written backward passes proven by finite differences.

  nnfc train --config configs/mnist-swish.yaml    train, then evaluate on the test split
  nnfc runs                                       list the runs under runs/ with their metrics
  nnfc eval --run runs/mnist-swish                loss, accuracy, confusion matrix
  nnfc plot --run runs/mnist-swish                loss and accuracy curves as a PNG
  nnfc predict --model M --input x.csv            class and probabilities per row (CSV, IDX, PNG, JPEG)
  nnfc export --run runs/mnist-swish              the model as an ONNX file, preprocessing inside
  nnfc import --onnx mlp.onnx                     a PyTorch-exported plain MLP as an nnfc model file
  nnfc gradcheck                                  prove every backward pass
  nnfc bench                                      training and evaluation samples/s
  nnfc serve --model M                            answer predictions over HTTP (OIP V2, JSON, CSV)`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if threads < 0 {
				return usageError{fmt.Errorf("--threads: must be ≥ 0, got %d", threads)}
			}
			if maxMemory != "" {
				n, err := limits.Parse(maxMemory)
				if err != nil {
					return usageError{fmt.Errorf("--max-memory: %v", err)}
				}
				limits.SetMax(n)
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return fmt.Errorf("--cpuprofile: %v", err)
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("--cpuprofile: %v", err)
				}
			}
			if err := blasbackend.Select(blas); err != nil {
				return usageError{fmt.Errorf("--blas: %v", err)}
			}
			return blasbackend.Init(threads)
		},
		PersistentPostRun: func(cmd *cobra.Command, args []string) {
			if cpuProfile != "" {
				pprof.StopCPUProfile()
			}
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile to this file (for go tool pprof)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentFlags().IntVar(&threads, "threads", 0, "BLAS threads (0: the backend's default, OPENBLAS_NUM_THREADS / OMP_NUM_THREADS or one per core)")
	root.PersistentFlags().StringVar(&blas, "blas", blasbackend.DefaultBackend,
		"BLAS backend: "+strings.Join(blasbackend.Backends(), ", ")+" (onednn: oneDNN's float32 GEMM, OpenBLAS for float64 and the rest)")
	root.PersistentFlags().StringVar(&maxMemory, "max-memory", "", "refuse networks, data and model files needing more memory than this (e.g. 4G; default: the available memory)")
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{flagSuggestion(c, err)} })
	root.AddCommand(newCmdTrain(io, nil), newCmdEval(io, nil), newCmdPredict(io, nil), newCmdGradcheck(io, nil),
		newCmdPlot(io, nil), newCmdEmbed(io, nil), newCmdVersion(io, nil), newCmdRuns(io, nil), newCmdBench(io, nil),
		newCmdSweep(io, nil), newCmdCV(io, nil), newCmdReport(io, nil), newCmdExport(io, nil), newCmdImport(io, nil), newCmdServe(io, nil), newCmdLRFind(io, nil))
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = `  source <(nnfc completion bash)                          # this shell
  nnfc completion bash > /etc/bash_completion.d/nnfc       # every new bash
  nnfc completion zsh > "${fpath[1]}/_nnfc"                # zsh
  nnfc completion fish > ~/.config/fish/completions/nnfc.fish`
		}
	}
	return root
}

// Main runs nnfc with args and returns the process exit code; it is the
// one place errors are printed.
func Main(ctx context.Context, args []string, io IO) int {
	root := NewRoot(io)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(io.ErrOut, "nnfc:", errorText(err))
	return exitCode(err)
}

// exitCode maps a command's error to the process exit status.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	var ue usageError
	var nf *train.NonFiniteError
	var fe *config.FlagError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &nf):
		return ExitDiverged
	case errors.As(err, &ue), errors.As(err, &fe), isCobraUsage(err):
		return ExitUsage
	}
	return ExitError
}

// errorText is err as printed: one line, except that cobra's "Did you mean
// this?" suggestions go on a line of their own after the error.
func errorText(err error) string {
	msg, suggestions, found := strings.Cut(err.Error(), "Did you mean this?")
	// Whitespace is tidied within each line; the lines themselves stay:
	// a config or sweep file with several problems lists one per line.
	var lines []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	msg = strings.Join(lines, "\n")
	if found {
		msg += "\nDid you mean this? " + strings.Join(strings.Fields(suggestions), ", ")
	}
	return msg
}

// flagSuggestion adds to pflag's "unknown flag: --epoch" the flag of c
// the user most likely meant: "(did you mean --epochs?)".
func flagSuggestion(c *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	best, bestD := "", 3
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := config.EditDistance(name, f.Name)
		if strings.HasPrefix(f.Name, name) || strings.HasPrefix(name, f.Name) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = f.Name, d
		}
	})
	if best == "" {
		return err
	}
	return fmt.Errorf("%w (did you mean --%s?)", err, best)
}

// isCobraUsage recognizes cobra's own argument errors (unknown command,
// wrong number of arguments).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "accepts ", "requires ", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
