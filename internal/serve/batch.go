package serve

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/task"
)

// job is one request's rows on their way through a forward pass.
type job struct {
	m    *Model
	x    []float32 // n normalized rows
	x64  []float64 // instead of x, for a model that reads float64 rows (Model.wide)
	n    int
	out  []Tensor // this job's rows of each output, set by the batcher
	err  error
	done chan struct{}
}

// batcher runs the server's forward passes on its workers, each with its
// own copy of every model's network (a network is not safe for concurrent
// use). Jobs of fewer than largeJob rows go to worker 0, which batches
// them: after the first job of a batch it takes what is queued, and waits
// for more up to window, until the batch holds maxBatch rows (with window
// 0, it waits only while other requests are being read and decoded, at
// most autoWindow: see collect). Jobs of largeJob rows or more go to
// whichever worker is free, so that with one BLAS thread each, two
// workers keep two cores on large forward passes while neither waits at
// an OpenMP barrier for the other. A job larger than maxBatch runs alone;
// it is never split.
//
// Why small jobs stay on one worker: a pass over a few rows costs about
// what streaming the weights through the core costs (784-512-10: 1.6 MB,
// more than a Zen 4 core's L2), whatever the rows; two workers taking
// turns at one-row jobs made passes of 1.0 row where one made 1.5–3.7.
type batcher struct {
	small, large chan *job
	window       time.Duration
	maxBatch     int
	workers      int
	flush        chan struct{} // closed at shutdown: stop waiting for more
	metrics      *metrics
	// active counts the inference requests being answered (read,
	// decoded, batched or written): more of them than a batch holds are
	// worth waiting for (see collect).
	active atomic.Int64
	// concurrentUntil (Unix nanoseconds) is 10 ms after the last job
	// submitted while other requests were being answered: until then
	// requests are taken to come concurrently (see collect).
	concurrentUntil atomic.Int64
}

// concurrentFor is how long one job submitted among others marks the
// requests as concurrent.
const concurrentFor = 10 * time.Millisecond

// largeJob is the fewest rows of a job any worker may run: a pass of 64
// rows reads the weights once for 64 rows.
const largeJob = 64

// autoWindow is how long worker 0 waits for more small jobs when no
// --batch-window is set and requests come concurrently (see collect).
const autoWindow = 200 * time.Microsecond

// worker is one forward-pass goroutine's state.
type worker struct {
	*batcher
	id           int         // which replica of each model's task it runs
	small, large <-chan *job // the queues it takes jobs from (small: nil for id > 0)
	pending      []*job      // received but left for a later batch
	x            []float32   // the rows of a batch of several jobs
	x64          []float64   // the same, of float64 rows
}

func newBatcher(window time.Duration, maxBatch, workers int, m *metrics) *batcher {
	return &batcher{small: make(chan *job, 4096), large: make(chan *job, 4096), window: window, maxBatch: maxBatch,
		workers: max(workers, 1), flush: make(chan struct{}), metrics: m}
}

// submit queues j and waits for its outputs.
func (b *batcher) submit(j *job) {
	j.done = make(chan struct{})
	if b.active.Load() > 1 {
		b.concurrentUntil.Store(time.Now().Add(concurrentFor).UnixNano())
	}
	if j.n >= largeJob {
		b.large <- j
	} else {
		b.small <- j
	}
	<-j.done
}

