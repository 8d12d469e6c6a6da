package layers

// Update is an optimizer step applied inside the backward pass: a layer
// calls it for each of its parameters as soon as that parameter's gradient
// (or a block of its rows) is complete, while the gradient is still in
// cache, instead of an optimizer's Step running over every parameter after
// the whole backward pass. pkg/optim implements it for every update rule
// (optim.Fuser); the reference it is tested against is Backward followed
// by the optimizer's Step.
//
// The layer keeps the order that makes the two the same: an input
// gradient that reads a parameter is computed before that parameter is
// updated.
type Update[T Float] interface {
	// Linear reports whether p's update is w ← w − k·g for its gradient
	// g, and k. A layer computing g with a GEMM may then fold the update
	// into that GEMM (alpha −k, beta 1) and never write g.
	Linear(p *Param[T]) (k T, ok bool)
	// Apply updates p.Data[lo:hi] from p.Grad[lo:hi], which must hold
	// this step's complete gradient of those entries (any L2 term
	// included). Each entry of each parameter is applied once per step.
	Apply(p *Param[T], lo, hi int)
}
