package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/sysinfo"
)

func version() string { return sysinfo.GetBuild().String() }

type versionOptions struct {
	IO IO
}

func newCmdVersion(io IO, runF func(*versionOptions) error) *cobra.Command {
	o := &versionOptions{IO: io}
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
			if runF != nil {
				return runF(o)
			}
			return runVersion(o)
		},
	}
}

func runVersion(o *versionOptions) error {
	fmt.Fprintln(o.IO.Out, version())
	fmt.Fprintln(o.IO.Out, "blas:", blasbackend.Describe())
	fmt.Fprintln(o.IO.Out, "cpu:", sysinfo.CPUModel())
	return nil
}
