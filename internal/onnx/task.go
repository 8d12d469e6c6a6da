package onnx

import (
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
)

// source is what a task exporter builds its graph from: the network in
// inference mode (its weights read as float64 whatever the file's
// precision; the graph rounds them back), the input normalizer and the
// export's options; meta takes the metadata_props the task adds.
type source struct {
	net  *model.Net[float64]
	norm *data.Normalizer
	opts Options
	meta map[string]string
}

// A taskExporter writes the graph of one model kind (model.Kind, by
// name): its inputs, the network's nodes and its outputs. Each kind is one
// file that registers its exporter (classifier.go, autoencoder.go;
// regression, binary and multi-label will be one file each).
type taskExporter func(g *graph, s *source) error

var tasks = map[string]taskExporter{}

func registerTask(kind string, e taskExporter) { tasks[kind] = e }

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
