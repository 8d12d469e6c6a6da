package blasbackend

import (
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLoopKeepsThread: between BeginLoop and End the goroutine stays on
// one OS thread (one OpenMP pool) through Step's yields, while other
// goroutines compete for the scheduler; Step does yield, so they run.
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
	end := time.Now().Add(60 * time.Millisecond)
	steps := 0
	for time.Now().Before(end) {
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
	if spins.Load() == 0 {
		t.Fatal("no other goroutine ran during the loop")
	}
}
