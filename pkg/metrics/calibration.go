package metrics

import "math"

// Bins is the number of equal-width confidence bins of the reliability
// diagram and of ECE in nnfc's reports (Guo et al. 2017 use 15).
const Bins = 15

// Bin is one bin of a reliability diagram: the rows whose confidence is in
// (Lo, Hi] (bin 0 includes Lo = 0), their total Weight, and their
// weighted mean Confidence and Accuracy (0 for an empty bin).
type Bin struct {
	Lo, Hi     float64
	Weight     float64
	Confidence float64
	Accuracy   float64
}

// edges are numpy's linspace(0, 1, bins+1): i·(1/bins), the last exactly 1.
func edges(bins int) []float64 {
	e := make([]float64, bins+1)
	step := 1 / float64(bins)
	for i := range e {
		e[i] = float64(i) * step
	}
	e[bins] = 1
	return e
}

// Reliability sorts the rows into bins equal-width bins of confidence
// conf (a probability: the top class's for a classifier) and returns each
// bin's weight, mean confidence and accuracy (the weighted fraction of its
// rows that are correct).
func Reliability(conf []float64, correct []bool, w []float64, bins int) []Bin {
	checkLen("Reliability", len(conf), w)
	e := edges(bins)
	bs := make([]Bin, bins)
	for b := range bs {
		bs[b].Lo, bs[b].Hi = e[b], e[b+1]
	}
	for i, c := range conf {
		b := min(max(int(math.Ceil(c*float64(bins)))-1, 0), bins-1)
		for b > 0 && c <= e[b] {
			b--
		}
		for b < bins-1 && c > e[b+1] {
			b++
		}
		wi := weight(w, i)
		bs[b].Weight += wi
		bs[b].Confidence += wi * c
		if correct[i] {
			bs[b].Accuracy += wi
		}
	}
	for b := range bs {
		if bs[b].Weight != 0 {
			bs[b].Confidence /= bs[b].Weight
			bs[b].Accuracy /= bs[b].Weight
		}
	}
	return bs
}

// ECE is the expected calibration error of the bins of Reliability:
// Σ_b (W_b/W)·|Accuracy_b − Confidence_b|; NaN without weight.
func ECE(bs []Bin) float64 {
	var total float64
	for _, b := range bs {
		total += b.Weight
	}
	if total == 0 {
		return math.NaN()
	}
	var e float64
	for _, b := range bs {
		e += b.Weight / total * math.Abs(b.Accuracy-b.Confidence)
	}
	return e
}
