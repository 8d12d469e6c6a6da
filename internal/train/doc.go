// Package train turns a config into a trained model: it loads and splits
// the data, builds the network and the optimizer, and runs the epoch and
// minibatch loop of the course's Solver (per-epoch train and validation
// accuracy, loss history, the best-validation parameters kept and restored
// at the end), with progress, metrics files, checkpoints and exact resume.
//
// A run directory holds:
//
//	config.yaml            the fully resolved config
//	metrics.jsonl          one JSON object per finished epoch
//	model.safetensors      the best model so far (by the monitored metric)
//	checkpoint.safetensors the last state: weights, optimizer state, position
//	results.json           the outcome and provenance (Results), written when
//	                       the process ends: finished, interrupted or diverged
//
// metrics.jsonl, model.safetensors and the checkpoint are written together
// (persist) at the end of an epoch once train.checkpoint_every epochs or
// train.checkpoint_seconds have passed, and always at the end, on early
// stopping and on Ctrl-C, so metrics.jsonl always matches the checkpoint.
// Every file is replaced atomically. The shuffling of epoch e is drawn from
// a generator seeded by (seed, e), and the train-accuracy subsample of
// epoch e likewise, so the position (epoch, step) plus weights and
// optimizer state is the whole state of a run: an interrupted and resumed
// run ends with the same weights as an uninterrupted one.
package train
