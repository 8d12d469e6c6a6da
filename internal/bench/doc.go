// Package bench measures nnfc's training and evaluation throughput on the
// network the shared peer scripts (../shared/bench/torch_mlp.py and
// numpy_mlp.py) train: 784-512-10, softmax cross-entropy, plain SGD
// (lr 0.1), batch 128, on synthetic MNIST-shaped data (60000×784 uniform in
// [0,1), labels argmax((x−0.5)·teacher) for a fixed random teacher).
//
// Run prints one JSON line per epoch and a final "SUMMARY {json}" line with
// the peers' field names (train_samples_per_s_median,
// eval_samples_per_s_median, train_gflops_median, …), plus the GEMM-only
// bound measured in the same process: before every epoch it times the five
// GEMMs of one training step (forward x·W1ᵀ and h·W2ᵀ; backward dsᵀ·h,
// ds·W2 and dhᵀ·x; the first layer has no input gradient) on buffers of the
// step's shapes, and fraction_of_gemm_bound is the median training rate
// over the median bound. Interleaving the bound with the epochs keeps the
// ratio honest on a noisy machine.
//
// FLOPs per training sample: forward 2·(784·512 + 512·10) = 813,056;
// backward 2·(784·512 + 2·512·10) = 823,296; 1,636,352 in all.
//
// The training loop is the inner loop of internal/train (Gather into a
// reused batch, Net.Loss, Optimizer.Step) and evaluation is
// train.Evaluator, so the figures are those of `nnfc train`, without its
// per-epoch checkpoint and metrics files.
package bench
