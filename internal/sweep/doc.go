// Package sweep is nnfc's hyperparameter search: a sweep file (a base run
// config and a search space over the config's own dotted keys, grid or
// random from a seed) expands into trials, each an ordinary run directory
// (its config.yaml) that nnfc train --resume, eval and plot accept; an
// executor runs them locally in parallel or as one Slurm job array; the
// trials table ranks them by the monitored validation metric.
//
// A sweep directory holds:
//
//	sweep.json           the manifest: trials, their values, the fingerprint of the sweep file
//	trials/NNN/          one run directory per trial, plus train.log and trial.json (the last attempt's exit)
//	sweep.sbatch         the generated Slurm batch script (slurm executor)
//	slurm/               the array tasks' output and the submitted job ids
//	search.png           the heat map (grid) or scatter (random) of the search
//
// Re-running a sweep skips finished trials, resumes interrupted ones from
// their checkpoints and re-runs failed ones only when asked; a sweep file
// that no longer matches the directory's manifest is refused with the
// changes named.
//
// # Adding an executor
//
// An executor is one file: a type implementing Executor (Submit, Status,
// Cancel) and a Driver (its help paragraph, its own flags, and how nnfc
// sweep runs it), added by the file's init with register. nnfc sweep
// --executor, its help's Executors section, its flags and their "applies
// to --executor X only" check all come from that table (local.go,
// slurm.go).
package sweep
