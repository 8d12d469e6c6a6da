// Package embed lays high-dimensional points (a network's hidden
// activations, or raw inputs) out in two dimensions and says how well the
// layout separates the classes:
//
//   - PCA: the top principal components (gonum's stat.PC), with the
//     fraction of variance each explains;
//
//   - GP-LVM (Lawrence 2004): the latent points X that maximize the
//     Gaussian-process log-likelihood of the data Y,
//
//     L = −(D/2)·log|K| − ½·tr(K⁻¹YYᵀ),  K = k(X, X) + β⁻¹I,
//
//     with the linear kernel k = αXXᵀ (whose maximum is probabilistic PCA's,
//     Tipping & Bishop 1999, in closed form: ClosedFormPPCA) or the RBF
//     kernel k_ij = α·exp(−γ/2·‖x_i − x_j‖²); X, α, β (and γ) are all
//     learned, by gonum/optimize's L-BFGS from the PCA initialization;
//
//   - KNN1Error: the leave-one-out 1-nearest-neighbour classification
//     error in the embedding, a figure that compares methods;
//
//   - (the pictures are internal/plots' WriteScatter, nnfc embed's work internal/embedrun).
//
// Every K⁻¹ is taken from K's Cholesky factor (solves, and LAPACK's
// potri-style inverse of the factor where the gradient needs K⁻¹ itself);
// no general matrix inverse is formed. One evaluation of L and its
// gradient costs O(N³ + N²D): that is why callers subsample to about a
// thousand points.
package embed
