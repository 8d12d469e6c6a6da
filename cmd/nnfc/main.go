// Command nnfc trains, checks and uses fully connected neural networks.
// See internal/cli for the commands and their exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/cli"
)

// init locks the main goroutine, which runs every command's training,
// evaluation and benchmark, to the process's main OS thread for the whole
// run: one thread for all of nnfc's BLAS calls, so one OpenMP pool. An
// OpenMP pool belongs to the OS thread that opens the parallel region; a
// goroutine that moves between threads (blasbackend.Loop keeps it on one
// only for one loop) leaves a pool behind on each thread it used, and
// libgomp, once it manages more threads than there are CPUs, cuts its
// workers' spinning between regions from about 300,000 iterations to
// 1,000, so they sleep and must be woken for every parallel region.
func init() { runtime.LockOSThread() }

func main() {
	// Before anything else: if OpenBLAS picked kernels older than this CPU
	// (and OPENBLAS_CORETYPE is unset), re-execute with the right core.
	blasbackend.GuardOpenBLAS(os.Stderr)
	// The first SIGINT/SIGTERM cancels the context: training finishes its
	// step and writes a checkpoint. A second Ctrl-C kills the process; more
	// SIGTERMs are ignored, because they are no second request: a parent's
	// death signal (Pdeathsig, as nnfc sweep sets it) comes once for each
	// of the parent's exiting threads, and would kill the checkpoint it
	// asked for. SIGKILL still stops nnfc at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		signal.Ignore(syscall.SIGTERM)
		stop()
	}()
	os.Exit(cli.Main(ctx, os.Args[1:], cli.SystemIO()))
}
