package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestNormalizeFinite32 compares the build's NormalizeFinite32 with the
// reference bit for bit on finite rows (MNIST-like pixels and values
// over float32's range, denormals included), and checks that a NaN or
// ±Inf planted anywhere is found at its index with x left unchanged.
func TestNormalizeFinite32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][2]int{{1, 1}, {1, 17}, {3, 7}, {2, 784}, {100, 784}, {33, 100}} {
		rows, cols := sh[0], sh[1]
		t.Run(fmt.Sprintf("%dx%d", rows, cols), func(t *testing.T) {
			x := make([]float32, rows*cols)
			for i := range x {
				switch rng.IntN(4) {
				case 0:
					x[i] = float32(rng.IntN(256))
				case 1:
					x[i] = float32(rng.NormFloat64() * 1e30)
				case 2:
					x[i] = math.Float32frombits(rng.Uint32N(0x00800000)) // a denormal (or 0)
				default:
					x[i] = float32(rng.NormFloat64())
				}
			}
			shift, scale := make([]float32, cols), make([]float32, cols)
			for j := range shift {
				shift[j], scale[j] = float32(rng.NormFloat64()*100), float32(rng.Float64()*3)+1e-3
			}
			got, want := append([]float32(nil), x...), append([]float32(nil), x...)
			if i := NormalizeFinite32(got, cols, shift, scale); i != -1 {
				t.Fatalf("finite rows: got index %d, want -1", i)
			}
			normalizeFiniteRef32(want, cols, shift, scale)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("x[%d] = %v, reference %v", i, got[i], want[i])
				}
			}
			// Checked only (no normalizer): unchanged.
			chk := append([]float32(nil), x...)
			if i := NormalizeFinite32(chk, cols, nil, nil); i != -1 {
				t.Fatalf("check only: got index %d, want -1", i)
			}
			for i := range x {
				if math.Float32bits(chk[i]) != math.Float32bits(x[i]) {
					t.Fatalf("check only changed x[%d]: %v, was %v", i, chk[i], x[i])
				}
			}
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xff800001)} {
				at := rng.IntN(len(x))
				y := append([]float32(nil), x...)
				y[at] = bad
				later := rng.IntN(len(x)-at) + at // a second one at or after the first
				y[later] = float32(math.Inf(1))
				before := append([]float32(nil), y...)
				if i := NormalizeFinite32(y, cols, shift, scale); i != at {
					t.Fatalf("%v planted at %d: got index %d", bad, at, i)
				}
				for i := range y {
					if math.Float32bits(y[i]) != math.Float32bits(before[i]) {
						t.Fatalf("%v planted at %d: x[%d] changed to %v", bad, at, i, y[i])
					}
				}
			}
		})
	}
	// Worked by hand: (3 − 1)·0.5 = 1 and (−2 − 2)·0.25 = −1; the largest
	// finite float32 is not flagged (the twin of the planted values).
	x := []float32{3, -2, math.MaxFloat32, 0}
	if i := NormalizeFinite32(x, 2, []float32{1, 2}, []float32{0.5, 0.25}); i != -1 || x[0] != 1 || x[1] != -1 || x[2] != (math.MaxFloat32-1)*0.5 || x[3] != -0.5 {
		t.Fatalf("NormalizeFinite32 = %d, %v; want -1, [1 -1 %v -0.5]", i, x, float32((math.MaxFloat32-1)*0.5))
	}
}
