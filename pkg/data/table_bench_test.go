package data

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nnfc/nnfc/internal/tablegen"
)

// BenchmarkTableReadEncode reads tablegen's mixed CSV (20 columns), fits
// the schema on every row and encodes them: the work of a table source
// before training. rows/s is the figure of issue 23 (target ≥ 500,000 on
// one core: go test -cpu 1); matrix-MiB is the encoded float32 matrix and
// peak-RSS-MiB the process's high-water mark (/proc/self/status VmHWM),
// to compare with 2× the matrix. $NNFC_TABLE_BENCH_FILE names an existing
// file (scripts/table-bench.sh passes the one pandas reads); else the
// rows are generated into the test's temporary directory first.
func BenchmarkTableReadEncode(b *testing.B) {
	rows := 1000000
	if testing.Short() {
		rows = 10000
	}
	path := os.Getenv("NNFC_TABLE_BENCH_FILE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "mixed.csv")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := tablegen.Write(f, rows, 1); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.Run(fmt.Sprintf("file=%s", filepath.Base(path)), func(b *testing.B) {
		var n, width int
		var cpu, peak float64
		for i := 0; i < b.N; i++ {
			// Each iteration's peak alone: the garbage of the last one
			// collected and returned, the high-water mark reset.
			b.StopTimer()
			runtime.GC()
			debug.FreeOSMemory()
			os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
			cpu0 := cpuSeconds()
			b.StartTimer()
			t, err := ReadTable(path, TableOptions{})
			if err != nil {
				b.Fatal(err)
			}
			tc, err := ResolveTarget(t, "label")
			if err != nil {
				b.Fatal(err)
			}
			y, classes := ClassLabels(tc)
			all := rowsOf(t.N)
			s, err := FitSchema(t, tc, classes, all, FitOptions{Target: "label"})
			if err != nil {
				b.Fatal(err)
			}
			cols, _, err := s.Bind(t)
			if err != nil {
				b.Fatal(err)
			}
			ds, _, err := s.encodeRows(t, cols, all, rowTarget{y: y}, false)
			if err != nil {
				b.Fatal(err)
			}
			n, width = ds.N, ds.D
			b.StopTimer()
			cpu += cpuSeconds() - cpu0
			peak = max(peak, float64(vmHWM()))
			b.StartTimer()
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(n)*float64(b.N)/cpu, "rows/cpu-s")
		b.ReportMetric(float64(n*width*4)/(1<<20), "matrix-MiB")
		b.ReportMetric(peak/(1<<20), "peak-RSS-MiB")
	})
}

// cpuSeconds is the process's user + system CPU time: on a shared
// machine, rows per CPU second is the figure that does not depend on the
// other processes.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// vmHWM is the process's peak resident set in bytes (0 if unknown).
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
