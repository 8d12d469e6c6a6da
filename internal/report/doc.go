// Package report turns a training run directory into one self-contained
// HTML page, report.html: what a person looks at after training.
//
// The page holds the resolved config, the network as a layer table with
// parameter counts, the learning curves (loss, train and validation
// accuracy, learning rate per epoch) with the best epoch marked, the test
// metrics, the confusion matrix as a heat map with counts, per-class
// accuracy, and, depending on the input:
//
//   - square inputs (MNIST's 28×28): the first layer's weights as images
//     (the cs231n two-layer-net notebook's show_net_weights) and the test
//     images the model got wrong with the highest confidence;
//   - 2-D inputs (the spiral): the decision regions over the plane with
//     the test points;
//
// and the scatter plots nnfc embed wrote into the run's embed/ directory.
//
// Every plot is drawn by gonum/plot and embedded as a PNG data URI; the
// page has no script, fetches nothing (no font, no style sheet) and prints
// to PDF with its own @media print rules.
//
// Build gathers a run into a Page (loading the model and evaluating it on
// the test split, as nnfc eval does); Render writes the page; Write does
// both and replaces DIR/report.html atomically.
package report
