package model_test

import (
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
)

// TestEveryBackend runs the fused-versus-reference and LossSGD tests with
// each BLAS backend of this build registered (oneDNN, OpenBLAS and gonum
// in the cgo build; gonum alone in the pure-Go one), then restores the
// default.
func TestEveryBackend(t *testing.T) {
	defer func() {
		if err := blasbackend.Select(""); err != nil {
			t.Error(err)
		}
		if err := blasbackend.Init(0); err != nil {
			t.Error(err)
		}
	}()
	for _, b := range blasbackend.Backends() {
		if err := blasbackend.Select(b); err != nil {
			t.Fatal(err)
		}
		if err := blasbackend.Init(1); err != nil {
			t.Fatal(err)
		}
		t.Run(b+"/fused", TestFusedMatchesReference)
		t.Run(b+"/losssgd", TestLossSGDMatchesLossThenStep)
		t.Run(b+"/gradients", TestNetGradients)
	}
}
