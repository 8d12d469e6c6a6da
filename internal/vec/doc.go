// Package vec holds the element-wise passes of the training step's hot
// path, each in two implementations:
//
//   - a Go loop (ref.go), the reference, and the only one in the pure-Go
//     build (CGO_ENABLED=0 or -tags purego);
//   - a C loop (kernels.c) in the cgo build, the same arithmetic written so
//     that gcc vectorizes it, with the same results bit for bit except for
//     which NaN comes out of an operation on two NaNs. On x86-64 Linux each
//     C function is compiled three times (target_clones: AVX-512, AVX2 and
//     baseline x86-64) and the dynamic loader picks the one the CPU runs;
//     elsewhere once, for the baseline target. A pragma
//     (fp-contract=off) keeps gcc from fusing a·b+c into an FMA, which
//     rounds once where Go rounds twice; in ref.go an explicit float32()
//     conversion of each product that feeds a sum keeps Go from fusing
//     too (it would on arm64 or with GOAMD64=v3).
//
// Why C: Go does not vectorize loops, and these passes run over every
// activation of every step. On 784-512-10 at batch 128 the two ReLU passes
// took about 270 µs of a 2.65 ms float32 step in Go; see
// docs/performance.md for the measured effect. The float32 swish forward
// pass (BenchmarkSwish, 128×512, one run) takes about 790 µs in Go and
// 62 µs in C, its backward 63 and 21 µs. The GEMMs stay in OpenBLAS.
//
// The float32 sigmoid and swish compute e^x with exp32 (ref.go: Cephes'
// expf, ≤ 2 ulp), in C without a branch: the polynomial for every element
// on its input clamped to exp32's range, the tails blended in after.
//
// The optimizer update rules of pkg/optim (Momentum, Nesterov, RMSProp,
// Adam, AdamW; vec_optim.go) are element-wise over a parameter, its
// gradient and the rule's state. Their C loops are memory-bound: on
// 407,050 float32 parameters (BenchmarkOptim, one run) Adam takes about
// 0.3 ms in C and 1.1 ms in Go, AdamW 0.27 and 1.7 ms.
//
// GemmRule32 (gemmrule.c) goes one step further for a float32 weight of
// the oneDNN backend: it computes the weight's gradient dzᵀ·x itself, in
// AVX-512 tiles, and applies the rule to each tile from registers, while
// the next tile's dot products run (issue 26 item 3). From the same
// gradient it gives the rule's bits; its dot products are FMAs in k order.
//
// The ReLU passes take row-major matrices as flat slices with their column
// count; len(h) must be a multiple of cols and len(b) ≥ cols. The sigmoid
// and swish passes are element-wise over flat slices; the outputs must be
// at least as long as the input. The functions panic on shapes that do
// not fit (a programmer error), before any C code runs.
package vec
