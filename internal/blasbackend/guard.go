package blasbackend

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/cpu"
)

// The OpenBLAS detection guard.
//
// A DYNAMIC_ARCH OpenBLAS (Debian's) picks its kernels when the library
// loads, from a table of the CPUs it knows. A CPU newer than the library
// (Debian's 0.3.21 on Intel family 6 model 207, for one) falls back to the
// Prescott (SSE3) kernels, about 4× slower than the SkylakeX ones on that
// CPU, and nothing says so. OPENBLAS_CORETYPE overrides the choice, but
// only before the library loads; so GuardOpenBLAS re-executes the program
// with it set.

// Environment variables of the guard.
const (
	// EnvCoreType is OpenBLAS's own override; a value the user set is kept.
	EnvCoreType = "OPENBLAS_CORETYPE"
	// EnvGuard is set by GuardOpenBLAS on re-executing, to the core
	// OpenBLAS had picked; it marks OPENBLAS_CORETYPE as nnfc's choice (and
	// stops a second re-execution).
	EnvGuard = "NNFC_OPENBLAS_GUARD"
	// EnvSimulate, set to 1, makes the guard treat OPENBLAS_CORETYPE as
	// OpenBLAS's own (mis)detection rather than the user's choice: the
	// tests force an old core with it on a capable CPU.
	EnvSimulate = "NNFC_TEST_OPENBLAS_MISDETECT"
)

// Vector ISA levels of x86-64 cores.
const (
	levelSSE    = 1 // SSE2/SSE3/SSE4 kernels
	levelAVX    = 2
	levelAVX2   = 3 // AVX2 + FMA
	levelAVX512 = 4 // AVX-512 F, CD, BW, DQ, VL (Skylake-SP and later)
)

// coreLevels ranks OpenBLAS's x86-64 core names (openblas_get_corename,
// the names OPENBLAS_CORETYPE takes) by the widest vector ISA their
// kernels use. A name not listed (another architecture, a newer release's
// core) is never second-guessed.
var coreLevels = map[string]int{
	"katmai": levelSSE, "coppermine": levelSSE, "northwood": levelSSE, "prescott": levelSSE, "banias": levelSSE,
	"yonah": levelSSE, "core2": levelSSE, "penryn": levelSSE, "dunnington": levelSSE, "nehalem": levelSSE,
	"atom": levelSSE, "athlon": levelSSE, "opteron": levelSSE, "opteron_sse3": levelSSE, "barcelona": levelSSE,
	"bobcat": levelSSE, "nano": levelSSE,
	"sandybridge": levelAVX, "bulldozer": levelAVX, "piledriver": levelAVX, "steamroller": levelAVX,
	"excavator": levelAVX2, "haswell": levelAVX2, "zen": levelAVX2,
	"skylakex": levelAVX512, "cooperlake": levelAVX512, "sapphirerapids": levelAVX512,
}

// cpuFeatures is what the guard needs to know of the CPU (and the OS's
// support for its registers).
type cpuFeatures struct {
	AVX, AVX2, FMA, AVX512 bool
}

func hostCPU() cpuFeatures {
	x := cpu.X86
	return cpuFeatures{
		AVX: x.HasAVX, AVX2: x.HasAVX2, FMA: x.HasFMA,
		AVX512: x.HasAVX512F && x.HasAVX512CD && x.HasAVX512BW && x.HasAVX512DQ && x.HasAVX512VL,
	}
}

// bestCore returns the core OPENBLAS_CORETYPE should name on a CPU with
// these features, and its level; "" when the CPU has no AVX. Newer names
// (Cooperlake) add kernels for bfloat16, not for sgemm/dgemm, so the
// measured SkylakeX and Haswell sets are chosen.
func bestCore(f cpuFeatures) (string, int) {
	switch {
	case f.AVX512:
		return "SkylakeX", levelAVX512
	case f.AVX2 && f.FMA:
		return "Haswell", levelAVX2
	case f.AVX:
		return "Sandybridge", levelAVX
	}
	return "", 0
}

func levelName(l int) string {
	return map[int]string{levelSSE: "SSE", levelAVX: "AVX", levelAVX2: "AVX2", levelAVX512: "AVX-512"}[l]
}

// guardPlan is what the guard decided: the environment to re-execute
// with (nil: nothing to do), and the warning to print if that fails.
type guardPlan struct {
	env  []string
	warn string
}

// planGuard decides, from the environment (os.Environ form), the core
// OpenBLAS picked and the CPU's features, whether to re-execute.
func planGuard(environ []string, picked string, f cpuFeatures) guardPlan {
	get := func(k string) (string, bool) {
		for _, kv := range slices.Backward(environ) {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v, true
			}
		}
		return "", false
	}
	if _, ok := get(EnvGuard); ok {
		return guardPlan{} // already re-executed
	}
	if v, ok := get(EnvCoreType); ok && v != "" {
		if s, _ := get(EnvSimulate); s != "1" {
			return guardPlan{} // the user's choice
		}
	}
	have, known := coreLevels[strings.ToLower(picked)]
	best, want := bestCore(f)
	if !known || have >= want {
		return guardPlan{}
	}
	env := make([]string, 0, len(environ)+2)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, EnvCoreType+"=") && !strings.HasPrefix(kv, EnvSimulate+"=") {
			env = append(env, kv)
		}
	}
	env = append(env, EnvCoreType+"="+best, EnvGuard+"="+picked)
	return guardPlan{env: env, warn: fmt.Sprintf(
		"warning: OpenBLAS chose its %s (%s) kernels on this %s CPU, several times slower; run with %s=%s",
		picked, levelName(have), levelName(want), EnvCoreType, best)}
}

// GuardOpenBLAS checks the kernel set OpenBLAS picked against the CPU.
// When OpenBLAS picked an older one (Prescott on an AVX-512 CPU) and the
// user has not set OPENBLAS_CORETYPE, it re-executes the program with
// OPENBLAS_CORETYPE set to the best core for the CPU (SkylakeX for
// AVX-512, Haswell for AVX2) and NNFC_OPENBLAS_GUARD set to the core it
// replaces, and does not return. If re-executing fails it writes one
// warning line with the fix to w and returns. Call it first thing in
// main, before any goroutine starts; it does nothing in the pure-Go
// build, on a CPU OpenBLAS knows, or after its own re-execution.
func GuardOpenBLAS(w io.Writer) {
	p := planGuard(os.Environ(), CoreName(), hostCPU())
	if p.env == nil {
		return
	}
	exe, err := os.Executable()
	if err == nil {
		err = syscall.Exec(exe, os.Args, p.env)
	}
	fmt.Fprintf(w, "nnfc: %s (re-executing with it failed: %v)\n", p.warn, err)
}

// coreNote is appended to the OpenBLAS description: how the core was
// chosen, when nnfc chose it or OpenBLAS's choice lags the CPU.
func coreNote() string {
	if from := os.Getenv(EnvGuard); from != "" {
		return fmt.Sprintf(" (%s=%s set by nnfc; OpenBLAS detected %s)", EnvCoreType, os.Getenv(EnvCoreType), from)
	}
	have, known := coreLevels[strings.ToLower(CoreName())]
	best, want := bestCore(hostCPU())
	if known && have < want {
		if v := os.Getenv(EnvCoreType); v != "" {
			return fmt.Sprintf(" (%s=%s; this CPU supports %s)", EnvCoreType, v, best)
		}
		return fmt.Sprintf(" (slow: this CPU supports %s; set %s=%s)", best, EnvCoreType, best)
	}
	return ""
}