// run serves jobs on the workers until stop is closed and no job is left.
//
// On one BLAS thread a forward pass opens no OpenMP team, and the workers
// run on goroutines of their own, free to move between OS threads: a
// goroutine locked to its thread (as nnfc's main goroutine is) is woken
// through a futex hand-off to that thread at every job. With more BLAS
// threads, worker 0 runs on the caller (the main thread, whose OpenMP
// pool nnfc uses throughout) and every worker keeps to its thread, as an
// OpenMP pool belongs to the thread that opened it.
func (b *batcher) run(stop <-chan struct{}) {
	lock := blasbackend.Threads() > 1
	var wg sync.WaitGroup
	for id := 0; id < b.workers; id++ {
		w := &worker{batcher: b, id: id, large: b.large}
		if id == 0 {
			w.small = b.small
			if lock {
				continue // below, on the caller
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(stop, lock)
		}()
	}
	if lock {
		(&worker{batcher: b, small: b.small, large: b.large}).run(stop, lock)
	}
	wg.Wait()
}

// run serves jobs until stop is closed and none is left; lock keeps it on
// its OS thread.
func (b *worker) run(stop <-chan struct{}, lock bool) {
	if lock {
		loop := blasbackend.BeginLoop()
		defer loop.End()
	}
	for {
		first := b.next(stop)
		if first == nil {
			return
		}
		batch, rows := b.collect(first)
		b.forward(batch, rows)
	}
}

// next returns the oldest pending job, else waits for one; nil when stop
// is closed and nothing is queued.
func (b *worker) next(stop <-chan struct{}) *job {
	if len(b.pending) > 0 {
		j := b.pending[0]
		b.pending = b.pending[1:]
		return j
	}
	select {
	case j := <-b.small:
		return j
	case j := <-b.large:
		return j
	case <-stop:
		select {
		case j := <-b.small:
			return j
		case j := <-b.large:
			return j
		default:
			return nil
		}
	}
}

// collect gathers the jobs of first's model that join its batch: pending
// ones first (in order), then queued ones, and waits up to the window for
// more. Without a window (--batch-window 0), worker 0 waits autoWindow
// when requests come concurrently — other requests than its first job are
// being answered (read, decoded, queued, written: their clients will send
// again), or were when a job was submitted in the last concurrentFor —
// and not for a lone client, whose request runs at once (keyed on the
// moment alone, 32 clients fell into runs of one-row passes: each arrived
// alone, just after the last pass, 8,618 of 9,096 passes were of 1 row):
// under load from 32 one-row clients (load average 22), a 200 µs wait made
// passes of 8.9 rows instead of 1.9, and the server's CPU time per request
// 66 µs instead of 99 µs (a pass over a few rows costs about what
// streaming the weights does, whatever the rows).
func (b *worker) collect(first *job) ([]*job, int) {
	batch, rows := []*job{first}, first.n
	take := func(j *job) {
		if j.m == first.m && rows+j.n <= b.maxBatch {
			batch, rows = append(batch, j), rows+j.n
			return
		}
		b.pending = append(b.pending, j)
	}
	kept := b.pending
	b.pending = nil
	for _, j := range kept {
		take(j)
	}
	var timeout <-chan time.Time
	wait := b.window
	if wait == 0 && b.small != nil && rows < largeJob && (b.active.Load() > 1 || time.Now().UnixNano() < b.concurrentUntil.Load()) {
		wait = autoWindow
	}
	for rows < b.maxBatch {
		select {
		case j := <-b.small:
			take(j)
			continue
		case j := <-b.large:
			take(j)
			continue
		default:
		}
		if wait == 0 {
			break // what was queued is the batch
		}
		if timeout == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case j := <-b.small:
			take(j)
			continue
		case j := <-b.large:
			take(j)
			continue
		case <-timeout:
		case <-b.flush:
		}
		break
	}
	return batch, rows
}

// forward runs one forward pass over the batch's rows and hands each job
// its rows of the outputs.
func (b *worker) forward(batch []*job, rows int) {
	m := batch[0].m
	x, x64 := batch[0].x, batch[0].x64
	if len(batch) > 1 {
		d := m.inputDim
		if x64 != nil {
			x64 = gather(&b.x64, rows*d, batch, func(j *job) []float64 { return j.x64[:j.n*d] })
		} else {
			x = gather(&b.x, rows*d, batch, func(j *job) []float32 { return j.x[:j.n*d] })
		}
	}
	t0 := time.Now()
	out, err := runTask(m, b.id, x, x64, rows)
	b.metrics.batch(m.Name, rows, time.Since(t0))
	lo := 0
	for _, j := range batch {
		if err != nil {
			j.err = err
		} else {
			j.out = make([]Tensor, len(out))
			for i, t := range out {
				j.out[i] = t.rows(lo, lo+j.n)
			}
		}
		lo += j.n
		close(j.done)
	}
}

// gather copies the batch's rows (rows of each job) into buf, grown to
// n values when it is smaller, and returns them.
func gather[T any](buf *[]T, n int, batch []*job, rows func(*job) []T) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	x, off := (*buf)[:n], 0
	for _, j := range batch {
		off += copy(x[off:], rows(j))
	}
	return x
}

// runTask runs the model's task, turning a panic (a bug) into an error so
// that one bad batch does not take the server down.
func runTask(m *Model, id int, x []float32, x64 []float64, n int) (out []Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in the forward pass of model %s: %v", m.Name, r)
		}
	}()
	if x64 != nil {
		return run64(m.answers[id].(task.Answerer64), x64, n), nil
	}
	return run(m.answers[id], x, n), nil
}
