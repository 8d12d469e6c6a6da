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
	ctx := stopOnSignal()
	os.Exit(cli.Main(ctx, os.Args[1:], cli.SystemIO()))
}

// stopOnSignal returns a context that the first SIGINT or SIGTERM
// cancels: training finishes its step and writes a checkpoint. A second
// SIGINT (Ctrl-C) kills the process. Later SIGTERMs are received and
// dropped, because they are no second request: a parent's death signal
// (Pdeathsig, as nnfc sweep sets it) comes once for each of the parent's
// exiting threads. SIGKILL still stops nnfc at once.
//
// SIGTERM stays subscribed for the whole run. It used to be switched to
// ignored (signal.Ignore) after the first: the Go runtime marks the signal
// unhandled before its sigaction(SIG_IGN) call, and a SIGTERM arriving on
// another thread in between takes the inherited default action (strace:
// rt_sigaction(SIGTERM, SIG_IGN) in flight on one thread, SIG_DFL set and
// "killed by SIGTERM" on two others), so a trial of a killed sweep died
// without its checkpoint (issue 22).
func stopOnSignal() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		for s := range sigs {
			if s == os.Interrupt {
				// A second Ctrl-C: die of it, as an unhandled one would.
				signal.Reset(os.Interrupt)
				_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
				os.Exit(130)
			}
		}
	}()
	return ctx
}
