package train

import (
	"fmt"
	"unsafe"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/limits"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
)

// checkMemory estimates the memory a run of spec needs with n training
// samples and refuses it, naming model.hidden, when it exceeds the limit:
// the parameters with their gradients, the best copy and the optimizer
// state, and the activations of a training batch and an evaluation batch
// (a few buffers per layer each).
func checkMemory[T layers.Float](c config.Config, spec model.Spec, n int) error {
	var zero T
	elt := float64(unsafe.Sizeof(zero))
	copies := float64(optim.StateCopies(c.Optimizer.Rule))
	params := spec.Values()
	width := 0.0
	for _, d := range spec.Dims() {
		width += float64(d)
	}
	batch := float64(min(c.Train.BatchSize, n))
	evalBatch := float64(min(c.Train.EvalBatch, n))
	need := elt * (params*(3+copies) + (4*batch+2*evalBatch)*width)
	return limits.Check(fmt.Sprintf("model.hidden: the %s network (%.3g parameters in %s, with gradients, the best copy and %s state)",
		spec, spec.Values(), c.Precision, c.Optimizer.Rule), need)
}
