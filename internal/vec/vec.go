package vec

import "fmt"

// BiasReLU sets every row r of the row-major matrix h (cols columns) to
// max(0, r + b), in place. A negative sum and −0 become +0; a NaN stays
// when its sign bit is clear and becomes +0 when set.
func BiasReLU32(h []float32, cols int, b []float32) {
	checkRows("BiasReLU32", len(h), cols, len(b))
	biasReLU32(h, cols, b)
}

// BiasReLU64 is BiasReLU32 for float64.
func BiasReLU64(h []float64, cols int, b []float64) {
	checkRows("BiasReLU64", len(h), cols, len(b))
	biasReLU64(h, cols, b)
}

// ReLUMaskBiasGrad32 is the backward pass of BiasReLU32 for the gradient
// d (same shape as h, the forward's output): d is kept where h ≠ 0 and set
// to +0 elsewhere, in place, and the column sums of the result are added
// into db (len ≥ cols), summing rows in order.
func ReLUMaskBiasGrad32(d, h []float32, cols int, db []float32) {
	checkRows("ReLUMaskBiasGrad32", len(d), cols, len(db))
	checkSame("ReLUMaskBiasGrad32", len(d), len(h))
	reluMaskBiasGrad32(d, h, cols, db)
}

// ReLUMaskBiasGrad64 is ReLUMaskBiasGrad32 for float64.
func ReLUMaskBiasGrad64(d, h []float64, cols int, db []float64) {
	checkRows("ReLUMaskBiasGrad64", len(d), cols, len(db))
	checkSame("ReLUMaskBiasGrad64", len(d), len(h))
	reluMaskBiasGrad64(d, h, cols, db)
}

func checkRows(name string, n, cols, nb int) {
	if cols < 1 || n%cols != 0 || nb < cols {
		panic(fmt.Sprintf("vec: %s: %d elements in rows of %d columns with a vector of %d", name, n, cols, nb))
	}
}

func checkSame(name string, a, b int) {
	if b < a {
		panic(fmt.Sprintf("vec: %s: operands of %d and %d elements", name, a, b))
	}
}
