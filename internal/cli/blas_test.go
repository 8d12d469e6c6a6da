package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
)

// TestBlasFlag: --blas selects the backend `nnfc version` names, the
// default is the build's DefaultBackend, and a name the build lacks is a
// command-line error (exit 2) on one line that lists the choices.
func TestBlasFlag(t *testing.T) {
	defer func() {
		_ = blasbackend.Select("")
		_ = blasbackend.Init(0)
	}()
	ctx := context.Background()
	want := map[string]string{
		blasbackend.OneDNNName:   "blas: onednn ",
		blasbackend.OpenBLASName: "blas: openblas ",
		blasbackend.GonumName:    "blas: gonum (pure Go)",
	}
	for _, b := range blasbackend.Backends() {
		code, out, errOut := nnfc(t, ctx, "--blas", b, "version")
		if code != ExitOK || !strings.Contains(out, want[b]) {
			t.Errorf("nnfc --blas %s version: exit %d, stdout %q, stderr %q; want %q", b, code, out, errOut, want[b])
		}
	}
	code, out, _ := nnfc(t, ctx, "version")
	if code != ExitOK || !strings.Contains(out, want[blasbackend.DefaultBackend]) {
		t.Errorf("nnfc version: exit %d, stdout %q; want the default %q", code, out, want[blasbackend.DefaultBackend])
	}
	if blasbackend.Available && !strings.Contains(out, "ISA ") {
		t.Errorf("nnfc version: %q does not name oneDNN's ISA", out)
	}
	code, _, errOut := nnfc(t, ctx, "--blas", "mkl", "version")
	if code != ExitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "--blas") ||
		!strings.Contains(errOut, blasbackend.GonumName) {
		t.Errorf("nnfc --blas mkl version: exit %d, stderr %q; want %d and one line naming --blas and the choices", code, errOut, ExitUsage)
	}
}
