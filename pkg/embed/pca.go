package embed

import (
	"errors"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// PCA returns the scores of the rows of y (N×D) on the first q principal
// components (N×q, the centered data projected) and the fraction of the
// total variance each component explains.
func PCA(y *mat.Dense, q int) (scores *mat.Dense, explained []float64, err error) {
	n, d := y.Dims()
	if q < 1 || q > d || n < 2 {
		return nil, nil, errors.New("embed: PCA needs at least 2 points and 1 ≤ q ≤ dimensions")
	}
	var pc stat.PC
	if !pc.PrincipalComponents(y, nil) {
		return nil, nil, errors.New("embed: PCA: the singular value decomposition failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	var total float64
	for _, v := range vars {
		total += v
	}
	explained = make([]float64, q)
	for i := range q {
		if i < len(vars) && total > 0 {
			explained[i] = vars[i] / total
		}
	}
	c := Center(y)
	scores = mat.NewDense(n, q, nil)
	k := min(q, len(vars))
	scores.Slice(0, n, 0, k).(*mat.Dense).Mul(c, vecs.Slice(0, d, 0, k))
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
