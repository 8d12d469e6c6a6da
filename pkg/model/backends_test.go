package model_test

import (
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/vec"
)

// TestEveryBackend runs the fused-versus-reference and TrainStep tests with
// each BLAS backend of this build registered (oneDNN, OpenBLAS and gonum
// in the cgo build; gonum alone in the pure-Go one), then restores the
// implementations it found (the other tests run on gonum's, bit-exact
// between a row alone and the same row in a batch).
func TestEveryBackend(t *testing.T) {
	im32, im64 := blas32.Implementation(), blas64.Implementation()
	defer vec.SetGemmRules(vec.GemmRules())
	defer vec.SetTeam(vec.Team())
	defer func() {
		if err := blasbackend.Select(""); err != nil {
			t.Error(err)
		}
		blas32.Use(im32)
		blas64.Use(im64)
	}()
	for _, b := range blasbackend.Backends() {
		if err := blasbackend.Select(b); err != nil {
			t.Fatal(err)
		}
		if err := blasbackend.Init(1); err != nil {
			t.Fatal(err)
		}
		t.Run(b+"/fused", TestFusedMatchesReference)
		t.Run(b+"/trainstep", TestTrainStepMatchesLossThenStep)
		t.Run(b+"/gradients", TestNetGradients)
	}
}
