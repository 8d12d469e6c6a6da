// Package vec holds the element-wise passes of the training step's hot
// path, each in two implementations:
//
//   - a Go loop (ref.go), the reference, and the only one in the pure-Go
//     build (CGO_ENABLED=0 or -tags purego);
//   - a C loop (kernels.c) in the cgo build, the same arithmetic written so
//     that gcc vectorizes it, with the same results bit for bit except for
//     which NaN comes out of an operation on two NaNs. Each C function is compiled three times
//     (target_clones: AVX-512, AVX2 and baseline x86-64) and the dynamic
//     loader picks the one the CPU runs. a pragma (fp-contract=off) keeps gcc from
//     fusing a·b+c into an FMA, which would round differently from Go.
//
// Why C: Go does not vectorize loops, and these passes run over every
// activation of every step. On 784-512-10 at batch 128 the two ReLU passes
// took about 270 µs of a 2.65 ms float32 step in Go; see
// docs/performance.md for the measured effect. The GEMMs stay in OpenBLAS.
//
// The functions take row-major matrices as flat slices with their column
// count; len(h) must be a multiple of cols and len(b) ≥ cols. They panic
// on shapes that do not fit (a programmer error), before any C code runs.
package vec
