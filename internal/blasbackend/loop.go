package blasbackend

import (
	"runtime"
	"sync"
	"time"
)

// A Loop is one goroutine's run of many BLAS calls: a training loop, an
// evaluation pass, a benchmark. It keeps the goroutine on one OS thread
// and lets Go's scheduler run every few milliseconds, which is what
// oneDNN's OpenMP threads need inside a Go program:
//
//   - An OpenMP thread pool belongs to the OS thread that opens the
//     parallel region, and a cgo call runs on whichever thread its
//     goroutine is on. A goroutine that moves between threads starts a
//     second pool, whose idle worker spins on the core the running pool
//     needs. LockOSThread keeps one pool for the loop; nnfc's main
//     goroutine is locked to the main thread for the whole run (cmd/nnfc),
//     so that every loop of a command shares one pool.
//   - A goroutine that has not been through the scheduler for 10 ms is
//     preempted by sysmon, and inside a cgo call that means taking its P
//     away: sysmon wakes another OS thread to spin on a core, then polls
//     every 20 µs for the next millisecond, each time taking a core from a
//     2-thread GEMM whose other thread then waits at its barrier. A
//     runtime.Gosched every few milliseconds keeps sysmon asleep.
//
// Measured on the 2-vCPU AMD EPYC (Zen 5) VM, 784-512-10 batch 128 SGD
// with oneDNN at 2 threads, medians of 4-5 alternating runs: training
// 99k samples/s plain, 109k locked, 125-133k locked and yielding; the five
// GEMMs alone 127k, 138k and 160-167k (docs/performance.md, round 8).
//
// Use:
//
//	l := blasbackend.BeginLoop()
//	defer l.End()
//	for ... { step(); l.Step() }
type Loop struct {
	last time.Time
}

// yieldEvery is how often Step lets the scheduler run: under sysmon's
// 10 ms preemption, with a margin.
const yieldEvery = 4 * time.Millisecond

// BeginLoop locks the calling goroutine to its OS thread until End.
func BeginLoop() *Loop {
	runtime.LockOSThread()
	return &Loop{last: time.Now()}
}

// Step is called once per iteration (after a training step, an
// evaluation batch); every yieldEvery it calls runtime.Gosched.
func (l *Loop) Step() {
	if now := time.Now(); now.Sub(l.last) >= yieldEvery {
		runtime.Gosched()
		l.last = now
	}
}

// End unlocks the goroutine from its thread.
func (l *Loop) End() { runtime.UnlockOSThread() }

// poolThread is the goroutine OnPoolThread runs functions on, locked to
// its OS thread for the life of the process.
var (
	poolThread     = make(chan func())
	poolThreadOnce sync.Once
)

// OnPoolThread runs f on one OS thread, the same one at every call, and
// returns when f does. nnfc's own work shares one OpenMP pool because it
// all runs on the main thread (cmd/nnfc); a Go benchmark cannot: testing
// runs each invocation of a (sub-)benchmark function on a new goroutine,
// which may land on another OS thread and open another pool (2-3 pools
// measured in BenchmarkGatherLarge, with its 2-thread time bimodal: 19-22
// µs with one pool, 33-45 µs with more). Benchmarks of OpenMP work run
// their loop in OnPoolThread. f must not call t.FailNow or b.Fatal.
func OnPoolThread(f func()) {
	poolThreadOnce.Do(func() {
		go func() {
			runtime.LockOSThread()
			for g := range poolThread {
				g()
			}
		}()
	})
	done := make(chan struct{})
	poolThread <- func() {
		defer close(done)
		f()
	}
	<-done
}
