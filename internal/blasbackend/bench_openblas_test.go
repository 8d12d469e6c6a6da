//go:build cgo && !purego

package blasbackend

import (
	"runtime"
	"testing"
)

// benchThreads sets GOMAXPROCS, the parallelism of gonum's pure-Go GEMM,
// to threads for the sub-benchmark when gonum is the registered backend
// (useBackend has set the C libraries' thread count).
func benchThreads(b *testing.B, threads int) {
	b.Helper()
	if Name() == pureName {
		old := runtime.GOMAXPROCS(threads)
		b.Cleanup(func() { runtime.GOMAXPROCS(old) })
	}
}
