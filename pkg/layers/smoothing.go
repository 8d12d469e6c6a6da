package layers

import "math"

// SmoothedSoftmaxCrossEntropy is softmax cross-entropy against smoothed
// targets (label smoothing, Szegedy et al. 2016; PyTorch's
// nn.CrossEntropyLoss(label_smoothing=Eps)): row i's target is
// q_i = (1−Eps)·onehot(y_i) + Eps/C over the C classes, and
//
//	L = (1/N) Σ_i −Σ_j q_ij log p_ij
//	  = (1/N) Σ_i [ lse(s_i) − (1−Eps)·s_iy_i − (Eps/C)·Σ_j s_ij ]
//
// (Σ_j q_ij = 1), computed with the row maximum m subtracted from every
// score as SoftmaxCrossEntropy does. Eps = 0 is SoftmaxCrossEntropy's
// loss; the model builds that one instead, so a run without smoothing
// computes exactly what it did before.
type SmoothedSoftmaxCrossEntropy[T Float] struct{ Eps float64 }

// Loss: with p = softmax(s), ∂L/∂s_ij = (p_ij − q_ij)/N
// = p_ij/N − Eps/(C·N) − (1−Eps)/N·1{j = y_i}.
func (l SmoothedSoftmaxCrossEntropy[T]) Loss(scores *Matrix[T], t Target[T], dscores *Matrix[T]) float64 {
	y := checkLoss("softmax", scores, t, dscores)
	n, c := scores.Rows, scores.Cols
	inv := 1 / float64(n)
	u := l.Eps / float64(c)
	var total float64
	for i := 0; i < n; i++ {
		s, d := scores.Row(i), dscores.Row(i)
		yi := label("softmax", y[i], c)
		m, sum := expShifted(s, d)
		var shifted float64 // Σ_j (s_ij − m)
		for _, v := range s {
			shifted += float64(v - m)
		}
		total += math.Log(sum) - (1-l.Eps)*float64(s[yi]-m) - u*shifted
		scale, off := T(inv/sum), T(u*inv)
		for j := range d {
			d[j] = d[j]*scale - off
		}
		d[yi] -= T((1 - l.Eps) * inv)
	}
	return total * inv
}
