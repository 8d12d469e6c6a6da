// Package lrfind is the learning-rate range test behind nnfc lrfind
// (Smith 2017, "Cyclical learning rates for training neural networks",
// section 3.3; fastai's lr_find, whose defaults it keeps): from the fresh
// network a run of the config would start with, it trains Steps
// minibatches with the rate growing exponentially from MinLR to MaxLR,
// records each step's loss, smooths it (an exponential moving average
// with bias correction, β = 0.98), and stops early once the smoothed
// loss exceeds 4× its minimum (divergence) or a loss is not finite.
//
// It suggests a rate by one of four rules; the default, auto, is edge
// for sgd, momentum and nesterov and steepest for rmsprop, adam and adamw
// (AutoRule):
//
//   - edge (the default): the rate at which the test diverged, divided by
//     EdgeDivisor (10). A one-cycle schedule warms up to its peak, so its
//     best peak sits near the edge of stability, far above where the loss
//     begins to fall; the blow-up is the sharpest feature of the curve and
//     the smoothing follows it within a few steps. A test that does not
//     diverge by MaxLR has no edge: the rule then refuses in one line.
//
// and three computed on the smoothed curve without its first tenth and
// its last five steps (the start is noise around the initial loss, the
// end the blow-up), all of fastai's:
//
//   - valley: the longest descending stretch of the curve (its longest
//     decreasing subsequence), and the rate 5/9 of the way along it
//     (fastai: int(len/3) + int(len/3/2) steps in); it lands near the
//     start of the fall, a cautious constant rate;
//   - steepest: the rate where the smoothed loss falls fastest against
//     log(rate) (the most negative finite difference);
//   - minimum: the rate of the smoothed minimum over 10.
//
// The smoothing (β 0.98 over 100 steps) lags the raw loss by about a
// decade of rate, which moves steepest and minimum. make lrfind-check
// measures each rule's rate as a one-cycle peak against a fixed 7-point
// grid on MNIST and Fashion-MNIST. The suggestion is meant as a
// one-cycle schedule's peak (optimizer.lr with schedule.kind onecycle).
package lrfind
