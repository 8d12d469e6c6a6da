package limits

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]int64{
		"1000": 1000, "512M": 512 << 20, "4GiB": 4 << 30, "2g": 2 << 30, "1.5T": 3 << 39, "64 KiB": 64 << 10, "3gb": 3 << 30,
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1G", "0", "4Q", "1e30T", "NaN", "G"} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %d, want an error", in, got)
		}
	}
}

func TestCheck(t *testing.T) {
	SetMax(1 << 20)
	defer SetMax(0)
	if err := Check("small", 1<<20); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	err := Check("model.hidden: the network", Mul(1e9, 784, 4))
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("over the limit: got %v, want an *Error", err)
	}
	msg := err.Error()
	for _, want := range []string{"model.hidden: the network", "2.9 TiB", "--max-memory limit of 1.0 MiB"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	for _, b := range []float64{-1, Mul(1<<62, 1<<62)} {
		if Check("x", b) == nil {
			t.Errorf("Check(%g) accepted", b)
		}
	}
}

func TestMemAvailable(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "meminfo")
	os.WriteFile(p, []byte("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   2000000 kB\n"), 0o644)
	if got := memAvailable(p); got != 2000000*1024 {
		t.Errorf("memAvailable = %d, want %d", got, 2000000*1024)
	}
	os.WriteFile(p, []byte("MemTotal: 1 kB\n"), 0o644)
	if got := memAvailable(p); got != 0 {
		t.Errorf("no MemAvailable line: got %d, want 0", got)
	}
	if got := memAvailable(filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("missing file: got %d, want 0", got)
	}
	if lim, of := Limit(); lim <= 0 || of == "" {
		t.Errorf("Limit() = %d, %q", lim, of)
	}
}
