package sweep

import (
	"math"
	"slices"
	"sync"

	"github.com/nnfc/nnfc/internal/rundir"
)

// asha decides, for the local executor, whether a running trial stops at
// a rung (EarlyStop). It records the monitored metric (train.monitor,
// signed so that larger is better) of every trial at every rung it
// reached, this run's and earlier runs' alike.
type asha struct {
	es      EarlyStop
	monitor string
	mu      sync.Mutex
	at      map[int][]float64    // rung epoch → scores recorded there
	decided map[int]map[int]bool // trial → rungs already judged
}

// newASHA seeds the rungs from the trials' finished epochs on disk.
func newASHA(es EarlyStop, tab *Table) *asha {
	a := &asha{es: es, monitor: tab.Metric, at: map[int][]float64{}, decided: map[int]map[int]bool{}}
	for _, t := range tab.Trials {
		accs := epochScores(t.Dir, a.monitor)
		a.decided[t.Index] = map[int]bool{}
		for _, r := range a.rungs(t.MaxEpochs) {
			if acc, ok := accs[r]; ok && t.State != Failed && t.State != NaNStopped {
				a.at[r] = append(a.at[r], acc)
				a.decided[t.Index][r] = true
			}
		}
	}
	return a
}

// rungs are the epochs MinEpochs·Eta^k below maxEpochs.
func (a *asha) rungs(maxEpochs int) []int {
	var rs []int
	for r := a.es.MinEpochs; r < maxEpochs; r *= a.es.Eta {
		rs = append(rs, r)
	}
	return rs
}

// stop records the trial's score when its epoch record m is at a rung
// not judged yet and says whether it falls below the rung's (1 − 1/Eta)
// quantile.
func (a *asha) stop(t Trial, m rundir.Metrics) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.decided[t.Index] == nil {
		a.decided[t.Index] = map[int]bool{}
	}
	r := m.Epoch
	if !slices.Contains(a.rungs(t.MaxEpochs), r) || a.decided[t.Index][r] {
		return false
	}
	a.decided[t.Index][r] = true
	v := finiteScore(m, a.monitor)
	a.at[r] = append(a.at[r], v)
	return v < quantile(a.at[r], 1-1/float64(a.es.Eta))
}

// quantile is the q-quantile of xs with linear interpolation (numpy's
// default percentile).
func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}

// epochScores maps each finished epoch of a trial to its score of the
// monitored metric, from its metrics.jsonl.
func epochScores(dir, monitor string) map[int]float64 {
	out := map[int]float64{}
	ms, _ := rundir.ReadMetrics(dir)
	for _, m := range ms {
		out[m.Epoch] = finiteScore(m, monitor)
	}
	return out
}

// finiteScore is the record's score of monitor, the lowest finite value
// when it has none (a NaN epoch): the quantile stays a number.
func finiteScore(m rundir.Metrics, monitor string) float64 {
	return max(m.Score(monitor), -math.MaxFloat64)
}
