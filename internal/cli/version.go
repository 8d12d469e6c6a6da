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
use (oneDNN with the instruction set its JIT kernels use, for the float32
GEMMs; OpenBLAS with the kernel set it runs, and whether nnfc chose that
core because OpenBLAS misdetected the CPU; or gonum's pure Go), the thread
counts, and the CPU model. Every run records the same in its
results.json, because the same seed gives the same weights only with the
same BLAS kernels.

The version and commit are stamped by make build (git describe); a plain
go build records the commit itself from a git checkout, and -buildvcs=false
builds say "devel" and "commit unknown".`,
		Example: `  nnfc version
  nnfc --threads 1 version
  nnfc --blas openblas version              # OpenBLAS for float32 too
  OPENBLAS_CORETYPE=Haswell nnfc version    # force OpenBLAS's AVX2 kernels (kept as set)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(io.Out, version())
			fmt.Fprintln(io.Out, "blas:", blasbackend.Describe())
			fmt.Fprintln(io.Out, "cpu:", sysinfo.CPUModel())
			return nil
		},
	}
}
