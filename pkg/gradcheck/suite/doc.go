// Package suite holds the built-in gradient checks that `nnfc gradcheck`
// runs, and the closed-form derivations of the course homework proved
// against finite differences.
//
// Every Check has a Run, which must pass, and a Negative twin: the same
// check with a deliberately wrong gradient (a flipped sign, a missing
// factor, a missing term), which must fail. A checker that cannot fail
// proves nothing; the package test runs All and asserts both directions.
// Everything is float64 and seeded: the same Results every time. All
// takes well under a second.
//
// The relative error is the course's, max |a−n| / max(1e-8, |a|+|n|),
// against a five-point centered difference with h = 1e-3 (see package
// gradcheck), and every built-in check must stay below
// gradcheck.DefaultThreshold = 1e-7. Kinks are avoided, not tolerated:
// inputs of ReLU and LeakyReLU and the SVM margins s_j − s_y + 1 are kept at
// least 0.05 from 0, more than ten times what a difference step moves them.
//
// # Checks, in the order of All
//
// layer/affine, layer/relu, layer/swish, layer/sigmoid, layer/tanh,
// layer/leaky_relu: the input gradient (and for affine the weight and
// bias gradients) of each layer on a 5×6 batch, through f = Σ out ⊙ dout
// with a random dout (gradcheck.Layer). Negative twins: db averaged
// instead of summed; ReLU without its mask; LeakyReLU with slope 0; σ
// instead of σ(1−σ); 1−tanh instead of 1−tanh²; swish with σ(1−σ).
//
// loss/softmax, loss/svm, loss/mse: ∂L/∂scores on 8×7 scores. Negative
// twins: softmax without the −1 at the true class, SVM without the
// true-class term, MSE without the 1/N.
//
// loss/smoothed_softmax: softmax cross-entropy against label-smoothed
// targets (1−ε)·onehot + ε/C, ε 0.1, on the same scores. Negative twin:
// the gradient of the unsmoothed loss, p − onehot.
//
// net/h={1,2,3}/{relu,swish,sigmoid,tanh,leaky_relu}/reg={0,0.3}: every
// parameter of a 4-6-3, 4-6-5-3 or 4-6-5-4-3 softmax network (xavier
// init, leaky_alpha 0.1, batch 5), loss including the L2 term 0.5·reg·ΣW².
// Negative twins: the gradient without the 1/N of the mean loss (reg 0) or
// without reg·W (reg 0.3).
//
// derivation/autoencoder: the tied-weight linear autoencoder, W k×d,
//
//	L = ½‖WᵀWx − x‖²,  K = WᵀWx − x,  ∇W = W K xᵀ + W x Kᵀ,
//
// for one sample and for a batch (the columns of X: ∇W = W K Xᵀ + W X Kᵀ),
// compared with finite differences and with two bias-free layers.Affine,
// encoder weight W and decoder weight Wᵀ, run forward and backward with
// the upstream gradient r − x: W feeds both, so ∇W = dW_enc + dW_decᵀ.
// Negative twin: the W x Kᵀ term dropped.
//
// derivation/gplvm: the GP-LVM log-likelihood of latent X (N×Q) for data
// Y (N×D),
//
//	K = αXXᵀ + β⁻¹I,  L = −(D/2)·log|K| − ½·tr(K⁻¹YYᵀ),
//	∂L/∂X = α K⁻¹YYᵀK⁻¹X − α D K⁻¹X,
//
// with N=6, Q=2, D=4, α=1.3, β=2, every K⁻¹ a Cholesky solve and log|K|
// the Cholesky log-determinant, against finite differences (no layer
// composition exists). Negative twins: the factor D dropped; the sign of
// the α D K⁻¹X term flipped.
//
// derivation/swishnet: the two-layer swish net with softmax over C=7
// classes,
//
//	z1 = W1x + b1,  h1 = z1⊙σ(z1),  s = W2h1 + b2,  p = softmax(s),  L = −log p_y,
//	∂L/∂W2 = (p − e_y) h1ᵀ,  ∂L/∂b2 = p − e_y,
//	∂L/∂z1 = (h1 + σ(z1)⊙(1 − h1)) ⊙ W2ᵀ(p − e_y),
//	∂L/∂W1 = ∂L/∂z1 xᵀ,  ∂L/∂b1 = ∂L/∂z1,
//
// for one sample and for a batch of 4 (L and the gradients the mean over
// the batch, as model.Net's), against finite differences and against a
// model.Net of the same architecture holding the same weights. Negative
// twin: ∂h1/∂z1 = σ(z1)⊙(1−σ(z1)), the sigmoid's derivative.
//
// net/autoencoder/{identity,tanh,swish}: ∇W of model.Net of kind
// autoencoder (W 3×5, batch 4, reg 0 and 0.3) against finite differences,
// against the same autoencoder composed of bias-free layers.Affine and the
// activation layers, and for the identity against derivation/autoencoder's
// closed form. Negative twin: the decoder's term dropped.
//
// embed/gplvm/{linear,rbf}: the GP-LVM that `nnfc embed` optimizes
// (pkg/embed), with log-parametrized hyperparameters learned beside X:
//
//	G = ∂L/∂K = ½(K⁻¹YYᵀK⁻¹ − D·K⁻¹),
//	∂L/∂log α = Σ G ⊙ k(X, X),  ∂L/∂log β = −β⁻¹·tr(G),
//	linear: ∂L/∂X = 2αGX;  rbf: ∂L/∂x_i = −2γ Σ_j G_ij k_ij (x_i − x_j),
//	rbf: ∂L/∂log γ = −(γ/2) Σ G_ij k_ij ‖x_i − x_j‖²,
//
// with N=7, Q=2, D=5, α=1.3, β=2, γ=0.7, against finite differences.
// Negative twins: ∂L/∂α given for ∂L/∂log α and the sign of ∂L/∂log β
// flipped (linear); ∂L/∂X halved and the factor γ of ∂L/∂log γ dropped
// (rbf).
//
// # Checking a configured network
//
// ForSpec builds the check of the network a config describes: the same
// architecture on a random batch, every tensor, at most 2000 seeded
// random entries of a large one (named in the Result, "0.weight (2000 of
// 50176 entries)"), which keeps a 784-64-10 net to about 1.5 s. Among
// thousands of entries some gradients are 1e-7 or smaller, below what a
// difference quotient of a float64 loss resolves, and the course's 1e-8
// floor would fail them at random; ForSpec raises the floor to the loss's
// rounding noise divided by the threshold (about 1e-4 for a loss near
// 2.3), so such entries are compared to within that noise instead.
//
// Select filters checks by exact name, prefix ("loss/") or path.Match
// glob ("net/*/relu/*"), for `nnfc gradcheck --only`.
package suite
