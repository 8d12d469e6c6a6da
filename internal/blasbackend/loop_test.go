package blasbackend

import (
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLoopKeepsThread: between BeginLoop and End the goroutine stays on
// one OS thread (one OpenMP pool) through Step's yields, while other
// goroutines compete for the scheduler; Step does yield, so they run (the
// loop goes on until they have).
func TestLoopKeepsThread(t *testing.T) {
	var stop, spins atomic.Int64
	for range 4 {
		go func() {
			for stop.Load() == 0 {
				spins.Add(1)
				time.Sleep(50 * time.Microsecond)
			}
		}()
	}
	defer stop.Store(1)
	l := BeginLoop()
	tid := unix.Gettid()
	// Until the other goroutines have run 50 times during the loop: the
	// loop ends on that event, not after a time (a loop that never yields
	// hangs here, and the test's timeout reports it).
	spins0 := spins.Load()
	steps := 0
	for steps < 100 || spins.Load() < spins0+50 {
		x := 0.0
		for i := range 20000 {
			x += float64(i)
		}
		_ = x
		l.Step()
		steps++
		if got := unix.Gettid(); got != tid {
			t.Fatalf("step %d ran on thread %d, the loop began on %d", steps, got, tid)
		}
	}
	l.End()
}
