package sysinfo

import (
	"bufio"
	"runtime"
	"strings"
	"testing"
)

func TestCPUModel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\nmodel name\t: Intel(R) Xeon(R)   Platinum 8488C\nflags\t: fpu\n\nprocessor\t: 1\nmodel name\t: other\n", "Intel(R) Xeon(R) Platinum 8488C (family 6, model 207)"},
		{"processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\n", "ARMv7 Processor rev 4 (v7l)"},
		{"processor\t: 0\nBogoMIPS\t: 50.00\n", runtime.GOARCH}, // arm64 kernels print no model name
	} {
		if got := cpuModel(bufio.NewScanner(strings.NewReader(tc.in))); got != tc.want {
			t.Errorf("cpuModel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBuildStamped(t *testing.T) {
	defer func(v, c string) { Version, Commit = v, c }(Version, Commit)
	Version, Commit = "v1.2.3-4-gabcdef0-dirty", "abcdef0123456789abcdef0123456789abcdef01-dirty"
	b := GetBuild()
	if b.Version != Version || b.Commit != "abcdef0123456789abcdef0123456789abcdef01" || !b.Dirty {
		t.Errorf("stamped build = %+v", b)
	}
	if s := b.String(); !strings.Contains(s, "v1.2.3-4-gabcdef0-dirty") || !strings.Contains(s, "commit abcdef012345, modified") {
		t.Errorf("String() = %q", s)
	}
	// Unstamped, as in go test (no VCS info): the fallbacks, never "".
	Version, Commit = "", ""
	b = GetBuild()
	if b.Version == "" || b.Commit == "" {
		t.Errorf("unstamped build has empty fields: %+v", b)
	}
}
