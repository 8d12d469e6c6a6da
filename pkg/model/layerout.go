package model

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nnfc/nnfc/pkg/layers"
)

// Layer outputs are numbered 0 (the input) to len(Hidden)+1 (the class
// scores); 1..len(Hidden) are the hidden layers after their activation
// (and batch normalization and dropout), named h1, h2, ... LayerNames
// lists the names in that order. An autoencoder's are input, code and
// reconstruction.
func (s Spec) LayerNames() []string { return s.kind().LayerNames(s) }

// LayerIndex resolves a layer given by name (input, h1, ..., scores) or
// by number (0 .. len(Hidden)+1); "" is the last hidden layer (the input
// when there is none). The error names the layers that exist.
func (s Spec) LayerIndex(layer string) (int, error) {
	names := s.LayerNames()
	if layer == "" {
		return len(names) - 2, nil
	}
	if k, err := strconv.Atoi(layer); err == nil {
		if k >= 0 && k < len(names) {
			return k, nil
		}
		return 0, fmt.Errorf("layer %d: the %s network has layers 0..%d (%s)", k, s, len(names)-1, strings.Join(names, ", "))
	}
	for k, n := range names {
		if strings.EqualFold(n, layer) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("layer %q: the %s network has layers %s (or their numbers 0..%d)", layer, s, strings.Join(names, ", "), len(names)-1)
}

// LayerOutput runs the forward pass on x and returns the output of layer
// k (see LayerNames), owned by the network and overwritten by the next
// pass. Call SetTraining(false) first for evaluation-mode outputs.
func (n *Net[T]) LayerOutput(x *layers.Matrix[T], k int) *layers.Matrix[T] {
	if k < 0 || k >= len(n.Spec.LayerNames()) {
		panic(fmt.Sprintf("model: LayerOutput(%d) of a network with layers %v", k, n.Spec.LayerNames()))
	}
	if k == 0 {
		return x
	}
	return n.head.output(x, k)
}
