package sysinfo

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/vec"
)

// Stamped by the Makefile: go build -ldflags "-X
// github.com/nnfc/nnfc/internal/sysinfo.Version=$(git describe ...)".
var (
	Version = ""
	Commit  = ""
)

// Build is the binary's provenance.
type Build struct {
	Version string `json:"version"`
	Commit  string `json:"commit"` // "unknown" when neither the Makefile nor go build recorded it
	Dirty   bool   `json:"dirty,omitempty"`
	Go      string `json:"go"`
	OSArch  string `json:"os_arch"`
}

// BLAS is the linear algebra in use.
type BLAS struct {
	Backend string `json:"backend"`           // e.g. "onednn", "openblas", "gonum (pure Go)"
	Kernels string `json:"kernels,omitempty"` // OpenBLAS's kernel set, e.g. "SkylakeX"
	// OneDNNISA is the instruction set oneDNN's GEMM uses, e.g.
	// "avx512_core_bf16", when oneDNN is the backend.
	OneDNNISA string `json:"onednn_isa,omitempty"`
	// Describe is the backend's one-line summary (nnfc version's blas line).
	Describe string `json:"describe"`
	Threads  int    `json:"threads"`
	Config   string `json:"config,omitempty"` // openblas_get_config()
	// Vec is the element-wise kernels: "c" (vectorized C) or "go".
	Vec string `json:"vec"`
}

// Info is everything a result depends on besides its config.
type Info struct {
	Build Build  `json:"build"`
	BLAS  BLAS   `json:"blas"`
	CPU   string `json:"cpu"`
}

// Get collects Info now (the BLAS thread count is the current one).
func Get() Info {
	return Info{Build: GetBuild(), BLAS: GetBLAS(), CPU: CPUModel()}
}

// GetBuild returns the version and commit (see the package doc).
func GetBuild() Build {
	b := Build{Version: Version, Commit: Commit, Go: runtime.Version(), OSArch: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.modified":
				b.Dirty = b.Dirty || s.Value == "true"
			}
		}
	}
	if strings.HasSuffix(b.Commit, "-dirty") {
		b.Commit, b.Dirty = strings.TrimSuffix(b.Commit, "-dirty"), true
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

// GetBLAS describes the BLAS backend registered now.
func GetBLAS() BLAS {
	b := BLAS{Backend: blasbackend.Name(), Kernels: blasbackend.CoreName(), Threads: blasbackend.Threads(),
		Config: blasbackend.Config(), Describe: blasbackend.Describe(), Vec: vec.Backend}
	if strings.Contains(strings.ToLower(b.Backend), "gonum") {
		b.Kernels, b.Config = "", "" // OpenBLAS is linked but unused
	}
	if strings.Contains(strings.ToLower(b.Backend), "onednn") {
		b.OneDNNISA = blasbackend.OneDNNISA()
	}
	return b
}

// String is the one-line version: "nnfc v0.3.0-2-gabc1234 (commit
// abc1234…, go1.26, linux/amd64)".
func (b Build) String() string {
	c := b.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if b.Dirty {
		c += ", modified"
	}
	return fmt.Sprintf("nnfc %s (commit %s, %s, %s)", b.Version, c, b.Go, b.OSArch)
}

// CPUModel is the first CPU's "model name" of /proc/cpuinfo, with its
// family and model numbers on x86 ("Intel(R) Xeon(R) Processor (family 6,
// model 207)": virtual machines often show a generic name), or
// runtime.GOARCH where there is none.
func CPUModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	return cpuModel(bufio.NewScanner(f))
}

func cpuModel(s *bufio.Scanner) string {
	var name, family, model string
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if !ok {
			if strings.TrimSpace(s.Text()) == "" && name != "" {
				break // the end of the first CPU
			}
			continue
		}
		v = strings.Join(strings.Fields(v), " ")
		switch strings.TrimSpace(k) {
		case "model name":
			name = v
		case "cpu family":
			family = v
		case "model":
			model = v
		}
	}
	if name == "" {
		return runtime.GOARCH
	}
	if family != "" && model != "" {
		name += fmt.Sprintf(" (family %s, model %s)", family, model)
	}
	return name
}
