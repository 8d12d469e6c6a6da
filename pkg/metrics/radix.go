package metrics

import "math"

// sortFloats sorts s (no NaN) in increasing order, as slices.Sort does
// but by a least-significant-digit radix sort of the values' bits (11
// bits a pass, a pass skipped when every value has the same digit there):
// the ranking metrics sort every class's scores on every evaluation, and
// on the MNIST test set (10 classes of 10,000) a comparison sort was most
// of their time. −0 sorts just before +0 (slices.Sort leaves the two in
// either order; they compare equal, so the curves see the same ties).
// buf is scratch of at least 2·len(s) elements; it returns it, grown.
func sortFloats(s []float64, buf []uint64) []uint64 {
	n := len(s)
	if n < 64 {
		insertionSort(s)
		return buf
	}
	if cap(buf) < 2*n {
		buf = make([]uint64, 2*n)
	}
	keys, tmp := buf[:n], buf[n:2*n]
	const bits, passes = 11, 6
	var count [passes][1 << bits]int
	for i, v := range s {
		k := floatKey(v)
		keys[i] = k
		for p := range passes {
			count[p][k>>(p*bits)&(1<<bits-1)]++
		}
	}
	for p := range passes {
		c := &count[p]
		if c[keys[0]>>(p*bits)&(1<<bits-1)] == n {
			continue // one digit for all: the order stands
		}
		sum := 0
		for d, k := range c {
			c[d] = sum
			sum += k
		}
		for _, k := range keys {
			d := k >> (p * bits) & (1<<bits - 1)
			tmp[c[d]] = k
			c[d]++
		}
		keys, tmp = tmp, keys
	}
	for i, k := range keys {
		s[i] = keyFloat(k)
	}
	return buf
}

// floatKey maps a float64 to a uint64 in the same order: a positive
// value's bits with the sign bit set, a negative one's bits all flipped.
func floatKey(v float64) uint64 {
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

func keyFloat(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

func insertionSort(s []float64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
