// Package plots draws training curves from metrics.jsonl records: the loss
// (training and validation, data loss plus the L2 term) and the accuracy
// (training subsample and validation) per epoch, for one run or several
// overlaid, with the best epoch marked.
//
// The loss axis is logarithmic when every loss is positive, so that one
// spike (a validation loss of 4.4 in a run that otherwise sits near 0.1)
// does not flatten the rest of the curve; a loss of 0 (the SVM loss can
// reach it) falls back to a linear axis clipped at a robust maximum, and
// the axis label says so.
//
// Curves returns the two gonum/plot plots for callers that lay them out
// themselves (an HTML report renders them as SVG); WritePNG and Draw lay
// them out side by side.
package plots
