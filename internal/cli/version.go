package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/sysinfo"
)

func version() string { return sysinfo.GetBuild().String() }

func newCmdVersion(io IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, BLAS backend and CPU",
		Long: `Print nnfc's version and VCS commit, the Go toolchain, the BLAS backend in
use (OpenBLAS with the kernel set it picked for this CPU, or gonum's pure
Go), its thread count, and the CPU model. Every run records the same in its
results.json, because the same seed gives the same weights only with the
same BLAS kernels.

The version and commit are stamped by make build (git describe); a plain
go build records the commit itself from a git checkout, and -buildvcs=false
builds say "devel" and "commit unknown".`,
		Example: `  nnfc version
  nnfc --threads 1 version
  OPENBLAS_CORETYPE=Haswell nnfc version    # force OpenBLAS's AVX2 kernels`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(io.Out, version())
			fmt.Fprintln(io.Out, "blas:", blasbackend.Describe())
			fmt.Fprintln(io.Out, "cpu:", sysinfo.CPUModel())
			return nil
		},
	}
}
