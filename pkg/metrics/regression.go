package metrics

import (
	"fmt"
	"math"
)

// Regression is the figures of one regression target, in its units.
type Regression struct {
	RMSE float64 `json:"rmse"` // √(Σ w·(y − ŷ)² / Σ w)
	MAE  float64 `json:"mae"`  // Σ w·|y − ŷ| / Σ w
	// R2 is 1 − Σ w·(y − ŷ)² / Σ w·(y − ȳ)² with ȳ the weighted mean;
	// for a constant target 1 when predicted exactly, else 0; NaN with
	// fewer than two rows.
	R2 float64 `json:"r2"`
}

// Regress returns RMSE, MAE and R² of each of the k targets of the
// row-major n×k matrices y (actual) and pred, as sklearn's
// mean_squared_error(squared=False), mean_absolute_error and r2_score
// with multioutput="raw_values".
func Regress(y, pred []float64, k int, w []float64) []Regression {
	if len(y) != len(pred) || k <= 0 || len(y)%k != 0 {
		panic(fmt.Sprintf("metrics: Regress: %d targets and %d predictions in rows of %d", len(y), len(pred), k))
	}
	n := len(y) / k
	checkLen("Regress", n, w)
	rs := make([]Regression, k)
	for j := range rs {
		var sw, se, ae, sy float64
		for i := range n {
			wi := weight(w, i)
			d := y[i*k+j] - pred[i*k+j]
			sw += wi
			se += wi * (d * d)
			ae += wi * math.Abs(d)
			sy += wi * y[i*k+j]
		}
		mean := sy / sw
		var ss float64
		for i := range n {
			d := y[i*k+j] - mean
			ss += weight(w, i) * (d * d)
		}
		r := Regression{RMSE: math.Sqrt(se / sw), MAE: ae / sw, R2: math.NaN()}
		switch {
		case n < 2:
		case ss != 0:
			r.R2 = 1 - se/ss
		case se == 0:
			r.R2 = 1
		default:
			r.R2 = 0
		}
		rs[j] = r
	}
	return rs
}

// Mean is the plain mean of the figures over targets (sklearn's
// multioutput="uniform_average"), the value of rmse, mae and r2 in a
// metrics map.
func Mean(rs []Regression) Regression {
	var m Regression
	for _, r := range rs {
		m.RMSE += r.RMSE
		m.MAE += r.MAE
		m.R2 += r.R2
	}
	k := float64(len(rs))
	return Regression{m.RMSE / k, m.MAE / k, m.R2 / k}
}
