package sweep

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Executor runs a sweep's trials somewhere. Local (local.go) runs each as
// a process on this machine; Slurm (slurm.go) submits one job array. A
// third executor (Kubernetes Indexed Jobs, say) is one more file: a type
// with these three methods and a Driver for nnfc sweep, which its init
// adds with register. Trials record their executor in trial.json, and
// Results asks that executor's Status whether a trial marked running
// still runs.
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

// A Driver is an executor as nnfc sweep --executor NAME runs it: the
// flags of its own (nnfc sweep refuses them with another executor), and
// a run of the sweep that submits its trials and follows them as those
// flags say.
type Driver interface {
	// Help is the executor's paragraph of nnfc sweep --help: how it runs
	// the trials, what its flags do.
	Help() string
	// AddFlags adds the executor's own flags to fs.
	AddFlags(fs *pflag.FlagSet)
	// Check reports a bad value of those flags.
	Check() error
	// Run runs the sweep s (parsed from its file) in dir: it returns
	// finished false when the trials go on without this process (nnfc
	// sweep then prints no results), an error wrapping ErrInterrupted
	// when ctx stopped it.
	Run(ctx context.Context, s *Sweep, dir string, o Options) (finished bool, err error)
}

// registered is one executor of the table: its Executor and a maker of
// its Driver (fresh flag values for each nnfc sweep command).
type registered struct {
	name      string
	executor  Executor
	newDriver func() Driver
}

// executors is the table of executors, in registration order (local.go,
// slurm.go, ...: file order), by the name trial.json and --executor use.
var executors []registered

// register adds an executor to the table; each executor's file calls it
// from init.
func register(name string, e Executor, newDriver func() Driver) {
	executors = append(executors, registered{name, e, newDriver})
}

// ExecutorNamed returns the executor called name; nil when there is none.
func ExecutorNamed(name string) Executor {
	for _, r := range executors {
		if r.name == name {
			return r.executor
		}
	}
	return nil
}

// ExecutorNames lists the executors' names, the default (local) first.
func ExecutorNames() []string {
	var names []string
	for _, r := range executors {
		names = append(names, r.name)
	}
	return names
}

// NewDrivers returns a Driver of every executor by name, with its flags'
// default values.
func NewDrivers() map[string]Driver {
	ds := map[string]Driver{}
	for _, r := range executors {
		ds[r.name] = r.newDriver()
	}
	return ds
}

// ExecutorHelp is the executors' section of nnfc sweep --help: each
// executor's Help, in table order, under its name.
func ExecutorHelp() string {
	var b strings.Builder
	for i, r := range executors {
		name := r.name
		if i == 0 {
			name += " (default)"
		}
		for j, line := range strings.Split(r.newDriver().Help(), "\n") {
			if j == 0 {
				fmt.Fprintf(&b, "  %-17s%s\n", name, line)
			} else {
				fmt.Fprintf(&b, "  %-17s%s\n", "", line)
			}
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
