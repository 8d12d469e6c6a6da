package sysinfo

import (
	"math"
	"syscall"
)

// CPUSeconds is the user+system CPU time of the process so far, every
// thread counted (NaN if the system does not say). Under load, work done
// per CPU second is steadier than per wall-clock second.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)*1e-6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
