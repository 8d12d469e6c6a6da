package infer

import (
	"fmt"
	"math"

	"github.com/nnfc/nnfc/pkg/data"
)

// ImageWarning returns a one-line warning when a picture read for
// prediction (ds: its raw gray levels, 0..255, already inverted when
// inverted) looks unlike the training data the other way round: its mean
// gray level is more than one standard deviation of the training pixels
// away from their mean, and the picture inverted (255−v) would be nearer.
// A dark digit on white paper, fed to an MNIST model (white on black, mean
// about 33 of 255) without --invert, is the case; "" otherwise, and for
// model files that do not record their training data's mean.
func (m *Model) ImageWarning(ds *data.Dataset, inverted bool) string {
	if m.Norm == nil || m.Norm.Std == 0 || len(ds.X) == 0 {
		return ""
	}
	var sum float64
	for _, v := range ds.X {
		sum += float64(v)
	}
	mean := sum / float64(len(ds.X))
	far := math.Abs(mean-m.Norm.Mean) > m.Norm.Std
	nearer := math.Abs(255-mean-m.Norm.Mean) < math.Abs(mean-m.Norm.Mean)
	if !far || !nearer {
		return ""
	}
	what, fix := "light", "if it is dark ink on light paper, add --invert"
	if mean < m.Norm.Mean {
		what = "dark"
	}
	if inverted {
		fix = "it was inverted (--invert): leave --invert out for an image already light on dark"
	}
	return fmt.Sprintf("%s: mean gray level %.0f (mostly %s), but the model's training images average %.0f ± %.0f; %s",
		ds.Name, mean, what, m.Norm.Mean, m.Norm.Std, fix)
}
