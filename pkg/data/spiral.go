package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Spiral returns the cs231n spiral toy set: classes arms of perClass points
// in the plane (D = 2). For class j and point i, with linspace as in NumPy,
//
//	r = linspace(0, 1, perClass)[i]
//	t = linspace(4j, 4(j+1), perClass)[i] + noise·N(0,1)
//	x = (r·sin t, r·cos t), y = j
//
// The course uses noise 0.2. The normal draws come from
// rand.New(rand.NewPCG(seed, 0)) in sample order, so a seed gives the same
// data on every run and platform. Spiral panics on negative sizes.
func Spiral(perClass, classes int, noise float64, seed uint64) *Dataset {
	if perClass < 0 || classes < 0 {
		panic(fmt.Sprintf("data: Spiral(%d, %d): negative size", perClass, classes))
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	n := perClass * classes
	ds := &Dataset{
		Name:    fmt.Sprintf("spiral(%d,%d,%g,%d)", perClass, classes, noise, seed),
		X:       make([]float32, 2*n),
		Y:       make([]int32, n),
		N:       n,
		D:       2,
		Classes: classes,
	}
	for j := range classes {
		for i := range perClass {
			r := linspace(0, 1, perClass, i)
			t := linspace(float64(4*j), float64(4*(j+1)), perClass, i) + noise*rng.NormFloat64()
			k := j*perClass + i
			ds.X[2*k] = float32(r * math.Sin(t))
			ds.X[2*k+1] = float32(r * math.Cos(t))
			ds.Y[k] = int32(j)
		}
	}
	return ds
}

// linspace returns element i of NumPy's linspace(a, b, n).
func linspace(a, b float64, n, i int) float64 {
	if n == 1 {
		return a
	}
	if i == n-1 {
		return b
	}
	return a + (b-a)*float64(i)/float64(n-1)
}
