//go:build !cgo || purego

package blasbackend

// CopyRows32 reports false, having copied nothing: the pure-Go build has
// no OpenMP team, and the caller copies.
func CopyRows32(dst, src []float32, idx []int, d int) bool { return false }
