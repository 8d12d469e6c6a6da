package serve

import (
	"fmt"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
)

// job is one request's rows on their way through a forward pass.
type job struct {
	m    *Model
	x    []float32 // n normalized rows
	n    int
	out  []Tensor // this job's rows of each output, set by the batcher
	err  error
	done chan struct{}
}

// batcher runs every forward pass of the server on one goroutine (the
// caller of run, nnfc's main thread, so that all BLAS work shares one
// OpenMP pool, and a network, which is not safe for concurrent use, is
// only ever used by one goroutine). Jobs of the same model that are
// queued together go through one forward pass: after the first job of a
// batch, the batcher takes what is queued and waits up to window for
// more, until the batch holds maxBatch rows. A job larger than maxBatch
// runs alone; it is never split.
type batcher struct {
	queue    chan *job
	window   time.Duration
	maxBatch int
	flush    chan struct{} // closed at shutdown: stop waiting for more
	metrics  *metrics

	pending []*job // received but left for a later batch
	x       []float32
}

func newBatcher(window time.Duration, maxBatch int, m *metrics) *batcher {
	return &batcher{queue: make(chan *job, 4096), window: window, maxBatch: maxBatch, flush: make(chan struct{}), metrics: m}
}

// submit queues j and waits for its outputs.
func (b *batcher) submit(j *job) {
	j.done = make(chan struct{})
	b.queue <- j
	<-j.done
}

// run serves jobs until stop is closed and no job is left.
func (b *batcher) run(stop <-chan struct{}) {
	loop := blasbackend.BeginLoop()
	defer loop.End()
	for {
		first := b.next(stop)
		if first == nil {
			return
		}
		batch, rows := b.collect(first)
		b.forward(batch, rows)
		loop.Step()
	}
}

// next returns the oldest pending job, else waits for one; nil when stop
// is closed and nothing is queued.
func (b *batcher) next(stop <-chan struct{}) *job {
	if len(b.pending) > 0 {
		j := b.pending[0]
		b.pending = b.pending[1:]
		return j
	}
	select {
	case j := <-b.queue:
		return j
	case <-stop:
		select {
		case j := <-b.queue:
			return j
		default:
			return nil
		}
	}
}

// collect gathers the jobs of first's model that join its batch: pending
// ones first (in order), then queued ones, waiting up to the window.
func (b *batcher) collect(first *job) ([]*job, int) {
	batch, rows := []*job{first}, first.n
	take := func(j *job) bool {
		if j.m == first.m && rows+j.n <= b.maxBatch {
			batch, rows = append(batch, j), rows+j.n
			return true
		}
		return false
	}
	kept := b.pending[:0]
	for _, j := range b.pending {
		if !take(j) {
			kept = append(kept, j)
		}
	}
	b.pending = kept
	var timeout <-chan time.Time
	if b.window > 0 {
		t := time.NewTimer(b.window)
		defer t.Stop()
		timeout = t.C
	}
	for rows < b.maxBatch {
		select {
		case j := <-b.queue:
			if !take(j) {
				b.pending = append(b.pending, j)
			}
			continue
		default:
		}
		if timeout == nil {
			break // no window: what was queued is the batch
		}
		select {
		case j := <-b.queue:
			if !take(j) {
				b.pending = append(b.pending, j)
			}
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
func (b *batcher) forward(batch []*job, rows int) {
	m := batch[0].m
	x := batch[0].x
	if len(batch) > 1 {
		d := m.inputDim
		if cap(b.x) < rows*d {
			b.x = make([]float32, rows*d)
		}
		x = b.x[:rows*d]
		off := 0
		for _, j := range batch {
			off += copy(x[off:], j.x[:j.n*d])
		}
	}
	t0 := time.Now()
	out, err := runTask(m, x, rows)
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

// runTask runs the model's task, turning a panic (a bug) into an error so
// that one bad batch does not take the server down.
func runTask(m *Model, x []float32, n int) (out []Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in the forward pass of model %s: %v", m.Name, r)
		}
	}()
	return run(m.answer, x, n), nil
}
