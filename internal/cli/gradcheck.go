package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/gradcheck/suite"
)

type gradcheckOptions struct {
	IO         IO
	Only       []string
	ConfigPath string
	List       bool
	Negative   bool
	JSON       bool
}

func newCmdGradcheck(io IO, runF func(*gradcheckOptions) error) *cobra.Command {
	o := &gradcheckOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "gradcheck",
		Short: "Prove every hand-written backward pass against finite differences",
		Long: `Compare every analytic gradient with a centered finite difference in
float64 and print, per tensor, the maximum relative error
max|a−n| / max(1e-8, |a|+|n|) against its threshold.

Built-in checks cover every layer (input and parameter gradients), every
loss, whole networks of 1 to 3 hidden layers with each activation, with and
without L2, and the closed-form derivations of the course homework
(tied-weight autoencoder, GP-LVM likelihood, two-layer swish net).
--negative runs each check's negative twin instead, a deliberately wrong
gradient, which must FAIL: it shows the checker can catch a mistake.

Exit status: 0 when every check passes, 3 when one fails.`,
		Example: `  nnfc gradcheck
  nnfc gradcheck --only layer/swish --only 'derivation/*'
  nnfc gradcheck --config configs/mnist-swish.yaml
  nnfc gradcheck --negative`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, p := range o.Only {
				if p == "" {
					return usageError{errors.New("--only: empty pattern")}
				}
			}
			if runF != nil {
				return runF(o)
			}
			return runGradcheck(o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Only, "only", nil, "run only checks with this name, prefix or glob (repeatable)")
	f.StringVar(&o.ConfigPath, "config", "", "check the network this YAML config describes")
	f.BoolVar(&o.List, "list", false, "list the checks and exit")
	f.BoolVar(&o.Negative, "negative", false, "run the negative twins (wrong gradients), which must all fail")
	f.BoolVar(&o.JSON, "json", false, "print the results as JSON")
	return cmd
}

func runGradcheck(o *gradcheckOptions) error {
	checks := suite.All()
	if o.ConfigPath != "" {
		c, err := config.Load(o.ConfigPath, nil)
		if err != nil {
			return err
		}
		// The data fixes the input width and the number of classes.
		s, err := train.RawSplits(c)
		if err != nil {
			return err
		}
		spec, err := train.NetSpec(c, s)
		if err != nil {
			return err
		}
		if err := spec.Validate(); err != nil {
			return fmt.Errorf("%s: %v", o.ConfigPath, err)
		}
		check, err := task.Of(spec).Gradcheck(spec, c.Seed)
		if err != nil {
			return fmt.Errorf("%s: %v", o.ConfigPath, err)
		}
		checks = []suite.Check{check}
	}
	if len(o.Only) > 0 {
		var err error
		if checks, err = suite.Select(checks, o.Only); err != nil {
			return usageError{err}
		}
	}
	if o.List {
		for _, c := range checks {
			fmt.Fprintf(o.IO.Out, "%-32s %s\n", c.Name, c.Doc)
		}
		return nil
	}
	t0 := time.Now()
	var results []gradcheck.Result
	failedChecks, caught := 0, 0
	for _, c := range checks {
		run := c.Run
		if o.Negative {
			run = c.Negative
		}
		rs := run()
		bad := len(gradcheck.Failed(rs)) > 0
		if bad {
			failedChecks++
		}
		if o.Negative && bad {
			caught++
		}
		results = append(results, rs...)
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(o.IO.Out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CHECK\tTENSOR\tMAX REL ERROR\tTHRESHOLD\tRESULT")
		for _, r := range results {
			verdict := "PASS"
			if !r.Pass() {
				verdict = "FAIL"
				if o.Negative {
					verdict = "FAIL (expected)"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%.2e\t%.0e\t%s\n", r.Check, r.Tensor, r.MaxRel, r.Threshold, verdict)
		}
		tw.Flush()
	}
	secs := time.Since(t0).Seconds()
	if o.Negative {
		fmt.Fprintf(o.IO.ErrOut, "%d of %d negative twins caught (a wrong gradient reported as FAIL) in %.1fs\n", caught, len(checks), secs)
		if caught != len(checks) {
			return &exitError{ExitCheckFailed, fmt.Errorf("gradcheck: %d negative twins were not caught", len(checks)-caught)}
		}
		return nil
	}
	fmt.Fprintf(o.IO.ErrOut, "%d checks, %d tensors, %d failed, in %.1fs\n", len(checks), len(results), failedChecks, secs)
	if failedChecks > 0 {
		return &exitError{ExitCheckFailed, fmt.Errorf("gradcheck: %d of %d checks failed", failedChecks, len(checks))}
	}
	return nil
}
