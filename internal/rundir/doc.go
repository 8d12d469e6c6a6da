// Package rundir owns a run directory: the names of its files, the epoch
// records of metrics.jsonl, the summary in results.json, and reading
// them. nnfc train writes a run directory; nnfc sweep, runs, plot and
// report read it, through this package only.
//
// A run directory holds:
//
//	config.yaml              the run's whole config (resume reads it)
//	checkpoint.safetensors   weights, best weights, optimizer state, position
//	model.safetensors        the best model so far
//	metrics.jsonl            one JSON record per finished epoch, appended as it ends
//	results.json             what the run reached and what it ran on
//	curves.png               the learning curves (nnfc plot)
//
// A sweep's trial directory also holds train.log (the trial's output)
// and trial.json (its executor's record of the last attempt).
//
// Crash guarantees: config.yaml, the model, the checkpoint and
// results.json are replaced atomically (write, sync, rename). An epoch
// record is appended to metrics.jsonl when the epoch ends, without a
// sync; at each checkpoint metrics.jsonl is rewritten atomically from the
// checkpoint's history, so after a crash it can hold records of epochs
// the checkpoint does not (they are trained again on resume, which
// rewrites the file first), and a killed append can leave a torn last
// line, which ReadMetrics skips.
package rundir
