package embed

import "gonum.org/v1/gonum/mat"

// KNN1Error is the leave-one-out 1-nearest-neighbour classification error
// of the points x (rows, any dimension) with labels y: the fraction of
// points whose nearest other point (Euclidean; the first on ties) has a
// different label. It costs O(N²·dims).
func KNN1Error(x mat.Matrix, y []int32) float64 {
	n, d := x.Dims()
	if n < 2 {
		return 0
	}
	rows := make([][]float64, n)
	for i := range n {
		rows[i] = make([]float64, d)
		mat.Row(rows[i], i, x)
	}
	wrong := 0
	for i, a := range rows {
		best, bestD := -1, 0.0
		for j, b := range rows {
			if j == i {
				continue
			}
			var s float64
			for k := range a {
				t := a[k] - b[k]
				s += t * t
			}
			if best < 0 || s < bestD {
				best, bestD = j, s
			}
		}
		if y[best] != y[i] {
			wrong++
		}
	}
	return float64(wrong) / float64(n)
}
