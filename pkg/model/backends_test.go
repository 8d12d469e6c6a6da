package model_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/vec"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
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
		layers.SetPacker(nil)
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
		t.Run(b+"/infer", TestInferMatchesScores)
	}
}

// TestInferPacked: with oneDNN's packed weights (Net.Pack), Infer equals
// Scores in evaluation mode to float32 rounding, on one thread and on two
// (the batch cut in two blocks of rows run at once, and whole on a
// two-thread product); the products did run packed (blasbackend's count);
// and Infer keeps the packed copy: W changed after Pack is not seen until
// Pack again (the negative twin: the packed path is the one measured).
func TestInferPacked(t *testing.T) {
	if !slices.Contains(blasbackend.Backends(), blasbackend.OneDNNName) {
		t.Skip("no oneDNN in this build (purego): nothing packs")
	}
	im32, im64 := blas32.Implementation(), blas64.Implementation()
	defer vec.SetGemmRules(vec.GemmRules())
	defer vec.SetTeam(vec.Team())
	defer func() {
		if err := blasbackend.Select(""); err != nil {
			t.Error(err)
		}
		blas32.Use(im32)
		blas64.Use(im64)
		layers.SetPacker(nil)
	}()
	if err := blasbackend.Select(blasbackend.OneDNNName); err != nil {
		t.Fatal(err)
	}
	// 200-row blocks of 400 rows: the first two products of each are
	// above the packed path's threshold (2^23 multiply-adds), the last
	// below it; that one runs packed on 256 rows or more (the whole
	// batch), not in a block of 200.
	spec := model.Spec{InputDim: 600, Hidden: []int{512, 256}, Activations: []string{"swish", "relu"}, Classes: 10, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(11, 12)))
	if err != nil {
		t.Fatal(err)
	}
	net.SetTraining(false)
	x, _ := randomBatch[float32](rand.New(rand.NewPCG(13, 14)), 400, spec)
	for _, threads := range []int{1, 2} {
		if err := blasbackend.Init(threads); err != nil {
			t.Fatal(err)
		}
		want := append([]float32(nil), net.Scores(x).Data...)
		if got := net.Pack(); got != len(net.Affine) {
			t.Fatalf("threads %d: Pack packed %d of %d affine layers", threads, got, len(net.Affine))
		}
		for _, blockRows := range []int{64, 0} {
			model.InferBlockRows = blockRows
			before := blasbackend.PackedCalls()
			got := net.Infer(x).Data
			model.InferBlockRows = 64
			// The two large products ran packed in every block of rows,
			// the small one in a block of 256 rows or more.
			blocks, calls := 1, 3
			if threads == 2 && blockRows > 0 {
				blocks, calls = 2, 4
			}
			if n := blasbackend.PackedCalls() - before; n != int64(calls) {
				t.Errorf("threads %d, blocks %d: %d packed products, want %d", threads, blocks, n, calls)
			}
			closeAll(t, fmt.Sprintf("threads %d, block rows %d: Infer (packed) vs Scores", threads, blockRows), got, want, 1e-5)
		}
		// The twin: W moved after Pack; Infer still gives the old outputs
		// until Pack again, then the new ones.
		w := net.Affine[0].W.Data
		old := w[0]
		w[0] += 0.5
		changed := append([]float32(nil), net.Scores(x).Data...)
		closeAll(t, fmt.Sprintf("threads %d: Infer on the packed copy after W changed", threads), net.Infer(x).Data, want, 1e-5)
		net.Pack()
		closeAll(t, fmt.Sprintf("threads %d: Infer after Pack again", threads), net.Infer(x).Data, changed, 1e-5)
		w[0] = old
		net.Unpack()
		bitEqual(t, fmt.Sprintf("threads %d: Infer unpacked", threads), net.Infer(x).Data, want)
	}
}
