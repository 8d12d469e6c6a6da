package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// Options are an executor's settings and outside world.
type Options struct {
	// Binary is the absolute path of the nnfc executable each trial runs.
	Binary string
	// Parallel is the number of trials run at once (local) or the array's
	// %M throttle (slurm); Threads the BLAS threads of each trial.
	Parallel, Threads int
	// RetryFailed runs failed and NaN-stopped trials again.
	RetryFailed bool
	// Stdout receives what a driver prints as the command's result (the
	// Slurm job id); Stderr progress; Terminal redraws it in place.
	Stdout, Stderr io.Writer
	Terminal       bool
}

// ErrInterrupted is matched by the error of an executor stopped by its
// context (Ctrl-C): running trials were checkpointed.
var ErrInterrupted = errors.New("sweep interrupted")

// ToRun returns the trials an executor starts: pending ones (never
// started, or interrupted: they resume from their checkpoint), and failed
// and NaN-stopped ones only with retryFailed. Running and done trials are
// skipped.
func ToRun(tab *Table, retryFailed bool) []Trial {
	var out []Trial
	for _, t := range tab.Trials {
		switch t.State {
		case Pending:
			out = append(out, t)
		case Failed, NaNStopped:
			if retryFailed {
				out = append(out, t)
			}
		}
	}
	// Index order: the order of the sweep file.
	sortByIndex(out)
	return out
}

func sortByIndex(ts []Trial) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Index < ts[j-1].Index; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// trialArgs is the nnfc command line of a trial: resume it when it holds a
// checkpoint, else start it from its config.yaml; with gate, through the
// epoch gate on file descriptor 3.
func trialArgs(dir string, threads int, gate bool) []string {
	args := []string{"--threads", strconv.Itoa(threads), "train"}
	if _, err := os.Stat(filepath.Join(dir, rundir.Checkpoint)); err == nil {
		// A failed or NaN-stopped trial retried starts over: its
		// checkpoint is the state that failed.
		args = append(args, "--resume", dir, "--progress", "none")
	} else {
		args = append(args, "--config", filepath.Join(dir, rundir.Config), "--progress", "none")
	}
	if gate {
		args = append(args, "--sweep-fd", "3")
	}
	return args
}

// trialEnv is the environment of a trial: the sweep's own, without NNFC_*
// overrides (a trial's config.yaml is the whole config); the tests' own
// NNFC_TEST_* pass.
func trialEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "NNFC_") || strings.HasPrefix(e, "NNFC_TEST_") {
			env = append(env, e)
		}
	}
	return env
}

// Local is the executor of trials as processes on this machine.
type Local struct{}

func init() { register("local", Local{}, func() Driver { return &LocalDriver{} }) }

// LocalDriver is nnfc sweep --executor local (the default): it runs the
// trials here to the end, --parallel at a time (default: the cores
// divided by the threads per trial). It has no flags of its own.
type LocalDriver struct{}

func (*LocalDriver) Help() string {
	return `--parallel trials at once (default: cores / --threads),
each trial "nnfc --threads T train" in its own process
(T = the global --threads, default 1), one progress line
per trial and an overall bar with ETA on stderr.`
}

func (*LocalDriver) AddFlags(*pflag.FlagSet) {}
func (*LocalDriver) Check() error            { return nil }

func (*LocalDriver) Run(ctx context.Context, _ *Sweep, dir string, o Options) (bool, error) {
	if o.Parallel == 0 {
		o.Parallel = max(1, runtime.NumCPU()/max(o.Threads, 1))
	}
	_, err := Local{}.Submit(ctx, dir, o)
	return err == nil, err
}

// Submit runs the sweep's pending trials on this machine, o.Parallel at
// a time, each as `nnfc --threads T train` in its own process (its output
// in the trial's train.log). Cancelling ctx sends each running trial one
// SIGINT: it checkpoints and exits 130, and the sweep returns
// ErrInterrupted; running the sweep again resumes it.
func (Local) Submit(ctx context.Context, dir string, o Options) (string, error) {
	return "", runLocal(ctx, dir, o)
}

