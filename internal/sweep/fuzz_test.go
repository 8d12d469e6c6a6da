package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds Parse arbitrary sweep files (beside a valid base config,
// base.yaml). It must never panic or hang; every line of an error names
// the file; an accepted sweep expands into at most maxTrials trials.
// Search with
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 2m ./internal/sweep/
func FuzzParse(f *testing.F) {
	base, err := os.ReadFile(filepath.Join("..", "..", "configs", "spiral-7.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"base: base.yaml\nspace:\n  optimizer.lr: [0.1, 0.3]\n",
		"base: base.yaml\nmethod: random\ntrials: 3\nseed: 2\nspace:\n  optimizer.lr: {log_uniform: [0.001, 1]}\n  model.hidden: {choice: [[50], [200]]}\n",
		"base: {model: {hidden: [8]}, train: {epochs: 2}}\nset:\n  train.epochs: 3\nspace:\n  model.reg: [0, 0.001]\n  train.batch_size: {int: [16, 64]}\n",
		"base: base.yaml\nspace:\n  a: [" + strings.Repeat("1,", 99) + "1]\n  b: [" + strings.Repeat("1,", 99) + "1]\n  c: [" + strings.Repeat("1,", 99) + "1]\n",
		"base: base.yaml\nmethod: random\ntrials: 1000000000000\nspace:\n  optimizer.lr: {uniform: [0.1, 1]}\n",
		"base: base.yaml\nslurm: {cpus_per_task: 2, time: \"00:10:00\", extra_args: [--qos=low]}\nspace:\n  seed: [1, 2]\n",
		"name: x\nbase: nope.yaml\nspace: {}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "base.yaml"), base, 0o644); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "s.yaml")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Parse(p)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, p+":") {
					t.Fatalf("error line %q does not name %s", line, p)
				}
			}
			return
		}
		if n := s.count(); n > maxTrials {
			t.Fatalf("accepted a sweep of %g trials", n)
		}
	})
}

// TestSweepCaps: sweeps of absurd size are refused before they are
// expanded, and YAML that the config reader refuses is refused here too.
func TestSweepCaps(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join("..", "..", "configs", "spiral-7.yaml")
	for _, tc := range []struct{ yaml, want string }{
		{"base: " + base + "\nmethod: random\ntrials: 1000000000000\nspace:\n  optimizer.lr: {uniform: [0.1, 1]}\n", "space: 1e+12 trials, at most 10000 are allowed"},
		{"base: " + base + "\nspace:\n  model.reg: [" + strings.Repeat("0,", 999) + "0]\n  seed: [" + strings.Repeat("1,", 999) + "1]\n", "space: 1e+06 trials"},
		{"base: " + base + "\nspace:\n  seed: " + strings.Repeat("[", 50) + strings.Repeat("]", 50) + "\n", "nested more than 16 levels deep"},
		{"name: a\nname: b\n", `mapping key "name" already defined`},
	} {
		p := filepath.Join(dir, "s.yaml")
		os.WriteFile(p, []byte(tc.yaml), 0o644)
		t0 := time.Now()
		_, err := Parse(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("got %v, want an error naming %s with %q", err, p, tc.want)
		}
		t.Logf("refused in %v", time.Since(t0))
	}
}

// TestParseChecksTrialsInMemory: Parse checks every trial's config
// without writing a file (the fuzzer's 1,000-trial seed wrote and read
// 1,000 temporary files, which could pass the fuzzer's 10 s limit on a
// loaded machine): with TMPDIR a directory that does not exist, the
// seed's 1,000 trials (over a space of two seeds) parse, and a bad trial
// value is still one line naming the sweep file and the trial. The
// trials are expanded once: Expand after Parse gives a copy of Parse's.
func TestParseChecksTrialsInMemory(t *testing.T) {
	dir := t.TempDir()
	base, err := os.ReadFile(filepath.Join("..", "..", "configs", "spiral-7.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "base.yaml"), base, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", filepath.Join(dir, "no-such-dir"))
	p := filepath.Join(dir, "seed.yaml")
	os.WriteFile(p, []byte("base: base.yaml\nmethod: random\ntrials: 1000\nspace:\n  seed: [1, 2]\n"), 0o644)
	s, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.expanded == nil || len(s.expanded.trials) != 1000 {
		t.Fatalf("Parse kept %v, want its 1000 trials", s.expanded)
	}
	trials, err := s.Expand()
	if err != nil || len(trials) != 1000 || &trials[0] == &s.expanded.trials[0] {
		t.Fatalf("Expand: %d trials, %v; want a copy of Parse's 1000", len(trials), err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("base: base.yaml\nspace:\n  optimizer.lr: [0.1, -1]\n"), 0o644)
	_, err = Parse(bad)
	if want := bad + ": trial optimizer.lr=-1: optimizer.lr: must be > 0, got -1"; err == nil || err.Error() != want {
		t.Errorf("bad trial: %v, want %s", err, want)
	}
}
