package data_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/nnfc/nnfc/pkg/data"
)

func ExampleValCount() {
	n, err := data.ValCount(60000, 0, 0.1)
	fmt.Println(n, err)
	_, err = data.ValCount(60000, 5000, 0.1)
	fmt.Println(err)
	// Output:
	// 6000 <nil>
	// validation given both as count 5000 and as fraction 0.1, expected only one
}

func ExampleFitNormalizer() {
	train := &data.Dataset{
		X: []float32{
			1, 5, 0,
			2, 5, 0,
			3, 5, 6,
		},
		Y: []int32{0, 1, 0}, N: 3, D: 3, Classes: 2,
	}
	nm, err := data.FitNormalizer("scale", train)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := nm.Apply(train); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3f\n", train.Row(2))
	// Output:
	// [0.500 0.833 1.000]
}

func ExampleDataset_Split() {
	ds := data.Spiral(100, 3, 0.2, 1)
	train, val := ds.Split(30, rand.New(rand.NewPCG(1, 0)))
	fmt.Println(train.N, val.N, val.D, val.Classes)
	// Output:
	// 270 30 2 3
}

func ExampleGather() {
	ds := data.Spiral(100, 3, 0.2, 1)
	batch := []int{0, 150, 299}
	x := make([]float64, len(batch)*ds.D) // reused for every minibatch
	y := make([]int32, len(batch))
	data.Gather(ds, batch, x, y)
	fmt.Println(y, len(x))
	// Output:
	// [0 1 2] 6
}
