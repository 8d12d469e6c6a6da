package data

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNormalizer(t *testing.T) {
	// Three samples of three features: feature 1 is constant.
	//   f0: 1 2 3  mean 2, population std sqrt(2/3)
	//   f1: 5 5 5  constant: shift 5, scale 1
	//   f2: 0 0 6  mean 2, std sqrt((4+4+16)/3) = sqrt(8)
	// Over all nine values: min 0, max 6, mean 27/9 = 3,
	// std sqrt((4+1+0+4+4+4+9+9+9)/9) = sqrt(44/9).
	train := &Dataset{Name: "hand", X: []float32{1, 5, 0, 2, 5, 0, 3, 5, 6}, Y: make([]int32, 3), N: 3, D: 3, Classes: 1}
	const tol = 1e-6
	for _, tc := range []struct {
		mode         string
		shift, scale []float64
	}{
		{"none", []float64{0, 0, 0}, []float64{1, 1, 1}},
		{"scale", []float64{0, 0, 0}, []float64{1.0 / 6, 1.0 / 6, 1.0 / 6}},
		{"standardize", []float64{2, 5, 2}, []float64{1 / math.Sqrt(2.0/3), 1, 1 / math.Sqrt(8)}},
		{"standardize_global", []float64{3, 3, 3}, []float64{1 / math.Sqrt(44.0/9), 1 / math.Sqrt(44.0/9), 1 / math.Sqrt(44.0/9)}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			nm, err := FitNormalizer(tc.mode, train)
			if err != nil {
				t.Fatal(err)
			}
			for j := range 3 {
				if math.Abs(float64(nm.Shift[j])-tc.shift[j]) > tol || math.Abs(float64(nm.Scale[j])-tc.scale[j]) > tol {
					t.Errorf("feature %d: shift, scale = %v, %v; want %v, %v", j, nm.Shift[j], nm.Scale[j], tc.shift[j], tc.scale[j])
				}
			}
			d := train.Subset([]int{0, 1, 2})
			if err := nm.Apply(d); err != nil {
				t.Fatal(err)
			}
			for k, v := range d.X {
				j := k % 3
				want := (float64(train.X[k]) - tc.shift[j]) * tc.scale[j]
				if math.Abs(float64(v)-want) > tol {
					t.Errorf("Apply: X[%d] = %v, want %v", k, v, want)
				}
			}
			if tc.mode == "standardize" {
				// Standardized features have mean 0 and std 1, except the
				// constant one, which becomes 0.
				for j, wantStd := range []float64{1, 0, 1} {
					mean, std, _ := moments(d.X, j, 3)
					if math.Abs(mean) > tol || math.Abs(std-wantStd) > tol {
						t.Errorf("feature %d after Apply: mean %v std %v, want 0, %v", j, mean, std, wantStd)
					}
				}
			}
			// The normalizer is saved with the model as JSON.
			b, err := json.Marshal(nm)
			if err != nil {
				t.Fatal(err)
			}
			var back Normalizer
			if err := json.Unmarshal(b, &back); err != nil || back.Mode != tc.mode || !equal(back.Shift, nm.Shift) || !equal(back.Scale, nm.Scale) {
				t.Errorf("JSON round trip: %s -> %+v, %v", b, back, err)
			}
		})
	}
}

func TestNormalizerConstantData(t *testing.T) {
	d := &Dataset{Name: "c", X: []float32{7, 7, 7, 7}, Y: make([]int32, 2), N: 2, D: 2, Classes: 1}
	for _, mode := range NormModes {
		nm, err := FitNormalizer(mode, d)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			if nm.Scale[j] != 1 {
				t.Errorf("%s: constant data got scale %v, want 1", mode, nm.Scale[j])
			}
		}
	}
}

func TestNormalizerErrors(t *testing.T) {
	train := seq(4, 3, 2)
	_, err := FitNormalizer("minmax", train)
	wantErr(t, err, `normalization mode "minmax" unknown, expected one of ["none" "scale" "standardize" "standardize_global"]`)
	_, err = FitNormalizer("scale", &Dataset{Name: "empty"})
	wantErr(t, err, "empty training set")
	_, err = FitNormalizer("scale", nil)
	wantErr(t, err, "empty training set")
	nm, err := FitNormalizer("standardize", train)
	if err != nil {
		t.Fatal(err)
	}
	err = nm.Apply(seq(2, 5, 2))
	wantErr(t, err, `seq: normalizer "standardize" has 3 shifts and 3 scales, expected one per feature: 5`)
}
