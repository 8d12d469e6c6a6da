package optim

import (
	"fmt"
	"math"

	"github.com/nnfc/nnfc/pkg/layers"
)

// GlobalNorm returns the L2 norm of all gradients taken together,
// √(Σ_params Σ_j Grad[j]²), accumulated in float64 (in four partial sums,
// so the additions do not wait on one another).
func GlobalNorm[T layers.Float](params []*layers.Param[T]) float64 {
	var s0, s1, s2, s3 float64
	for _, p := range params {
		g := p.Grad
		j := 0
		for ; j+4 <= len(g); j += 4 {
			x0, x1, x2, x3 := float64(g[j]), float64(g[j+1]), float64(g[j+2]), float64(g[j+3])
			s0 += x0 * x0
			s1 += x1 * x1
			s2 += x2 * x2
			s3 += x3 * x3
		}
		for ; j < len(g); j++ {
			x := float64(g[j])
			s0 += x * x
		}
	}
	return math.Sqrt((s0 + s1) + (s2 + s3))
}

// ClipGlobalNorm scales every gradient in place by maxNorm/norm when the
// global norm (see GlobalNorm) exceeds maxNorm, so that the clipped global
// norm is maxNorm and the direction is unchanged (Pascanu et al. 2013;
// PyTorch's clip_grad_norm_). It returns the norm before clipping. When the
// norm is at most maxNorm the gradients are untouched. When the norm is
// NaN or infinite the gradients are left untouched too and the non-finite
// norm is returned, for the caller to report or skip the step. It panics
// if maxNorm is not positive.
func ClipGlobalNorm[T layers.Float](params []*layers.Param[T], maxNorm float64) (norm float64) {
	if !(maxNorm > 0) {
		panic(fmt.Sprintf("optim: ClipGlobalNorm: maxNorm must be > 0, got %v", maxNorm))
	}
	norm = GlobalNorm(params)
	if !(norm > maxNorm) || math.IsInf(norm, 1) {
		return norm
	}
	scale := T(maxNorm / norm)
	for _, p := range params {
		g := p.Grad
		for j := range g {
			g[j] *= scale
		}
	}
	return norm
}

// Clipped is an optimizer whose Step first clips the gradients of params
// to the global norm MaxNorm (ClipGlobalNorm), then runs the wrapped
// optimizer's Step. It needs every gradient before any update, so it is
// not a Fuser: a network runs it after its whole backward pass.
type Clipped[T layers.Float] struct {
	Optimizer[T]
	MaxNorm float64
	// Norm is the global norm before clipping of the last Step.
	Norm   float64
	params []*layers.Param[T]
}

// Clip returns opt with its gradients clipped to maxNorm before each
// Step; params are opt's parameters. It panics if maxNorm is not
// positive.
func Clip[T layers.Float](opt Optimizer[T], params []*layers.Param[T], maxNorm float64) *Clipped[T] {
	if !(maxNorm > 0) {
		panic(fmt.Sprintf("optim: Clip: maxNorm must be > 0, got %v", maxNorm))
	}
	return &Clipped[T]{Optimizer: opt, MaxNorm: maxNorm, params: params}
}

// Step clips the gradients, records their norm in Norm, and steps.
func (c *Clipped[T]) Step(lr float64) {
	c.Norm = ClipGlobalNorm(c.params, c.MaxNorm)
	c.Optimizer.Step(lr)
}
