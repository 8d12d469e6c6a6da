package optim

import (
	"fmt"

	"github.com/nnfc/nnfc/pkg/layers"
)

// EMA is an exponential moving average of a network's values (its flat
// parameter buffer and, when it has them, its batch-normalization
// statistics), updated after every step:
//
//	d   = min(Decay, (1 + n)/(10 + n))    n: the updates before this one
//	avg = d·avg + (1 − d)·w
//
// The ramp on d is TensorFlow's ExponentialMovingAverage with
// num_updates: early averages are not dominated by the initial weights
// (with Decay 0.999, d reaches 0.999 after 8,990 updates). The averages
// start as a copy of the values. Evaluated in place of the weights, the
// average usually generalizes better than the last step's weights
// (Polyak and Juditsky 1992).
//
// Its state is the averages and N: checkpoint both to resume exactly.
type EMA[T layers.Float] struct {
	Decay float64
	N     int // updates so far
	src   [][]T
	avg   [][]T
}

// NewEMA averages the buffers src into the buffers avg, pairwise of the
// same length, and copies src into avg. It panics on mismatched lengths
// or a decay outside [0, 1).
func NewEMA[T layers.Float](decay float64, src, avg [][]T) *EMA[T] {
	if !(decay >= 0 && decay < 1) {
		panic(fmt.Sprintf("optim: EMA decay %v outside [0,1)", decay))
	}
	if len(src) != len(avg) {
		panic(fmt.Sprintf("optim: EMA of %d buffers into %d", len(src), len(avg)))
	}
	for i := range src {
		if len(src[i]) != len(avg[i]) {
			panic(fmt.Sprintf("optim: EMA buffer %d: %d values into %d", i, len(src[i]), len(avg[i])))
		}
		copy(avg[i], src[i])
	}
	return &EMA[T]{Decay: decay, src: src, avg: avg}
}

// Rate is the decay d of the next update.
func (e *EMA[T]) Rate() float64 {
	n := float64(e.N)
	return min(e.Decay, (1+n)/(10+n))
}

// Update folds the current values into the averages.
func (e *EMA[T]) Update() {
	d := e.Rate()
	a, b := T(d), T(1-d)
	for i, w := range e.src {
		avg := e.avg[i]
		for j, v := range w {
			avg[j] = a*avg[j] + b*v
		}
	}
	e.N++
}
