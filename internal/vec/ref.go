package vec

import "math"

// The Go reference of every pass. The exported functions call these in the
// pure-Go build; the tests compare the C kernels with them.

// biasReLURef sets every row r of h to max(0, r + b), clearing the bits of
// a negative sum instead of comparing (no branch on random signs): −0
// becomes +0, a NaN keeps its payload when positive and becomes +0 when
// negative.
func biasReLURef32(h []float32, cols int, b []float32) {
	b = b[:cols]
	for i := 0; i+cols <= len(h); i += cols {
		row := h[i : i+cols]
		for j, v := range row {
			u := math.Float32bits(v + b[j])
			row[j] = math.Float32frombits(u &^ uint32(int32(u)>>31))
		}
	}
}

func biasReLURef64(h []float64, cols int, b []float64) {
	b = b[:cols]
	for i := 0; i+cols <= len(h); i += cols {
		row := h[i : i+cols]
		for j, v := range row {
			u := math.Float64bits(v + b[j])
			row[j] = math.Float64frombits(u &^ uint64(int64(u)>>63))
		}
	}
}

// reluMaskBiasGradRef keeps d where h ≠ 0 (h is a ReLU output, so h > 0)
// and sets it to +0 elsewhere, and adds each column's sum into db, rows in
// order. The mask comes from h's bits without a branch: u|−u has its sign
// bit set exactly when u ≠ 0.
func reluMaskBiasGradRef32(d, h []float32, cols int, db []float32) {
	h, db = h[:len(d)], db[:cols]
	for i := 0; i+cols <= len(d); i += cols {
		dr, hr := d[i:i+cols], h[i:i+cols]
		for j, v := range dr {
			u := math.Float32bits(hr[j])
			v = math.Float32frombits(math.Float32bits(v) & uint32(int32(u|-u)>>31))
			dr[j] = v
			db[j] += v
		}
	}
}

func reluMaskBiasGradRef64(d, h []float64, cols int, db []float64) {
	h, db = h[:len(d)], db[:cols]
	for i := 0; i+cols <= len(d); i += cols {
		dr, hr := d[i:i+cols], h[i:i+cols]
		for j, v := range dr {
			u := math.Float64bits(hr[j])
			v = math.Float64frombits(math.Float64bits(v) & uint64(int64(u|-u)>>63))
			dr[j] = v
			db[j] += v
		}
	}
}
