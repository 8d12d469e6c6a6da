package embed_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/nnfc/nnfc/pkg/embed"
)

// A linear-kernel GP-LVM, optimized from the PCA initialization, reaches
// probabilistic PCA's closed-form maximum; the 1-NN error then says how
// well the 2-D layout separates two clusters.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	y := mat.NewDense(40, 6, nil)
	labels := make([]int32, 40)
	for i := range 40 {
		labels[i] = int32(i % 2)
		for j := range 6 {
			y.Set(i, j, 0.3*rng.NormFloat64()+3*float64(labels[i])*float64(j%2))
		}
	}
	y = embed.Center(y)
	g := &embed.GPLVM{Y: y, Q: 2, Kernel: embed.Linear}
	fit, err := g.Optimize(embed.Options{})
	if err != nil {
		panic(err)
	}
	closed, _ := embed.ClosedFormPPCA(y, 2)
	fmt.Printf("L at PCA init < optimum: %v\n", fit.LogLikInit < fit.LogLik)
	fmt.Printf("optimum %.6g, Tipping & Bishop %.6g\n", fit.LogLik, closed)
	fmt.Printf("1-NN error %.2f\n", embed.KNN1Error(fit.X, labels))
	// Output:
	// L at PCA init < optimum: true
	// optimum 216.846, Tipping & Bishop 216.846
	// 1-NN error 0.00
}
