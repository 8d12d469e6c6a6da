package sweep

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrunedTrialExit: a trial the early-stop rule stops is recorded by
// its own exit status. A fake nnfc passes an epoch record below the
// rung's quantile through the epoch gate, and on the gate's "stop" exits
// with the status given: 130 (it checkpointed: pruned), 0 (it finished
// anyway: done), 1 (it failed: failed). The fake exits 3 on "go", so a
// missed decision fails the test; nothing waits on time.
func TestPrunedTrialExit(t *testing.T) {
	for _, c := range []struct {
		exit  string
		state string
		code  int
	}{{"130", Pruned, 130}, {"0", Done, 0}, {"1", Failed, 1}} {
		t.Run(c.exit, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "fake-nnfc")
			script := "#!/bin/bash\necho '{\"epoch\":1,\"val_acc\":0.1}' >&3\nread -r answer <&3\n[ \"$answer\" = stop ] && exit " + c.exit + "\nexit 3\n"
			if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			tdir := filepath.Join(dir, "t")
			if err := os.Mkdir(tdir, 0o755); err != nil {
				t.Fatal(err)
			}
			tab := &Table{Trials: []Trial{{Index: 0, Dir: tdir, MaxEpochs: 9}}}
			es := newASHA(EarlyStop{MinEpochs: 1, Eta: 3}, tab)
			es.at[1] = []float64{0.5, 0.6, 0.7} // the others did better at rung 1
			state, err := runTrial(context.Background(), &Manifest{Workdir: dir}, tab.Trials[0], Options{Binary: bin, Threads: 1}, "host", es)
			if err != nil {
				t.Fatal(err)
			}
			st, err := ReadStatus(tdir)
			if err != nil || st == nil {
				t.Fatalf("trial.json: %v", err)
			}
			if state != c.state || st.ExitCode != c.code || st.Pruned != (c.state == Pruned) {
				log, _ := os.ReadFile(filepath.Join(tdir, "train.log"))
				t.Errorf("state %s, exit %d, pruned %v; want %s, %d, %v\n%s", state, st.ExitCode, st.Pruned, c.state, c.code, c.state == Pruned, log)
			}
		})
	}
}

// TestAdoptRunning: a trial whose process still runs from an earlier
// (killed) sweep is waited for, not counted pending and not started a
// second time; once it has exited it is read as it ended. The stand-in
// trial process names the trial directory on its command line, as nnfc
// train does, and exits when the test closes its stdin: every step waits
// on an event (a line, a pipe, a process exit).
func TestAdoptRunning(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.yaml")
	os.WriteFile(base, []byte("seed: 1\ndata: {source: spiral, spiral: {per_class: 20, classes: 3}}\nmodel: {hidden: [4]}\ntrain: {epochs: 2}\n"), 0o644)
	sf := filepath.Join(dir, "s.yaml")
	os.WriteFile(sf, []byte("base: base.yaml\nspace:\n  optimizer.lr: [0.1]\n"), 0o644)
	s, err := Parse(sf)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := Prepare(s, out); err != nil {
		t.Fatal(err)
	}
	tdir := TrialDir(out, 0)
	trial := exec.Command("sh", "-c", "read x", "fake-nnfc", tdir)
	stdin, err := trial.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := trial.Start(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if err := writeJSON(filepath.Join(tdir, StatusFile), &TrialStatus{State: "running", Executor: "local", Host: host, PID: trial.Process.Pid}); err != nil {
		t.Fatal(err)
	}
	tab, err := Results(out)
	if err != nil || tab.Trials[0].State != Running {
		t.Fatalf("before: %v, %+v", err, tab)
	}
	r, w, _ := os.Pipe()
	type result struct {
		tab *Table
		err error
	}
	done := make(chan result)
	go func() {
		tab, err := adoptRunning(tab, w)
		w.Close()
		done <- result{tab, err}
	}()
	line, _ := bufio.NewReader(r).ReadString('\n')
	if !strings.Contains(line, fmt.Sprintf("trial 000: still running as process %d", trial.Process.Pid)) {
		t.Errorf("the sweep does not say it waits: %q", line)
	}
	stdin.Close() // the stand-in exits
	go trial.Wait()
	res := <-done
	if res.err != nil || res.tab.Trials[0].State != Pending {
		t.Errorf("after the trial exited: %v, state %s; want pending (resumable)", res.err, res.tab.Trials[0].State)
	}
}

// TestLocalCancel: Local.Cancel sends SIGINT to each trial of the sweep
// that runs as a process here (a stand-in that exits 130 on it, as nnfc
// train does after its checkpoint), and to nothing else.
func TestLocalCancel(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "base.yaml"), []byte("seed: 1\ndata: {source: spiral, spiral: {per_class: 20, classes: 3}}\nmodel: {hidden: [4]}\ntrain: {epochs: 2}\n"), 0o644)
	sf := filepath.Join(dir, "s.yaml")
	os.WriteFile(sf, []byte("base: base.yaml\nspace:\n  optimizer.lr: [0.1, 0.2]\n"), 0o644)
	s, err := Parse(sf)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := Prepare(s, out); err != nil {
		t.Fatal(err)
	}
	tdir := TrialDir(out, 0)
	trial := exec.Command("bash", "-c", "trap 'exit 130' INT; echo ready; read x", "fake-nnfc", tdir)
	stdin, _ := trial.StdinPipe()
	defer stdin.Close()
	stdout, _ := trial.StdoutPipe()
	if err := trial.Start(); err != nil {
		t.Fatal(err)
	}
	bufio.NewReader(stdout).ReadString('\n') // the trap is set
	host, _ := os.Hostname()
	writeJSON(filepath.Join(tdir, StatusFile), &TrialStatus{State: "running", Executor: "local", Host: host, PID: trial.Process.Pid})
	if err := (Local{}).Cancel(out); err != nil {
		t.Fatal(err)
	}
	err = trial.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("the running trial after Cancel: %v, want exit 130", err)
	}
}
