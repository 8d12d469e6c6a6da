package embed

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PCA returns the scores of the rows of y (N×D) on the first q principal
// components (N×q, the centered data projected) and the fraction of the
// total variance each component explains. The components are the top
// eigenvectors of the D×D covariance (one symmetric eigendecomposition on
// the registered LAPACK: OpenBLAS's with internal/blasbackend), or, when
// D > N, of the N×N Gram matrix of the centered rows; each component's
// sign makes its largest-magnitude loading positive, so the layout does
// not flip between LAPACK implementations.
func PCA(y *mat.Dense, q int) (scores *mat.Dense, explained []float64, err error) {
	n, d := y.Dims()
	if q < 1 || q > d || n < 2 {
		return nil, nil, errors.New("embed: PCA needs at least 2 points and 1 ≤ q ≤ dimensions")
	}
	c := Center(y)
	var s mat.SymDense
	dual := d > n
	if dual {
		s.SymOuterK(1/float64(n-1), c) // CCᵀ: its eigenvectors are the scores' directions
	} else {
		s.SymOuterK(1/float64(n-1), c.T())
	}
	var eig mat.EigenSym
	if !eig.Factorize(&s, true) {
		return nil, nil, errors.New("embed: PCA: the eigendecomposition failed")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	m := len(vals)
	var total float64
	for _, v := range vals {
		total += max(v, 0)
	}
	explained = make([]float64, q)
	scores = mat.NewDense(n, q, nil)
	for k := range min(q, m) {
		col := m - 1 - k
		if total > 0 {
			explained[k] = max(vals[col], 0) / total
		}
		v := mat.Col(nil, col, &vecs)
		big := 0
		for i := range v {
			if math.Abs(v[i]) > math.Abs(v[big]) {
				big = i
			}
		}
		if v[big] < 0 {
			for i := range v {
				v[i] = -v[i]
			}
		}
		var sc mat.VecDense
		if dual {
			// The score of point i is √((N−1)λ)·u_i.
			sc.ScaleVec(math.Sqrt(max(vals[col], 0)*float64(n-1)), mat.NewVecDense(n, v))
		} else {
			sc.MulVec(c, mat.NewVecDense(d, v))
		}
		scores.SetCol(k, sc.RawVector().Data)
	}
	return scores, explained, nil
}

// Center returns a copy of y with each column's mean subtracted.
func Center(y *mat.Dense) *mat.Dense {
	n, d := y.Dims()
	c := mat.DenseCopyOf(y)
	for j := range d {
		var m float64
		for i := range n {
			m += c.At(i, j)
		}
		m /= float64(n)
		for i := range n {
			c.Set(i, j, c.At(i, j)-m)
		}
	}
	return c
}