func runLocal(ctx context.Context, dir string, o Options) error {
	tab, err := Results(dir)
	if err != nil {
		return err
	}
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	if o.Parallel < 1 {
		o.Parallel = 1
	}
	if o.Threads < 1 {
		o.Threads = 1
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if !filepath.IsAbs(o.Binary) {
		return fmt.Errorf("sweep: the nnfc binary path must be absolute, got %q", o.Binary)
	}
	// Trials still running from an earlier sweep of this directory (one
	// that was killed: its trials got SIGTERM and are checkpointing) are
	// waited for, then taken as they ended: never started a second time,
	// never counted pending while they still write.
	if tab, err = adoptRunning(tab, o.Stderr); err != nil {
		return err
	}
	todo := ToRun(tab, o.RetryFailed)
	fmt.Fprintf(o.Stderr, "sweep %s: %d trials (%s); %d to run, %d at a time, %d BLAS thread(s) each\n",
		tab.Dir, len(tab.Trials), countsText(tab.Counts), len(todo), o.Parallel, o.Threads)
	if len(todo) == 0 {
		return nil
	}
	host, _ := os.Hostname()
	var es *asha
	if m.EarlyStop != nil {
		es = newASHA(*m.EarlyStop, tab)
		fmt.Fprintf(o.Stderr, "early stop: rungs at %v epochs, a trial below the top 1/%d at a rung stops\n", es.rungs(maxEpochs(todo)), m.EarlyStop.Eta)
	}
	prog := newLocalProgress(o, todo, m.Monitor)
	stopProg := prog.run()
	defer stopProg()

	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for _, t := range todo {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func(t Trial) {
			defer wg.Done()
			defer func() { <-sem }()
			prog.started(t.Index)
			state, err := runTrial(ctx, m, t, o, host, es)
			prog.finished(t.Index, state)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}(t)
	}
	wg.Wait()
	stopProg()
	if firstErr != nil {
		return firstErr
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: running trials checkpointed; run the same nnfc sweep command again to resume (%s)", ErrInterrupted, dir)
	}
	return nil
}

// runTrial runs one trial to its end, records its exit in trial.json and
// returns the state it ended in. The error is for the sweep itself failing
// (a trial's own failure is its state). With es, the trial is watched at
// each rung and stopped (SIGINT: it checkpoints) when es says so.
func runTrial(ctx context.Context, m *Manifest, t Trial, o Options, host string, es *asha) (string, error) {
	dir := t.Dir
	setAsideFailed(t)
	logf, err := os.OpenFile(filepath.Join(dir, rundir.TrainLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return Failed, err
	}
	defer logf.Close()
	args := trialArgs(dir, o.Threads, es != nil)
	cmd := exec.Command(o.Binary, args...)
	cmd.Dir = m.Workdir
	cmd.Env = trialEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	// With early stopping, the trial passes each epoch through the gate
	// (gate.go): es decides at the rung itself.
	var g *gate
	var pruned atomic.Bool
	if es != nil {
		if g, err = newGate(); err != nil {
			return Failed, err
		}
		defer g.close()
		cmd.ExtraFiles = []*os.File{g.child}
	}
	// Its own process group: a terminal's Ctrl-C reaches the sweep only,
	// which sends the trial one SIGINT. If the sweep dies, the trial gets
	// SIGTERM (Pdeathsig) and checkpoints; it comes once for each exiting
	// thread of the dying sweep, and nnfc takes only the first (cmd/nnfc).
	// Pdeathsig follows the thread that started the process, so this
	// goroutine keeps that thread until the trial has exited: a thread the
	// Go runtime retired would stop the trial.
	//
	// The trial used to run under a bash wrapper that forwarded one
	// SIGINT; bash's wait lost nnfc's exit status (exit 255) when the
	// signal came as nnfc exited, which made a finished trial "failed".
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := &TrialStatus{State: "running", Started: unixNow(), Executor: "local", Host: host}
	fmt.Fprintf(logf, "# %s %s\n", o.Binary, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		return Failed, fmt.Errorf("trial %d: cannot start %s: %v", t.Index, o.Binary, err)
	}
	st.PID = cmd.Process.Pid
	if err := writeJSON(filepath.Join(dir, StatusFile), st); err != nil {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		return Failed, err
	}
	if g != nil {
		g.child.Close() // the trial holds it now: its exit closes the socket
		go g.serve(func(m rundir.Metrics) bool {
			if es.stop(t, m) {
				pruned.Store(true)
				return true
			}
			return false
		})
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(os.Interrupt)
		case <-done:
		}
	}()
	werr := cmd.Wait()
	close(done)
	code := 0
	if werr != nil {
		var ee *exec.ExitError
		if !errors.As(werr, &ee) {
			return Failed, fmt.Errorf("trial %d: %v", t.Index, werr)
		}
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	st.State, st.ExitCode, st.Ended, st.PID = "exited", code, unixNow(), 0
	st.Pruned = pruned.Load() && (code == exitInterrupted || code == exitTerminated)
	state := stateOfExit(code)
	if st.Pruned {
		state = Pruned
	}
	return state, writeJSON(filepath.Join(dir, StatusFile), st)
}

func unixNow() float64 { return float64(time.Now().UnixNano()) / 1e9 }

func countsText(c map[string]int) string {
	var parts []string
	for _, s := range []string{Done, Running, Failed, NaNStopped, Pruned, Pending} {
		if c[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// localProgress shows one line per running trial (its values, epoch and
// validation accuracy) and an overall bar with an ETA, redrawn in place on
// a terminal; elsewhere it prints a line when a trial starts or ends.
type localProgress struct {
	o       Options
	monitor string // train.monitor: the progress shows each trial's best
	mu      sync.Mutex
	trials  map[int]Trial
	running []int
	done    int
	total   int
	// epochs to train at the start, and the epochs each trial had then.
	epochsTotal int
	epochs0     map[int]int
	t0          time.Time
	drawn       int      // live lines drawn last time (terminal)
	logs        []string // finished trials' lines not yet printed (terminal)
}

func newLocalProgress(o Options, todo []Trial, monitor string) *localProgress {
	p := &localProgress{o: o, monitor: monitor, trials: map[int]Trial{}, total: len(todo), epochs0: map[int]int{}, t0: time.Now()}
	for _, t := range todo {
		p.trials[t.Index] = t
		e0 := t.Epochs
		if t.State == Failed || t.State == NaNStopped {
			e0 = 0
		}
		p.epochs0[t.Index] = e0
		p.epochsTotal += t.MaxEpochs - e0
	}
	return p
}

func (p *localProgress) started(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = append(p.running, i)
	if !p.o.Terminal {
		t := p.trials[i]
		fmt.Fprintf(p.o.Stderr, "trial %03d start  %s\n", i, paramsText(t.Params))
	}
}

func (p *localProgress) finished(i int, state string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, r := range p.running {
		if r == i {
			p.running = append(p.running[:k], p.running[k+1:]...)
			break
		}
	}
	p.done++
	t := p.trials[i]
	ep, best := trialProgress(t.Dir, p.monitor)
	line := fmt.Sprintf("trial %03d %-11s %s  epochs %d/%d  %s", i, state, paramsText(t.Params), ep, t.MaxEpochs, bestText(p.monitor, best))
	if p.o.Terminal {
		p.logs = append(p.logs, line) // printed above the live lines by draw
	} else {
		fmt.Fprintf(p.o.Stderr, "%s  %s\n", line, p.overallLocked())
	}
}

func stateOfExit(code int) string {
	switch code {
	case 0:
		return Done
	case exitDiverged:
		return NaNStopped
	case exitInterrupted, exitTerminated:
		return "interrupted"
	}
	return Failed
}

// trialProgress reads a trial's finished epochs and its best value of
// the monitored metric so far (the trials table's figure) from its
// metrics.jsonl (a record per epoch as it ends); NaN before an epoch.
func trialProgress(dir, monitor string) (int, float64) {
	ms, err := rundir.ReadMetrics(dir)
	if err != nil || len(ms) == 0 {
		return 0, math.NaN()
	}
	best := ms[0]
	for _, m := range ms[1:] {
		if m.Score(monitor) > best.Score(monitor) {
			best = m
		}
	}
	return len(ms), best.Value(monitor)
}

// bestText labels a trial's best monitored value: "best val_acc 0.6619".
func bestText(monitor string, v float64) string {
	if monitor == "" {
		monitor = "val_acc"
	}
	if math.IsNaN(v) {
		return "best " + monitor + " -"
	}
	return fmt.Sprintf("best %s %.4f", monitor, v)
}

func maxEpochs(ts []Trial) int {
	m := 0
	for _, t := range ts {
		m = max(m, t.MaxEpochs)
	}
	return m
}

func paramsText(ps []Param) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Text())
	}
	return strings.Join(parts, " ")
}

// overallLocked is the overall bar: trials finished, epochs trained and
// the ETA from the epoch rate so far.
func (p *localProgress) overallLocked() string {
	trained := 0
	for i, t := range p.trials {
		ep, _ := trialProgress(t.Dir, p.monitor)
		trained += max(0, ep-p.epochs0[i])
	}
	const width = 20
	frac := 1.0
	if p.epochsTotal > 0 {
		frac = min(1, float64(trained)/float64(p.epochsTotal))
	}
	n := int(frac * width)
	bar := strings.Repeat("#", n) + strings.Repeat(".", width-n)
	el := time.Since(p.t0)
	eta := "?"
	if trained > 0 && p.epochsTotal > trained {
		eta = (time.Duration(float64(el) * float64(p.epochsTotal-trained) / float64(trained))).Round(time.Second).String()
	} else if p.epochsTotal <= trained {
		eta = "0s"
	}
	return fmt.Sprintf("[%s] %d/%d trials, %d running, %s elapsed, ETA %s", bar, p.done, p.total, len(p.running), el.Round(time.Second), eta)
}

// run redraws the terminal display until the returned stop is called.
func (p *localProgress) run() (stop func()) {
	if !p.o.Terminal {
		return func() {}
	}
	quit := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			p.draw()
			select {
			case <-quit:
				p.draw()
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		once.Do(func() { close(quit); wg.Wait() })
	}
}

func (p *localProgress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	for _, l := range p.logs {
		fmt.Fprintf(&b, "\r\x1b[K%s\n", l)
	}
	p.logs = p.logs[:0]
	lines := 0
	for _, i := range p.running {
		t := p.trials[i]
		ep, best := trialProgress(t.Dir, p.monitor)
		fmt.Fprintf(&b, "\r\x1b[Ktrial %03d  %s  epoch %d/%d  %s\n", i, paramsText(t.Params), ep, t.MaxEpochs, bestText(p.monitor, best))
		lines++
	}
	fmt.Fprintf(&b, "\r\x1b[K%s\n", p.overallLocked())
	lines++
	for ; lines < p.drawn; lines++ {
		b.WriteString("\r\x1b[K\n")
	}
	p.drawn = lines
	fmt.Fprint(p.o.Stderr, b.String())
}

// adoptRunning waits for the trials of tab that run as local processes on
// this host (left by an earlier sweep of the directory) to exit, and
// returns the table read again.
func adoptRunning(tab *Table, w io.Writer) (*Table, error) {
	host, _ := os.Hostname()
	waited := false
	for _, t := range tab.Trials {
		if t.State != Running {
			continue
		}
		st, err := ReadStatus(t.Dir)
		if err != nil || st == nil || st.Executor != "local" || st.PID <= 0 || (st.Host != "" && st.Host != host) {
			continue
		}
		fmt.Fprintf(w, "trial %03d: still running as process %d (started by an earlier sweep); waiting for it to exit\n", t.Index, st.PID)
		if err := waitExit(st.PID, t.Dir); err != nil {
			return nil, fmt.Errorf("trial %d: waiting for process %d: %v", t.Index, st.PID, err)
		}
		waited = true
	}
	if !waited {
		return tab, nil
	}
	return Results(tab.Dir)
}

// waitExit blocks until process pid, the trial in dir, has exited. It is
// not this process's child: a pidfd becomes readable when it exits.
func waitExit(pid int, dir string) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if !trialProcess(pid, dir) { // the pid was recycled before the open
		return nil
	}
	for {
		_, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, -1)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// Status tells a trial marked running by its process: alive, on this
// host, and training the trial's directory.
func (Local) Status() func(st *TrialStatus, dir string) bool {
	host, _ := os.Hostname()
	return func(st *TrialStatus, dir string) bool {
		return st.PID > 0 && (st.Host == "" || st.Host == host) && trialProcess(st.PID, dir)
	}
}

// Cancel sends one SIGINT to each trial of the sweep directory job that
// runs as a process on this host: each checkpoints and exits 130 (a
// sweep's own Ctrl-C does the same through its context).
func (l Local) Cancel(job string) error {
	tab, err := Results(job)
	if err != nil {
		return err
	}
	alive := l.Status()
	for _, t := range tab.Trials {
		if st, err := ReadStatus(t.Dir); err == nil && st != nil && t.State == Running && alive(st, t.Dir) {
			if err := syscall.Kill(st.PID, syscall.SIGINT); err != nil {
				return fmt.Errorf("trial %d: %v", t.Index, err)
			}
		}
	}
	return nil
}
