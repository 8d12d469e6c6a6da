// Package lrfind is the learning-rate range test behind nnfc lrfind
// (Smith 2017, "Cyclical learning rates for training neural networks",
// section 3.3; fastai's lr_find, whose defaults it keeps): from the fresh
// network a run of the config would start with, it trains Steps
// minibatches with the rate growing exponentially from MinLR to MaxLR,
// records each step's loss, smooths it (an exponential moving average
// with bias correction, β = 0.98), and stops early once the smoothed
// loss exceeds 4× its minimum (divergence) or a loss is not finite.
//
// It suggests a rate by one of two rules, both of fastai's, computed on
// the smoothed curve without its first tenth and its last five steps
// (the start is noise around the initial loss, the end the blow-up):
//
//   - valley (the default): the longest descending stretch of the curve
//     (its longest decreasing subsequence), and the rate 5/9 of the way
//     along it (fastai: int(len/3) + int(len/3/2) steps in);
//   - steepest: the rate where the smoothed loss falls fastest against
//     log(rate) (the most negative finite difference).
//
// The minimum's rate divided by 10 is reported too. The suggestion is
// meant as a one-cycle schedule's peak (optimizer.lr with
// schedule.kind onecycle), as fastai's fit_one_cycle uses it.
package lrfind
