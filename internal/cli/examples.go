package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// ExampleOrder is the order a newcomer reads the help in: train first,
// then what uses its runs. Every command of nnfc is listed (the tests
// check it), and the examples run in this order from a fresh clone after
// make data (cmd/nnfc's TestHelpExamplesRun runs them).
var ExampleOrder = []string{"train", "lrfind", "eval", "predict", "plot", "embed", "sweep", "sweep status", "sweep results",
	"cv", "report", "export", "import", "runs", "gradcheck", "serve", "bench", "version", "completion"}

// Example is one line of a command's --help examples.
type Example struct {
	Command string // as in ExampleOrder: "sweep status"
	Line    string // the shell line, its trailing "# comment" removed
}

// Examples lists the example lines of the commands of root (NewRoot's
// tree) in ExampleOrder; an error names a command it cannot find or one
// without examples.
func Examples(root *cobra.Command) ([]Example, error) {
	var es []Example
	for _, name := range ExampleOrder {
		cmd, _, err := root.Find(strings.Fields(name))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if strings.TrimSpace(cmd.Example) == "" {
			return nil, fmt.Errorf("nnfc %s --help has no examples", name)
		}
		for _, line := range strings.Split(cmd.Example, "\n") {
			line = strings.TrimSpace(line)
			if i := strings.Index(line, " #"); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			if line != "" {
				es = append(es, Example{Command: name, Line: line})
			}
		}
	}
	return es, nil
}
