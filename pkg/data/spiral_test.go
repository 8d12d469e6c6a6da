package data

import (
	"math"
	"testing"
)

func TestSpiral(t *testing.T) {
	const tol = 1e-6 // float32 rounding of values of magnitude <= 1
	for _, tc := range []struct {
		perClass, classes int
		noise             float64
	}{{100, 3, 0.2}, {1, 2, 0.2}, {5, 1, 0}, {50, 4, 1}} {
		ds := Spiral(tc.perClass, tc.classes, tc.noise, 42)
		if err := ds.Validate(); err != nil {
			t.Fatal(err)
		}
		if ds.N != tc.perClass*tc.classes || ds.D != 2 || ds.Classes != tc.classes {
			t.Fatalf("N, D, Classes = %d, %d, %d", ds.N, ds.D, ds.Classes)
		}
		for k := range ds.N {
			j, i := k/tc.perClass, k%tc.perClass
			if ds.Y[k] != int32(j) {
				t.Fatalf("Y[%d] = %d, want %d", k, ds.Y[k], j)
			}
			// Noise moves the angle only: the radius is linspace(0, 1)[i].
			r := 0.0
			if tc.perClass > 1 {
				r = float64(i) / float64(tc.perClass-1)
			}
			x := ds.Row(k)
			if got := math.Hypot(float64(x[0]), float64(x[1])); math.Abs(got-r) > tol {
				t.Fatalf("point %d: radius %v, want %v", k, got, r)
			}
		}
	}
	// Without noise the last point of class 1 sits at r = 1, t = 8.
	ds := Spiral(10, 2, 0, 1)
	if x := ds.Row(19); math.Abs(float64(x[0])-math.Sin(8)) > tol || math.Abs(float64(x[1])-math.Cos(8)) > tol {
		t.Errorf("point 19 = %v, want (sin 8, cos 8)", x)
	}
	a, b, c := Spiral(100, 3, 0.2, 7), Spiral(100, 3, 0.2, 7), Spiral(100, 3, 0.2, 8)
	if !equal(a.X, b.X) {
		t.Error("same seed, different data")
	}
	if equal(a.X, c.X) {
		t.Error("different seeds, same data")
	}
	if e := Spiral(0, 3, 0.2, 1); e.N != 0 || len(e.X) != 0 {
		t.Errorf("Spiral(0, 3) has %d samples", e.N)
	}
}
