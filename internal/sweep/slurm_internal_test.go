package sweep

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestArrayList: trial indices become sbatch's compact --array list.
func TestArrayList(t *testing.T) {
	for _, tt := range []struct {
		idx  []int
		want string
	}{
		{[]int{0}, "0"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{0, 1, 2, 3, 5, 7, 8, 9}, "0-3,5,7-9"},
		{[]int{4, 6, 8}, "4,6,8"},
	} {
		if got := arrayList(tt.idx); got != tt.want {
			t.Errorf("arrayList(%v) = %q, want %q", tt.idx, got, tt.want)
		}
	}
}

// TestBatchScriptQuoting: paths with spaces and quotes survive the
// generated script, which bash accepts.
func TestBatchScriptQuoting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "it's a sweep")
	m := &Manifest{Name: "x y", Workdir: "/w", Trials: make([]ManifestTrial, 3)}
	s := batchScript(dir, m, Options{Binary: "/opt/my nnfc/nnfc", Threads: 2, Parallel: 1}, SlurmOptions{CPUsPerTask: 2, Mem: "1G"})
	for _, want := range []string{`NNFC='/opt/my nnfc/nnfc'`, `SWEEP='` + strings.ReplaceAll(dir, "'", `'\''`) + `'`, "THREADS=2",
		"#SBATCH --cpus-per-task=2", "#SBATCH --mem=1G", "#SBATCH --job-name=nnfc-sweep-x-y", "sbatch --array=0-2%1"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	p := filepath.Join(t.TempDir(), "s.sh")
	if err := os.WriteFile(p, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", p).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s", err, out)
	}
}
