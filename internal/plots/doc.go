// Package plots draws every picture nnfc makes, in one style (Liberation
// Sans, 192 dpi) and one class palette (ClassColors: tab10, the decision
// regions and the embedding scatter plots alike):
//
//   - curves.go: the training curves of a run (loss, accuracy or an
//     autoencoder's MSE, the report's learning rate), one run or several
//     overlaid, the best epoch marked. The loss axis is logarithmic when
//     every loss is positive, so one spike does not flatten the rest, and
//     fitted to the data; a loss of 0 (the SVM loss reaches it) falls back
//     to a linear axis clipped at a robust maximum, and the label says so.
//     The legend stands in a column of its own, so no curve and no best
//     epoch line crosses it;
//   - trials.go: a sweep's best trials overlaid, the legend under the plots;
//   - classes.go: the confusion matrix (the diagonal in grey, the mistakes
//     on a sequential scale with its colour bar) and the per-class error;
//   - regions.go: a 2-D classifier's decision regions with the points;
//   - scatter.go: an embedding's 2-D layout coloured by class;
//   - search.go: a sweep's search, a heat map or scatter on a sequential
//     scale;
//   - tiles.go, autoencoder.go: image tiles (an autoencoder's inputs and
//     reconstructions, weights as images, a mistaken digit).
//
// Callers hand numbers over and get PNG bytes (or a PNG written to an
// io.Writer) back: the report embeds them, the commands write files.
package plots
