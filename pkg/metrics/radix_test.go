package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortFloats: sortFloats orders like slices.Sort (values compared
// as numbers: −0 and +0 as equals) on random probabilities, ties, mixed
// signs, zeros of both signs, infinities, subnormals and short slices;
// and a slice it did not sort (the twin: one pair swapped back) is told
// apart by the same check.
func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]float64{}
	probs := make([]float64, 10000)
	for i := range probs {
		probs[i] = math.Exp(-40 * rng.Float64()) // 4e-18 .. 1, every exponent
	}
	cases["probabilities"] = probs
	ties := make([]float64, 5000)
	for i := range ties {
		ties[i] = float64(rng.IntN(7)) / 8
	}
	cases["ties"] = ties
	mixed := make([]float64, 3000)
	for i := range mixed {
		mixed[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
	}
	mixed = append(mixed, 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 5e-324, -5e-324, math.MaxFloat64, -math.MaxFloat64, 0, math.Copysign(0, -1))
	cases["mixed signs and ends"] = mixed
	cases["short"] = []float64{3, -1, 2, 2, math.Copysign(0, -1), 0}
	cases["one digit everywhere"] = slices.Repeat([]float64{0.25}, 100)
	var buf []uint64
	for name, c := range cases {
		got, want := slices.Clone(c), slices.Clone(c)
		buf = sortFloats(got, buf)
		slices.Sort(want)
		if !sameOrder(got, want) {
			t.Errorf("%s: sortFloats differs from slices.Sort", name)
		}
		if len(got) > 2 && got[0] != got[len(got)-1] {
			// the twin
			i := len(got) - 1
			for got[i] == got[0] {
				i--
			}
			got[0], got[i] = got[i], got[0]
			if sameOrder(got, want) {
				t.Errorf("%s: a swapped pair went unnoticed", name)
			}
		}
	}
}

// sameOrder reports whether a and b hold equal numbers at every index.
func sameOrder(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func BenchmarkSortFloats(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float64, 10000)
	for i := range src {
		src[i] = math.Exp(-40 * rng.Float64())
	}
	s := make([]float64, len(src))
	b.Run("radix", func(b *testing.B) {
		var buf []uint64
		for b.Loop() {
			copy(s, src)
			buf = sortFloats(s, buf)
		}
	})
	b.Run("slices.Sort", func(b *testing.B) {
		for b.Loop() {
			copy(s, src)
			slices.Sort(s)
		}
	})
}
