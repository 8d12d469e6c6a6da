package onnx

import (
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
)

// source is what a task exporter builds its graph from: the network in
// inference mode (its weights read as float64 whatever the file's
// precision; the graph rounds them back), the input normalizer and the
// export's options; meta takes the metadata_props the task and the
// input exporter add. classes are the class names the model's data source
// fitted (a table's target values), nil when it named none.
type source struct {
	net     *model.Net[float64]
	norm    *data.Normalizer
	opts    Options
	meta    map[string]string
	classes []string
	// target is the data source's fitted target scaling (a table's number
	// target), set by the input exporter; nil Mean: none.
	target targetScaling
}

// targetScaling maps a regression's standardized outputs o back to the
// data's units: Mean[j] + Std[j]·o_j for target j, named Names[j].
type targetScaling struct {
	Names     []string
	Mean, Std []float64
}

// A taskExporter writes the graph of one model kind (model.Kind, by
// name): its inputs, the network's nodes and its outputs. Each kind is one
// file that registers its exporter (classifier.go, autoencoder.go;
// regression, binary and multi-label will be one file each).
type taskExporter func(g *graph, s *source) error

var tasks = map[string]taskExporter{}

// outputNames are the output names of every task: an input may not take
// one (a table column named "label").
var outputNames = map[string]bool{}

// registerTask registers the exporter of a model kind with the names of
// the outputs its graphs may have.
func registerTask(kind string, e taskExporter, outputs ...string) {
	tasks[kind] = e
	for _, o := range outputs {
		outputNames[o] = true
	}
}

// body adds the network's layers after the value x and returns the last
// one's output.
func body(g *graph, net *model.Net[float64], x string) (string, error) {
	for _, l := range net.Layers {
		var err error
		if x, err = layer(g, l, x); err != nil {
			return "", err
		}
	}
	return x, nil
}
