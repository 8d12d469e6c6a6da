package sweep

import (
	"context"
	"os"
	"path/filepath"
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
