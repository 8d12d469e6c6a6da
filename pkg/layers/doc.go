// Package layers holds the building blocks of a fully connected network:
// the affine layer, activations, dropout, batch normalization and losses,
// each with a hand-written backward pass next to its forward, plus
// parameters and initializers.
//
// # The layer contract
//
// A Layer maps a batch x (a Matrix with one sample per row) to a batch out.
//
//   - Forward(x) computes out and keeps exactly what Backward needs (the
//     cs231n "cache"): a reference to x, or to out, or an extra buffer. The
//     caller must not modify x until Backward has run. The returned matrix
//     belongs to the layer and is overwritten by the next Forward.
//   - Backward(dout) takes dout = ∂L/∂out for the last Forward, ADDS the
//     parameter gradients into each Param's Grad (the caller zeroes them
//     once per step, so shared parameters and micro-batches compose), and
//     returns dx = ∂L/∂x, also owned by the layer. An Affine layer told
//     SkipInputGrad returns nil: the first layer of a network needs no dx.
//   - Params() lists the learnable parameters, value and gradient together.
//
// One opt-in exception to "Backward adds": an Affine with OverwriteGrad
// set WRITES dW and db (its weight GEMM runs with beta = 0). A caller sets
// it only when it knows the gradients would be zero before that Backward:
// pkg/model does so when the affine layers own every parameter of a
// network, each gets exactly one gradient per step, and the per-step clear
// of the gradient buffer then disappears. Everything else, and every
// Affine by default, accumulates.
//
// Buffers are sized on the first call and reused: once they exist, Forward
// and Backward do not allocate.
//
// Dropout and BatchNorm behave differently in training and evaluation:
// they implement Trainer and start in training mode, as PyTorch modules
// do. BatchNorm's running mean and variance are Buffers (Stateful): state
// a model file keeps, but not learnable Params.
//
// A Loss turns class scores and integer labels into a scalar loss and its
// gradient with respect to the scores in one pass.
//
// Everything is generic over the element type T (float32 for training,
// float64 for gradient checking) and every matrix product goes through
// Gemm, that is through gonum's BLAS interface.
package layers
