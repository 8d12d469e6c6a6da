package embedrun

import (
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/embed"
)

// TestNamesAreRunFiles: every file nnfc embed writes is one that
// nnfc train --force recognizes as nnfc's (rundir.IsEmbedOutput) and
// removes from a run directory's embed/.
func TestNamesAreRunFiles(t *testing.T) {
	for _, m := range Methods {
		for _, k := range []string{"", embed.Linear, "rbf"} {
			for _, ext := range []string{".csv", ".png", ".json"} {
				if n := Name("h1", m, k) + ext; !rundir.IsEmbedOutput(n) {
					t.Errorf("%s: not recognized as nnfc embed's", n)
				}
			}
		}
	}
}
