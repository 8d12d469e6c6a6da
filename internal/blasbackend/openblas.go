//go:build cgo && !purego

package blasbackend

/*
#cgo LDFLAGS: -lopenblas

// Declared here rather than taken from <cblas.h>: the header's location
// depends on the Debian alternatives setup, the symbols do not.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
*/
import "C"

import (
	"fmt"
	"strings"

	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/layers"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	lapackgonum "gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/netlib/blas/netlib"
)

// Available reports whether this build can use the C backends, OpenBLAS
// and oneDNN (true in the cgo build, false in the pure-Go one).
const Available = true

// DefaultBackend is the backend Init registers unless Select chose
// another: oneDNN for the float32 GEMM, OpenBLAS for the rest.
const DefaultBackend = OneDNNName

// Backends lists the names Select accepts in this build.
func Backends() []string { return []string{OneDNNName, OpenBLASName, GonumName} }

// Init registers the selected backend (see Select) as the float32 and
// float64 BLAS used by gonum, and so by layers.Gemm. threads > 0 sets the
// thread count of OpenBLAS and of oneDNN's OpenMP pool; threads == 0
// leaves their defaults (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else one
// per core). A negative count is an error and changes nothing.
func Init(threads int) error {
	if threads < 0 {
		return fmt.Errorf("blasbackend: negative thread count %d", threads)
	}
	if threads > 0 {
		C.openblas_set_num_threads(C.int(threads))
		setOMPThreads(threads)
	}
	switch selected {
	case OneDNNName:
		blas32.Use(OneDNN{})
		blas64.Use(netlib.Implementation{})
		lapack64.Use(openBLASLapack{})
		// The float32 update rules share a large weight out over the same
		// OpenMP team as oneDNN's GEMMs.
		vec.SetTeam(setOMPThreads(0))
		// and a float32 weight's update rule takes its gradient from a
		// GEMM of vec's, tile by tile in registers (vec.GemmRule32).
		vec.SetGemmRules(true)
		if usePacked {
			layers.SetPacker(onednnPacker{})
		} else {
			layers.SetPacker(nil)
		}
	case OpenBLASName:
		blas32.Use(netlib.Implementation{})
		blas64.Use(netlib.Implementation{})
		lapack64.Use(openBLASLapack{})
		vec.SetTeam(1)
		vec.SetGemmRules(false)
		layers.SetPacker(nil)
	default:
		blas32.Use(gonum.Implementation{})
		blas64.Use(gonum.Implementation{})
		lapack64.Use(lapackgonum.Implementation{})
		vec.SetTeam(1)
		vec.SetGemmRules(false)
		layers.SetPacker(nil)
	}
	return nil
}

// Name returns the registered backend: "onednn" (oneDNN's float32 GEMM,
// OpenBLAS for the rest), "openblas", or "gonum (pure Go)".
func Name() string {
	_, dnnl := blas32.Implementation().(OneDNN)
	_, ob32 := blas32.Implementation().(netlib.Implementation)
	_, ob64 := blas64.Implementation().(netlib.Implementation)
	switch {
	case dnnl && ob64:
		return OneDNNName
	case ob32 && ob64:
		return OpenBLASName
	}
	return pureName
}

// Threads returns the number of threads the registered backend's float32
// GEMM uses: oneDNN's OpenMP count, openblas_get_num_threads(), or
// runtime.GOMAXPROCS(0) for gonum.
func Threads() int {
	switch Name() {
	case OneDNNName:
		return setOMPThreads(0)
	case OpenBLASName:
		return openBLASThreads()
	}
	return goThreads()
}

func openBLASThreads() int { return int(C.openblas_get_num_threads()) }

// CoreName returns OpenBLAS's openblas_get_corename(): the kernel set it
// picked for this CPU (e.g. "SkylakeX", "Haswell"), or "" in the pure-Go
// build. It can be forced with OPENBLAS_CORETYPE in a DYNAMIC_ARCH build.
func CoreName() string { return C.GoString(C.openblas_get_corename()) }

// Config returns OpenBLAS's openblas_get_config() string, e.g.
// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64", or ""
// in the pure-Go build.
func Config() string { return C.GoString(C.openblas_get_config()) }

// Version returns the OpenBLAS version parsed from Config, or "" if it
// cannot be found.
func Version() string {
	f := strings.Fields(Config())
	for i, s := range f {
		if strings.EqualFold(s, "OpenBLAS") && i+1 < len(f) {
			return f[i+1]
		}
	}
	return ""
}

// describeOpenBLAS is e.g. "openblas 0.3.21, 1 thread, core SkylakeX",
// followed by how the core was chosen when nnfc chose it.
func describeOpenBLAS() string {
	v := Version()
	if v == "" {
		v = "(unknown version)"
	}
	return fmt.Sprintf("openblas %s, %s, core %s%s", v, plural(openBLASThreads(), "thread"), CoreName(), coreNote())
}

// Describe returns a one-line summary for logs, e.g.
// "onednn 2.6.3 (float32 GEMM; ISA avx512_core_bf16, 2 threads, OpenMP); float64 and the rest: openblas 0.3.21, 2 threads, core SkylakeX"
// or "openblas 0.3.21, 1 thread, core SkylakeX".
func Describe() string {
	switch Name() {
	case OneDNNName:
		return fmt.Sprintf("onednn %s (float32 GEMM; ISA %s, %s, OpenMP); float64 and the rest: %s",
			OneDNNVersion(), OneDNNISA(), plural(Threads(), "thread"), describeOpenBLAS())
	case OpenBLASName:
		return describeOpenBLAS()
	}
	return describePure()
}
