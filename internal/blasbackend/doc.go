// Package blasbackend chooses the BLAS implementation behind every matrix
// product in nnfc.
//
// All GEMMs go through layers.Gemm, which calls
// blas32.Implementation().Sgemm / blas64.Implementation().Dgemm. By default
// those are gonum's pure-Go kernels. Init swaps in OpenBLAS, through gonum's
// own cgo binding gonum.org/v1/netlib/blas/netlib, for both float32 and
// float64.
//
// Two builds, one API:
//
//   - cgo build (CGO_ENABLED=1, no "purego" tag): Init registers OpenBLAS.
//     The package carries "#cgo LDFLAGS: -lopenblas", so a plain
//     `go build` / `go test` links the system libopenblas (Debian:
//     libopenblas-dev at build time, libopenblas0 at run time) with no
//     CGO_LDFLAGS in the environment. Init(threads) with threads > 0 calls
//     openblas_set_num_threads; threads == 0 leaves OpenBLAS's default
//     (OPENBLAS_NUM_THREADS, else one thread per core).
//   - pure-Go build (CGO_ENABLED=0 or -tags purego): Init only validates its
//     argument and keeps gonum's implementation, which parallelises over
//     runtime.GOMAXPROCS(0) goroutines; Threads reports that number.
//
// Init is deliberately not run from an init function, so a program (or a
// test) decides whether and when the backend changes. Call it once, early,
// before any training goroutine starts: blas32.Use and blas64.Use are not
// synchronised with concurrent GEMMs.
package blasbackend
