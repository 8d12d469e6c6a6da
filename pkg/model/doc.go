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
// With Spec.BatchNorm and Spec.Dropout a hidden layer is Linear,
// BatchNorm1d, activation, Dropout, still numbered as nn.Sequential numbers
// them: for one hidden layer with both, "0.weight", "0.bias", then
// "1.weight" (γ), "1.bias" (β), "1.running_mean", "1.running_var", then
// "4.weight", "4.bias". The running statistics are buffers, not
// parameters: they live in a third flat buffer (FlatBuffers), are saved
// and loaded with the parameters, and no optimizer or L2 term sees them.
// Such a file loads into
//
//	nn.Sequential(nn.Linear(D, H), nn.BatchNorm1d(H), nn.SiLU(), nn.Dropout(p), nn.Linear(H, C))
//
// with load_state_dict(safetensors.torch.load_file(path)) (PyTorch fills in
// the num_batches_tracked counter nnfc does not store).
//
// # Fast path
//
// New selects a fused stage (Net.Fused, layers.AffineReLU) for every Affine
// directly followed by a ReLU: forward is one GEMM with beta = 0 and one pass
// h = max(0, h + b); backward masks the upstream gradient and sums it into
// db in one pass before the weight GEMM. When the affine layers own every
// parameter (no batch normalization) New also sets their OverwriteGrad, so
// Loss writes each gradient once instead of clearing the gradient buffer
// and accumulating. Net.Fused = false runs every layer's own Forward and
// Backward: the reference the fused path is tested against
// (TestFusedMatchesReference; BenchmarkTrainStep's path=reference).
//
// Net.TrainStep is one training step with an optimizer: when the
// optimizer can update inside the backward pass (every rule of pkg/optim,
// an optim.Fuser) and the affine layers own every parameter, each layer
// applies the update (layers.Update) to its parameters as soon as their
// gradients are ready, plain SGD's folded into the weight GEMM; otherwise
// it is Loss followed by the optimizer's Step, the reference
// (TestTrainStepMatchesLossThenStep).
//
// The two-layer net of the course is simply Spec{Hidden: []int{H}}.
//
// Spec{Kind: KindAutoencoder, CodeDim: m} is instead the seed's tied-weight
// autoencoder ½‖f(Wᵀf(Wx)) − x‖² (autoencoder.go): one layer holding W
// (m × input_dim, the tensor encoder.weight), trained by the same Loss with
// the input as its target; Code gives f(Wx). LayerOutput returns any layer's
// activations (input, hidden layers, scores; for an autoencoder input,
// code, reconstruction) for nnfc embed.
//
// # Kinds
//
// What differs between model kinds in the network is one Kind per file
// (classifier.go, autoencoder.go), listed in the kinds table (kind.go):
// spec validation, the layers New builds, the loss and the target it
// takes, the tensors and version of the model file, the layer names.
// Adding a kind is one file here and one line in kinds (and its task in
// internal/task for config, metrics and what the commands show). The
// targets of the outputs issue (regression: a float matrix per row;
// multi-label: a 0/1 matrix) extend the head's loss with the batch's
// target matrix beside today's class indices, so the classifier's
// []int32 gather and loss stay as they are.
//
// Model files are safetensors with the state_dict layout above; the spec
// and the input normalization travel in the file's metadata (see Save and
// Load).
package model
