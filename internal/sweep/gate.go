package sweep

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/nnfc/nnfc/internal/rundir"
)

// The epoch gate is how the local executor watches a trial it may stop
// early: the trial runs as `nnfc train --sweep-fd 3` with one end of a
// Unix socket pair as its file descriptor 3. After each epoch but the
// last, once the epoch's record is in metrics.jsonl, the trial writes the
// record there as one JSON line and waits for one line back: "go" or
// "stop". On "stop" it checkpoints and exits 130, as on Ctrl-C. The
// decision is taken at the epoch, however fast the trial trains (the
// sweep once read the trial's log every 100 ms and could not stop a
// trial that passed a rung and finished in between).

// TrialGate is the trial's side of the gate on file descriptor fd: a
// train.Options.AfterEpoch. When the sweep is gone (a closed socket) the
// trial goes on; the sweep's death signal stops it.
func TrialGate(fd int) func(rundir.Metrics) bool {
	f := os.NewFile(uintptr(fd), "sweep-gate")
	r := bufio.NewReader(f)
	broken := false
	return func(m rundir.Metrics) bool {
		if broken {
			return false
		}
		b, err := json.Marshal(m)
		if err == nil {
			_, err = f.Write(append(b, '\n'))
		}
		var answer string
		if err == nil {
			answer, err = r.ReadString('\n')
		}
		if err != nil {
			broken = true
			return false
		}
		return strings.TrimSpace(answer) == "stop"
	}
}

// gate is the sweep's side: the socket's other end.
type gate struct {
	child  *os.File // passed to the trial as fd 3, closed here once it started
	parent *os.File
}

func newGate() (*gate, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("sweep: epoch gate: %v", err)
	}
	return &gate{parent: os.NewFile(uintptr(fds[0]), "gate"), child: os.NewFile(uintptr(fds[1]), "gate-trial")}, nil
}

// serve answers the trial's records with decide's verdicts until the
// trial closes its end (it exited).
func (g *gate) serve(decide func(rundir.Metrics) bool) {
	sc := bufio.NewScanner(g.parent)
	for sc.Scan() {
		var m rundir.Metrics
		answer := "go\n"
		if json.Unmarshal(sc.Bytes(), &m) == nil && decide(m) {
			answer = "stop\n"
		}
		if _, err := g.parent.WriteString(answer); err != nil {
			return
		}
	}
}

func (g *gate) close() {
	g.child.Close()
	g.parent.Close()
}
