//go:build cgo && !purego

package blasbackend

import "testing"

// benchThreads registers OpenBLAS with the given thread count.
func benchThreads(b *testing.B, threads int) {
	b.Helper()
	if err := Init(threads); err != nil {
		b.Fatal(err)
	}
}
