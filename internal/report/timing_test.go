package report

import (
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/rundir"
)

// TestTimesOfTinyRuns: an epoch of a tiny table takes microseconds; the
// report said "0.00 s" and millions of samples/s for it. Times now read
// at every size (english.Duration: TestDuration), and no samples/s is shown for less than minRateSeconds
// (the epoch table says why), while ordinary epochs read as before.
func TestTimesOfTinyRuns(t *testing.T) {
	if got := rate(4152568, 0.000026); got != "–" {
		t.Errorf("rate over 26 µs = %q, want –", got)
	}
	if got := rate(40712.4, 1.5); got != "40,712" {
		t.Errorf("rate over 1.5 s = %q, want 40,712", got)
	}
	tiny := &rundir.Results{Epochs: 30, TrainSeconds: 0.00128, SamplesPerSec: 3964758}
	if got := trainingTime(tiny); got != "1.3 ms (epochs too short for a samples/s figure)" {
		t.Errorf("tiny run's training time: %q", got)
	}
	if got := trainingTime(&rundir.Results{Epochs: 2, TrainSeconds: 3, SamplesPerSec: 40712}); got != "3.00 s, median 40,712 samples/s" {
		t.Errorf("ordinary run's training time: %q", got)
	}
	ms := []rundir.Metrics{{Epoch: 1, Seconds: 0.0002, SamplesPerSec: 487169}, {Epoch: 2, Seconds: 0.5, SamplesPerSec: 216}}
	_, of := epochTable(ms, 2)
	if !strings.Contains(of, "No samples/s (–) for an epoch under 10 ms") {
		t.Errorf("epoch table note %q does not say why a rate is missing", of)
	}
	if _, of := epochTable(ms[1:], 2); strings.Contains(of, "samples/s") {
		t.Errorf("epoch table note %q speaks of missing rates, and none is", of)
	}
}
