// Package metrics is nnfc's evaluation arithmetic: pure functions of
// float64 targets, scores and optional sample weights, each defined as
// scikit-learn defines it (sklearn.metrics 1.2), and the table of metric
// names that train.monitor, metrics.jsonl, nnfc eval and the run list use.
//
// Weights: every function takes w []float64, one weight per row; nil means
// every row weighs 1. A weighted mean is Σ wᵢ·xᵢ / Σ wᵢ, as sklearn's
// sample_weight= does.
//
// Classification (rows of k classes, labels y in [0, k)):
//
//   - Accuracy: the weighted fraction of rows whose predicted class is the
//     label (accuracy_score).
//   - Confusion, then Report: per-class precision, recall, F1 and support
//     (the weight of the class's rows), and their macro mean (over the
//     classes that occur among the labels or the predictions, like
//     sklearn's labels=None) and support-weighted mean
//     (precision_recall_fscore_support, zero_division 0).
//   - LogLoss: −Σ w log p_y / Σ w with probabilities clipped to
//     [ε, 1−ε] (ε the float64 machine epsilon) and renormalized (log_loss).
//   - ROC-AUC and PR-AUC: for one score per row and a positive flag,
//     ROCAUC is roc_auc_score (ties counted half: the trapezoid over tied
//     scores), AveragePrecision is average_precision_score (the step
//     integral Σ (Rₙ − Rₙ₋₁)·Pₙ); ROC and PR return their curves. OVR
//     averages either over the classes of a multi-class score matrix,
//     one class against the rest (roc_auc_score multi_class="ovr",
//     average="macro"), leaving out the classes whose binary figure is
//     undefined (no positive, or for ROC-AUC no negative, row).
//   - Reliability and ECE: the expected calibration error over Bins
//     equal-width bins of the top-class confidence, bin b holding the rows
//     with confidence in (b/B, (b+1)/B] (bin 0 also 0 itself):
//     ECE = Σ_b (W_b/W)·|accuracy_b − confidence_b|. sklearn has no ECE;
//     the test oracle computes it with numpy.
//
// Regression (rows of k targets): Regress returns RMSE, MAE and R² per
// target (mean_squared_error(squared=False), mean_absolute_error,
// r2_score with multioutput="raw_values"; a constant target gives R² 1
// when predicted exactly, else 0).
//
// Undefined figures are NaN (ROC-AUC with one class present, R² of fewer
// than two rows); Put leaves them out of a metrics map, so JSON never
// holds a NaN and a monitored metric that is missing is never an
// improvement.
//
// The expected values of the tests come from scikit-learn, written once by
// scripts/metrics-oracle.py into testdata/oracle.json.
package metrics
