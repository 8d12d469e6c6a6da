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

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// Available reports whether this build can use OpenBLAS (true in the cgo
// build, false in the pure-Go one).
const Available = true

// Init registers OpenBLAS as the float32 and float64 BLAS used by gonum
// (and so by layers.Gemm). threads > 0 sets OpenBLAS's thread count;
// threads == 0 leaves its default. A negative count is an error and changes
// nothing.
func Init(threads int) error {
	if threads < 0 {
		return fmt.Errorf("blasbackend: negative thread count %d", threads)
	}
	if threads > 0 {
		C.openblas_set_num_threads(C.int(threads))
	}
	blas32.Use(netlib.Implementation{})
	blas64.Use(netlib.Implementation{})
	return nil
}

// Name returns "openblas" when OpenBLAS is the registered implementation
// for both float32 and float64, else "gonum (pure Go)".
func Name() string {
	_, ok32 := blas32.Implementation().(netlib.Implementation)
	_, ok64 := blas64.Implementation().(netlib.Implementation)
	if ok32 && ok64 {
		return "openblas"
	}
	return pureName
}

// Threads returns the number of threads the active implementation uses:
// openblas_get_num_threads() once OpenBLAS is registered, else
// runtime.GOMAXPROCS(0).
func Threads() int {
	if Name() == "openblas" {
		return int(C.openblas_get_num_threads())
	}
	return goThreads()
}

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

// Describe returns a one-line summary for logs, e.g.
// "openblas 0.3.21, 1 thread, core SkylakeX".
func Describe() string {
	if Name() != "openblas" {
		return describePure()
	}
	v := Version()
	if v == "" {
		v = "(unknown version)"
	}
	return fmt.Sprintf("openblas %s, %s, core %s", v, plural(Threads(), "thread"), CoreName())
}
