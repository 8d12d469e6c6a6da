//go:build !cgo || purego

package blasbackend

import "fmt"

// Available reports whether this build can use the C backends, OpenBLAS
// and oneDNN (true in the cgo build, false in the pure-Go one).
const Available = false

// DefaultBackend is the backend Init registers unless Select chose
// another: gonum's pure-Go kernels, the only one in this build.
const DefaultBackend = GonumName

// Backends lists the names Select accepts in this build.
func Backends() []string { return []string{GonumName} }

// Init keeps gonum's pure-Go implementation; it only rejects a negative
// thread count. It does not change GOMAXPROCS, which is what gonum's
// kernels parallelise over.
func Init(threads int) error {
	if threads < 0 {
		return fmt.Errorf("blasbackend: negative thread count %d", threads)
	}
	return nil
}

// Name returns "gonum (pure Go)".
func Name() string { return pureName }

// Threads returns runtime.GOMAXPROCS(0), the parallelism of gonum's kernels.
func Threads() int { return goThreads() }

// CoreName returns "": there is no OpenBLAS in this build.
func CoreName() string { return "" }

// Config returns "": there is no OpenBLAS in this build.
func Config() string { return "" }

// Version returns "": there is no OpenBLAS in this build.
func Version() string { return "" }

// Describe returns e.g. "gonum (pure Go), 2 threads (GOMAXPROCS)".
func Describe() string { return describePure() }

// OneDNNVersion returns "": there is no oneDNN in this build.
func OneDNNVersion() string { return "" }

// OpenMPPools returns 0: there are no OpenMP threads in this build.
func OpenMPPools() int { return 0 }

// OneDNNISA returns "": there is no oneDNN in this build.
func OneDNNISA() string { return "" }

// SetBFloat16 refuses the bfloat16 mode (on = true): it needs the oneDNN
// backend, which this build lacks.
func SetBFloat16(on bool) (string, error) {
	if on {
		return "", fmt.Errorf("precision bfloat16 needs the onednn backend (--blas onednn); this build has only %s", pureName)
	}
	return "", nil
}

// BFloat16 reports false: there is no bfloat16 mode in this build.
func BFloat16() bool { return false }

// BFloat16Calls returns 0: there is no bfloat16 mode in this build.
func BFloat16Calls() int64 { return 0 }

// PackedCalls returns how many affine products ran on packed weights:
// none in this build (no Packer).
func PackedCalls() int64 { return 0 }
