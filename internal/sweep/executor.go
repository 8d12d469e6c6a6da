package sweep

import "context"

// Executor runs a sweep's trials somewhere. Local (local.go) runs each as
// a process on this machine; Slurm (slurm.go) submits one job array. A
// third executor (Kubernetes Indexed Jobs, say) is one more file: a type
// with these three methods that its init adds to executors. Trials record
// their executor in trial.json, and Results asks that executor's Status
// whether a trial marked running still runs.
type Executor interface {
	// Submit starts the trials of the sweep in dir that are still to run
	// (ToRun) and returns the job that Cancel stops; "" when it ran them
	// to the end itself.
	Submit(ctx context.Context, dir string, o Options) (job string, err error)
	// Status returns a check of whether a trial that trial.json marks
	// running still runs; one check serves one reading of a sweep.
	Status() func(st *TrialStatus, dir string) bool
	// Cancel stops job's running trials; each checkpoints first.
	Cancel(job string) error
}

// executors are the executors by name, as trial.json and nnfc sweep
// --executor name them; each file adds its own.
var executors = map[string]Executor{}

// ExecutorNamed returns the executor called name; nil when there is none.
func ExecutorNamed(name string) Executor { return executors[name] }
