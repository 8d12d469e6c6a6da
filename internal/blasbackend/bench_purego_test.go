//go:build !cgo || purego

package blasbackend

import (
	"runtime"
	"testing"
)

// benchThreads sets GOMAXPROCS, the parallelism of gonum's pure-Go GEMM,
// to threads for the duration of the sub-benchmark.
func benchThreads(b *testing.B, threads int) {
	b.Helper()
	old := runtime.GOMAXPROCS(threads)
	b.Cleanup(func() { runtime.GOMAXPROCS(old) })
}
