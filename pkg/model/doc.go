// Package model builds a sequential fully connected network from a Spec
// and runs it: Scores for inference, Loss for a forward and backward pass
// that leaves every parameter gradient in place for an optimizer.
//
// The layers are laid out like a PyTorch nn.Sequential: affine layers at
// even indices (parameters "0.weight" [out,in], "0.bias" [out], then
// "2.weight", ...) and activations at the odd indices between them. All
// parameter values live in one flat buffer and all gradients in another,
// so zeroing, an optimizer step, a checkpoint or a gradient check is one
// loop (the llm.c layout).
//
// The two-layer net of the course is simply Spec{Hidden: []int{H}}.
//
// Model files are safetensors with the state_dict layout above; the spec
// and the input normalization travel in the file's metadata (see Save and
// Load).
package model
