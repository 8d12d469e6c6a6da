//go:build cgo && !purego

package blasbackend

/*
#include "onednn.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/nnfc/nnfc/pkg/layers"
)

// usePacked registers the oneDNN packer at Init (layers.SetPacker);
// NNFC_ONEDNN_PACK=0 leaves inference on the plain GEMM, to compare the
// two.
var usePacked = os.Getenv("NNFC_ONEDNN_PACK") != "0"

// packRefRows is the batch whose kernel picks the packed layout; other
// row counts get primitives built for that layout (nnfc_pack).
const packRefRows = 1000

// packMinRows is the fewest rows for which a product smaller than
// smallGemm multiply-adds still runs packed (NNFC_PACK_MIN_ROWS sets it,
// to compare).
var packMinRows = envInt("NNFC_PACK_MIN_ROWS", 256)

// packedCalls counts the products run on packed weights (for tests).
var packedCalls atomic.Int64

// PackedCalls returns how many affine products ran on packed weights.
func PackedCalls() int64 { return packedCalls.Load() }

// onednnPacker is the oneDNN backend's layers.Packer: weights reordered
// once into the layout oneDNN's matmul kernel reads (onednn.c's
// nnfc_pack), products with the bias added inside the kernel.
type onednnPacker struct{}

func (onednnPacker) Threads() int { return setOMPThreads(0) }

// Pack reorders w (out×in) for oneDNN; nil in the bfloat16 mode (its
// products convert their operands per call) or when oneDNN refuses.
func (onednnPacker) Pack(w []float32, out, in int) layers.Packed {
	if bf16.Load() || len(w) < out*in || out <= 0 || in <= 0 {
		return nil
	}
	var pk *C.nnfc_packed
	// The calling thread's OpenMP count is the team the reference
	// primitive is planned for; one thread is enough to plan the layout.
	pk = C.nnfc_pack((*C.float)(unsafe.Pointer(&w[0])), C.int64_t(out), C.int64_t(in), C.int64_t(packRefRows))
	if pk == nil {
		return nil
	}
	p := &packedWeights{pk: pk, out: out, in: in}
	runtime.AddCleanup(p, func(pk *C.nnfc_packed) { C.nnfc_packed_free(pk) }, pk)
	return p
}

// packedWeights is a weight matrix packed by nnfc_pack, freed when
// unreachable.
type packedWeights struct {
	pk      *C.nnfc_packed
	out, in int
}

// Affine runs x·Wᵀ + b on the packed weights. Products below smallGemm
// multiply-adds (a 784-512 layer: fewer than 21 rows) of fewer than
// packMinRows rows (a 512-10 layer: fewer than 256), the bfloat16 mode,
// and row counts without a primitive report false: the caller's plain
// GEMM takes them. The 512-10 product of 1,000 rows took 0.147 ms packed
// against 0.22-0.37 ms plain (C, one thread, load ~1), and a 784-512(swish)-10
// forward of 1,000 rows 8,068 CPU ns a row against 8,316 (medians of 3,
// load 2); 64 rows were slower packed (8,998-9,113 against 8,782-8,845). Below smallGemm the packed kernel did not pay: one row
// of a 784-512(swish)-10 forward pass took 29.2-29.4 µs of CPU packed,
// 25.0-25.2 plain (pkg/model's BenchmarkForward, load 33), while 64 rows
// took 8.9 µs a row packed against 9.6-9.9 plain, 1,000 rows 8.7 against
// 9.2.
func (p *packedWeights) Affine(x []float32, m int, b, c []float32, threads int) bool {
	if m <= 0 || (m*p.out*p.in < smallGemm && m < packMinRows) || bf16.Load() {
		return false
	}
	if len(x) < m*p.in || len(b) < p.out || len(c) < m*p.out {
		panic(fmt.Sprintf("blasbackend: packed affine %d×%d with %d rows: x %d, b %d, c %d elements", p.out, p.in, m, len(x), len(b), len(c)))
	}
	if threads <= 0 {
		threads = setOMPThreads(0)
	}
	switch C.nnfc_packed_affine(p.pk, C.int(threads), C.int64_t(m), (*C.float)(unsafe.Pointer(&x[0])),
		(*C.float)(unsafe.Pointer(&b[0])), (*C.float)(unsafe.Pointer(&c[0]))) {
	case 0:
		packedCalls.Add(1)
		runtime.KeepAlive(p)
		return true
	case 1:
		runtime.KeepAlive(p)
		return false
	}
	panic(fmt.Sprintf("blasbackend: packed affine %d×%d with %d rows failed", p.out, p.in, m))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
