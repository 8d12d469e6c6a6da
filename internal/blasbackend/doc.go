// Package blasbackend chooses the BLAS implementation behind every matrix
// product in nnfc, and guards against OpenBLAS running slow kernels.
//
// All GEMMs go through layers.Gemm, which calls
// blas32.Implementation().Sgemm / blas64.Implementation().Dgemm. By default
// those are gonum's pure-Go kernels. Init registers the backend chosen with
// Select (nnfc's --blas flag):
//
//   - "onednn" (the default in the cgo build): float32 GEMMs run oneDNN's
//     dnnl_sgemm (Intel's deep-learning library, Debian's libdnnl-dev; it
//     JIT-compiles its kernels for the instruction set it finds at run
//     time, on Intel and AMD alike), through the OneDNN type; float64 and
//     every other BLAS routine run OpenBLAS, as oneDNN has no dgemm. The
//     float64 LAPACK gonum's lapack64 uses is gonum's own, except the
//     Cholesky factorization and the inverse from it (Dpotrf, Dpotri:
//     lapack.go), which OpenBLAS's LAPACK runs as one threaded call each
//     (the GP-LVM of pkg/embed factors and inverts a 1000×1000 matrix per
//     iteration).
//     oneDNN threads through OpenMP (libgomp).
//   - "openblas": everything on OpenBLAS, through gonum's own cgo binding
//     gonum.org/v1/netlib/blas/netlib.
//   - "gonum": gonum's pure-Go kernels, parallel over GOMAXPROCS
//     goroutines.
//
// Two builds, one API:
//
//   - cgo build (CGO_ENABLED=1, no "purego" tag): the package carries
//     "#cgo LDFLAGS: -lopenblas -ldnnl -lgomp", so a plain `go build` /
//     `go test` links the system libraries (Debian: libopenblas-dev and
//     libdnnl-dev at build time; `make deps` installs both). Init(threads)
//     with threads > 0 sets the thread count of OpenBLAS and of oneDNN's
//     OpenMP calls; threads == 0 leaves their defaults (OPENBLAS_NUM_THREADS
//     and OMP_NUM_THREADS, else one thread per core).
//   - pure-Go build (CGO_ENABLED=0 or -tags purego): only "gonum"; Init only
//     validates its argument; Threads reports runtime.GOMAXPROCS(0).
//
// GuardOpenBLAS (guard.go): Debian's OpenBLAS 0.3.21 picks its kernels
// when it loads, and on a CPU newer than itself (Intel family 6 model 207,
// for one) falls back to Prescott (SSE3), several times slower. The guard
// compares openblas_get_corename() with the CPU's flags
// (golang.org/x/sys/cpu) and, unless the user set OPENBLAS_CORETYPE,
// re-executes the program with OPENBLAS_CORETYPE set to the best core for
// the CPU (SkylakeX for AVX-512, Haswell for AVX2), or prints one warning
// with that fix if it cannot. cmd/nnfc calls it first thing in main.
//
// On two threads or more the OneDNN type shares the large weight-shaped
// GEMMs (x·Wᵀ with at most 256 rows, and dzᵀ·x) out over its OpenMP team
// by rows of W itself (nnfc_split_sgemm in onednn.c), so a layer's
// forward and update give each thread the same rows of W;
// NNFC_ONEDNN_SPLIT=0 leaves them to oneDNN's threading.
//
// SetBFloat16 (bf16.go, `precision: bfloat16`): on the oneDNN backend, the
// large float32 GEMMs round their inputs to bfloat16 and run oneDNN's bf16
// matmul primitive (float32 accumulation and output); weights and
// everything else stay float32.
//
// Init is deliberately not run from an init function, so a program (or a
// test) decides whether and when the backend changes. Call it once, early,
// before any training goroutine starts: blas32.Use and blas64.Use are not
// synchronised with concurrent GEMMs.
package blasbackend
