package blasbackend

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestPlanGuard(t *testing.T) {
	avx512 := cpuFeatures{AVX: true, AVX2: true, FMA: true, AVX512: true}
	avx2 := cpuFeatures{AVX: true, AVX2: true, FMA: true}
	sse := cpuFeatures{}
	base := []string{"PATH=/bin", "HOME=/h"}
	for _, c := range []struct {
		name    string
		env     []string
		picked  string
		cpu     cpuFeatures
		wantSet string // OPENBLAS_CORETYPE of the re-execution; "" for none
	}{
		{"Prescott on AVX-512", base, "Prescott", avx512, "SkylakeX"},
		{"Nehalem on AVX-512", base, "Nehalem", avx512, "SkylakeX"},
		{"Sandybridge on AVX2", base, "Sandybridge", avx2, "Haswell"},
		{"Haswell on AVX-512", base, "Haswell", avx512, "SkylakeX"},
		{"SkylakeX on AVX-512", base, "SkylakeX", avx512, ""},
		{"Cooperlake on AVX-512", base, "Cooperlake", avx512, ""},
		{"Haswell on AVX2", base, "Haswell", avx2, ""},
		{"Zen on AVX2", base, "Zen", avx2, ""},
		{"Prescott on an SSE CPU", base, "Prescott", sse, ""},
		{"unknown core name", base, "NeoverseN1", avx512, ""},
		{"the user's choice is kept", append(slices.Clone(base), "OPENBLAS_CORETYPE=Prescott"), "Prescott", avx512, ""},
		{"after the guard's own re-execution", append(slices.Clone(base), "OPENBLAS_CORETYPE=SkylakeX", "NNFC_OPENBLAS_GUARD=Prescott"), "Prescott", avx512, ""},
		{"simulated misdetection", append(slices.Clone(base), "OPENBLAS_CORETYPE=Prescott", "NNFC_TEST_OPENBLAS_MISDETECT=1"), "Prescott", avx512, "SkylakeX"},
		{"empty OPENBLAS_CORETYPE is unset", append(slices.Clone(base), "OPENBLAS_CORETYPE="), "Prescott", avx2, "Haswell"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := planGuard(c.env, c.picked, c.cpu)
			if c.wantSet == "" {
				if p.env != nil {
					t.Fatalf("re-executes with %v, want nothing done", p.env)
				}
				return
			}
			if p.env == nil {
				t.Fatalf("does nothing, want a re-execution with OPENBLAS_CORETYPE=%s", c.wantSet)
			}
			var cores []string
			for _, kv := range p.env {
				if v, ok := strings.CutPrefix(kv, "OPENBLAS_CORETYPE="); ok {
					cores = append(cores, v)
				}
				if strings.HasPrefix(kv, EnvSimulate+"=") {
					t.Errorf("the re-execution keeps %s", kv)
				}
			}
			if !slices.Equal(cores, []string{c.wantSet}) || !slices.Contains(p.env, "NNFC_OPENBLAS_GUARD="+c.picked) ||
				!slices.Contains(p.env, "PATH=/bin") {
				t.Errorf("re-execution environment %v, want the rest kept, OPENBLAS_CORETYPE=%s once and NNFC_OPENBLAS_GUARD=%s",
					p.env, c.wantSet, c.picked)
			}
			if want := "run with OPENBLAS_CORETYPE=" + c.wantSet; !strings.Contains(p.warn, want) || !strings.Contains(p.warn, c.picked) {
				t.Errorf("warning %q, want it to name %s and %q", p.warn, c.picked, want)
			}
		})
	}
}

// TestGuardReexecutes proves the guard on this machine: the test binary
// runs itself with OPENBLAS_CORETYPE=Prescott forced (marked as a
// misdetection, not a user's choice, with NNFC_TEST_OPENBLAS_MISDETECT=1),
// the child calls GuardOpenBLAS and reports the core OpenBLAS then uses.
// On a CPU with AVX2 or AVX-512 (CI's and this one) the child must have
// re-executed itself with the better core; a user's own
// OPENBLAS_CORETYPE=Prescott must be kept.
func TestGuardReexecutes(t *testing.T) {
	if os.Getenv("NNFC_GUARD_CHILD") == "1" {
		GuardOpenBLAS(os.Stderr)
		fmt.Printf("CORE=%s GUARD=%s\n", CoreName(), os.Getenv(EnvGuard))
		return
	}
	if !Available {
		if p := planGuard(nil, CoreName(), hostCPU()); p.env != nil {
			t.Fatalf("pure-Go build: the guard plans a re-execution %v", p.env)
		}
		return
	}
	best, level := bestCore(hostCPU())
	t.Logf("this CPU: best OpenBLAS core %q (level %d); OpenBLAS picked %q", best, level, CoreName())
	run := func(extra ...string) string {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestGuardReexecutes$", "-test.count=1")
		env := []string{"NNFC_GUARD_CHILD=1"}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, EnvCoreType+"=") && !strings.HasPrefix(kv, EnvGuard+"=") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, extra...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v\n%s%s", err, out, stderr.String())
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "CORE=") {
				return line
			}
		}
		t.Fatalf("child printed no CORE= line:\n%s%s", out, stderr.String())
		return ""
	}
	forced := run("OPENBLAS_CORETYPE=Prescott", EnvSimulate+"=1")
	if level > levelSSE {
		if want := fmt.Sprintf("CORE=%s GUARD=Prescott", best); forced != want {
			t.Errorf("forced Prescott on a %s CPU: child reports %q, want %q", levelName(level), forced, want)
		}
	} else if forced != "CORE=Prescott GUARD=" {
		t.Errorf("forced Prescott on a CPU without AVX: child reports %q, want it left alone", forced)
	}
	if user := run("OPENBLAS_CORETYPE=Prescott"); user != "CORE=Prescott GUARD=" {
		t.Errorf("the user's OPENBLAS_CORETYPE=Prescott: child reports %q, want it kept", user)
	}
}
