package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// seq returns a dataset whose feature j of sample i is 1000i + j, so every
// value names its position, with labels i mod classes.
func seq(n, d, classes int) *Dataset {
	ds := &Dataset{Name: "seq", X: make([]float32, n*d), Y: make([]int32, n), N: n, D: d, Classes: classes}
	for i := range n {
		for j := range d {
			ds.X[i*d+j] = float32(1000*i + j)
		}
		ds.Y[i] = int32(i % classes)
	}
	return ds
}

func TestRowSubset(t *testing.T) {
	ds := seq(5, 3, 2)
	r := ds.Row(2)
	if !equal(r, []float32{2000, 2001, 2002}) || cap(r) != 3 {
		t.Errorf("Row(2) = %v (cap %d), want [2000 2001 2002] (cap 3)", r, cap(r))
	}
	s := ds.Subset([]int{4, 0, 4})
	if s.N != 3 || s.D != 3 || s.Classes != 2 || !equal(s.X, []float32{4000, 4001, 4002, 0, 1, 2, 4000, 4001, 4002}) || !equal(s.Y, []int32{0, 0, 0}) {
		t.Errorf("Subset = %+v", s)
	}
	s.X[0] = -1
	if ds.X[12] != 4000 {
		t.Error("Subset shares memory with its source")
	}
	for _, i := range []int{-1, 5} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Row(%d) did not panic", i)
				}
			}()
			ds.Row(i)
		}()
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(d *Dataset)
		want string // "" means valid
	}{
		{"ok", func(d *Dataset) {}, ""},
		{"short X", func(d *Dataset) { d.X = d.X[:5] }, "seq: len(X) is 5, expected N*D = 4*3 = 12"},
		{"short Y", func(d *Dataset) { d.Y = d.Y[:3] }, "seq: len(Y) is 3, expected N = 4"},
		{"label high", func(d *Dataset) { d.Y[2] = 2 }, "seq: sample 2: label 2 out of range, expected 0..1"},
		{"label negative", func(d *Dataset) { d.Y[1] = -1 }, "seq: sample 1: label -1 out of range"},
		{"NaN", func(d *Dataset) { d.X[7] = float32(math.NaN()) }, "seq: sample 2, feature 1: value NaN, expected a finite number"},
		{"Inf", func(d *Dataset) { d.X[11] = float32(math.Inf(-1)) }, "seq: sample 3, feature 2: value -Inf"},
		{"no classes", func(d *Dataset) { d.Classes = 0 }, "seq: Classes is 0, expected at least 1"},
		{"negative N", func(d *Dataset) { d.N = -1 }, "negative size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := seq(4, 3, 2)
			tc.edit(ds)
			err := ds.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tc.want)
		})
	}
	var nilDS *Dataset
	if nilDS.Validate() == nil {
		t.Error("nil dataset validated")
	}
}

func TestSplit(t *testing.T) {
	ds := seq(100, 2, 10)
	for _, val := range []int{0, 1, 25, 99, 100} {
		t.Run(fmt.Sprint("val=", val), func(t *testing.T) {
			tr, va := ds.Split(val, rand.New(rand.NewPCG(1, 2)))
			if tr.N != 100-val || va.N != val || len(tr.X) != tr.N*2 || len(va.Y) != val {
				t.Fatalf("sizes train %d val %d, want %d %d", tr.N, va.N, 100-val, val)
			}
			if tr.Name != "seq[train]" || va.Name != "seq[val]" {
				t.Errorf("names %q %q", tr.Name, va.Name)
			}
			// Feature 0 of a row is 1000 × its original index.
			orig := func(d *Dataset) []int {
				idx := make([]int, d.N)
				for i := range idx {
					idx[i] = int(d.Row(i)[0]) / 1000
				}
				return idx
			}
			ti, vi := orig(tr), orig(va)
			if !slices.IsSorted(ti) || !slices.IsSorted(vi) {
				t.Error("split does not keep the original order")
			}
			all := slices.Concat(ti, vi)
			slices.Sort(all)
			for i, v := range all {
				if v != i {
					t.Fatalf("train ∪ val is not 0..99 exactly once: %v", all)
				}
			}
			// Same seed, same split; the label follows its row.
			tr2, va2 := ds.Split(val, rand.New(rand.NewPCG(1, 2)))
			if !equal(tr.X, tr2.X) || !equal(va.X, va2.X) || !equal(va.Y, va2.Y) {
				t.Error("same seed gave a different split")
			}
			for i, o := range vi {
				if va.Y[i] != int32(o%10) {
					t.Errorf("val row %d from sample %d has label %d, want %d", i, o, va.Y[i], o%10)
				}
			}
			if val == 25 {
				_, va3 := ds.Split(val, rand.New(rand.NewPCG(3, 4)))
				if equal(va.X, va3.X) {
					t.Error("different seeds gave the same split")
				}
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("Split(101) of 100 did not panic")
		}
	}()
	ds.Split(101, rand.New(rand.NewPCG(1, 2)))
}

func TestValCount(t *testing.T) {
	for _, tc := range []struct {
		n, count int
		frac     float64
		want     int
		err      string
	}{
		{60000, 0, 0, 0, ""},
		{60000, 5000, 0, 5000, ""},
		{60000, 0, 0.1, 6000, ""},
		{10, 0, 0.25, 3, ""}, // 2.5 rounds away from zero
		{10, 9, 0, 9, ""},
		{10, 10, 0, 0, "validation size 10 leaves no training samples out of 10"},
		{10, 0, 0.01, 0, "validation fraction 0.01 of 10 samples rounds to 0 samples"},
		{10, -1, 0, 0, "validation count -1 is negative"},
		{10, 0, 1, 0, "validation fraction 1 out of range, expected 0 <= fraction < 1"},
		{10, 0, -0.1, 0, "validation fraction -0.1 out of range"},
		{10, 0, math.NaN(), 0, "validation fraction NaN out of range"},
		{10, 2, 0.1, 0, "validation given both as count 2 and as fraction 0.1"},
	} {
		got, err := ValCount(tc.n, tc.count, tc.frac)
		if tc.err != "" {
			wantErr(t, err, tc.err)
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ValCount(%d, %d, %v) = %d, %v; want %d", tc.n, tc.count, tc.frac, got, err, tc.want)
		}
	}
}

func TestGather(t *testing.T) {
	ds := seq(6, 4, 3)
	idx := []int{5, 0, 3, 3}
	wantX := []float64{5000, 5001, 5002, 5003, 0, 1, 2, 3, 3000, 3001, 3002, 3003, 3000, 3001, 3002, 3003}
	wantY := []int32{2, 0, 0, 0}
	x32, x64, y := make([]float32, 16), make([]float64, 16), make([]int32, 4)
	Gather(ds, idx, x32, y)
	if !equal(y, wantY) {
		t.Errorf("y = %v, want %v", y, wantY)
	}
	for i, w := range wantX {
		if float64(x32[i]) != w {
			t.Fatalf("float32: x = %v, want %v", x32, wantX)
		}
	}
	clear(y)
	Gather(ds, idx, x64, y)
	if !equal(x64, wantX) || !equal(y, wantY) {
		t.Errorf("float64: x, y = %v, %v; want %v, %v", x64, y, wantX, wantY)
	}
	for _, tc := range []struct {
		name string
		idx  []int
		x, y int
		want string
	}{
		{"short x", idx, 15, 4, "data: Gather: 4 indices of 4 features need len(x)=16, len(y)=4; got 15, 4"},
		{"short y", idx, 16, 3, "got 16, 3"},
		{"index", []int{6}, 4, 1, "data: Gather: index 6 out of range for 6 samples"},
		{"negative index", []int{-1}, 4, 1, "index -1 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tc.want) {
					t.Errorf("panic %q, want %q", msg, tc.want)
				}
			}()
			Gather(ds, tc.idx, make([]float32, tc.x), make([]int32, tc.y))
		})
	}
}

func TestShuffle(t *testing.T) {
	ident := func(n int) []int {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		return p
	}
	for _, n := range []int{0, 1, 2, 10, 1000} {
		a, b := ident(n), ident(n)
		Shuffle(a, rand.New(rand.NewPCG(7, 7)))
		Shuffle(b, rand.New(rand.NewPCG(7, 7)))
		if !equal(a, b) {
			t.Errorf("n=%d: same rng state, different permutations", n)
		}
		s := slices.Sorted(slices.Values(a))
		if !equal(s, ident(n)) {
			t.Errorf("n=%d: not a permutation: %v", n, a)
		}
		if n >= 10 && equal(a, ident(n)) {
			t.Errorf("n=%d: identity permutation", n)
		}
	}
	// Shuffle draws exactly n-1 numbers: a second rng advanced by hand
	// stays in step.
	r1, r2 := rand.New(rand.NewPCG(1, 1)), rand.New(rand.NewPCG(1, 1))
	Shuffle(ident(10), r1)
	for i := 9; i > 0; i-- {
		r2.IntN(i + 1)
	}
	if r1.Uint64() != r2.Uint64() {
		t.Error("Shuffle of 10 did not draw exactly 9 numbers")
	}
}

func BenchmarkGather(b *testing.B) {
	const n, d, batch = 1024, 784, 128
	ds := seq(n, d, 10)
	idx := make([]int, batch)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range idx {
		idx[i] = rng.IntN(n)
	}
	y := make([]int32, batch)
	b.Run(fmt.Sprintf("N=%d,D=%d", batch, d), func(b *testing.B) {
		x := make([]float32, batch*d)
		b.ReportAllocs()
		b.SetBytes(batch * d * 4)
		for b.Loop() {
			Gather(ds, idx, x, y)
		}
	})
	b.Run(fmt.Sprintf("float64/N=%d,D=%d", batch, d), func(b *testing.B) {
		x := make([]float64, batch*d)
		b.ReportAllocs()
		b.SetBytes(batch * d * 8)
		for b.Loop() {
			Gather(ds, idx, x, y)
		}
	})
}

func TestGatherAllocs(t *testing.T) {
	ds := seq(64, 16, 2)
	idx := []int{3, 1, 4, 1, 5, 9, 2, 6}
	x32, x64, y := make([]float32, 8*16), make([]float64, 8*16), make([]int32, 8)
	if a := testing.AllocsPerRun(100, func() { Gather(ds, idx, x32, y) }); a != 0 {
		t.Errorf("Gather float32: %v allocations per call, want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { Gather(ds, idx, x64, y) }); a != 0 {
		t.Errorf("Gather float64: %v allocations per call, want 0", a)
	}
}

// withTargets gives seq's data a float target of k columns, target j of
// sample i being i + j/10, and weights i/10, so that each value names its
// row.
func withTargets(ds *Dataset, k int) *Dataset {
	ds.K = k
	ds.Target = make([]float64, ds.N*k)
	ds.W = make([]float32, ds.N)
	for i := range ds.N {
		for j := range k {
			ds.Target[i*k+j] = float64(i) + float64(j)/10
		}
		ds.W[i] = float32(i) / 10
	}
	return ds
}

// TestTargetsFollowRows: the float targets and weights follow their rows
// through GatherTarget, Subset, Split and SplitInPlace, without labels too.
func TestTargetsFollowRows(t *testing.T) {
	check := func(name string, d *Dataset) {
		t.Helper()
		if err := d.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range d.N {
			o := int(d.Row(i)[0]) / 1000 // the original row
			if d.Target[i*2] != float64(o) || d.Target[i*2+1] != float64(o)+0.1 || d.W[i] != float32(o)/10 {
				t.Fatalf("%s: row %d (sample %d) has target %v, weight %v", name, i, o, d.Target[i*2:i*2+2], d.W[i])
			}
		}
	}
	for _, labels := range []bool{true, false} {
		ds := withTargets(seq(40, 3, 4), 2)
		if !labels {
			ds.Y, ds.Classes = nil, 0
		}
		check("all", ds)
		check("subset", ds.Subset([]int{7, 3, 3, 39}))
		tr, va := ds.Split(10, rand.New(rand.NewPCG(1, 2)))
		check("split train", tr)
		check("split val", va)
		if (tr.Y == nil) == labels {
			t.Errorf("labels %v: split train has labels %v", labels, tr.Y)
		}
		tr2, va2 := ds.SplitInPlace(10, rand.New(rand.NewPCG(1, 2)))
		check("in place train", tr2)
		check("in place val", va2)
		if !slices.Equal(tr.Target, tr2.Target) || !slices.Equal(va.W, va2.W) {
			t.Errorf("labels %v: SplitInPlace's targets differ from Split's", labels)
		}
		idx := []int{5, 0, 9}
		x, y := make([]float32, 3*3), make([]int32, 3)
		v, w := make([]float64, 3*2), make([]float64, 3)
		Gather(tr2, idx, x, y)
		GatherTarget(tr2, idx, v, w)
		for k, i := range idx {
			if v[2*k] != tr2.Target[2*i] || w[k] != float64(tr2.W[i]) || x[3*k] != tr2.X[3*i] {
				t.Errorf("labels %v: gathered row %d: %v %v %v", labels, k, x[3*k], v[2*k], w[k])
			}
		}
	}
}

func TestGatherTargetAllocs(t *testing.T) {
	ds := withTargets(seq(64, 16, 2), 3)
	idx := []int{3, 1, 4, 1, 5, 9, 2, 6}
	v32, w32 := make([]float32, 8*3), make([]float32, 8)
	v64, w64 := make([]float64, 8*3), make([]float64, 8)
	if a := testing.AllocsPerRun(100, func() { GatherTarget(ds, idx, v32, w32) }); a != 0 {
		t.Errorf("GatherTarget float32: %v allocations per call, want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { GatherTarget(ds, idx, v64, w64) }); a != 0 {
		t.Errorf("GatherTarget float64: %v allocations per call, want 0", a)
	}
}

// TestValidateTargets: the target matrix, its scaling and the weights are
// checked like the features.
func TestValidateTargets(t *testing.T) {
	for _, tc := range []struct {
		edit func(d *Dataset)
		want string
	}{
		{func(d *Dataset) { d.Target = d.Target[:5] }, "len(Target) is 5 with K = 2"},
		{func(d *Dataset) { d.Target[3] = math.NaN() }, "sample 1, target 1: value NaN"},
		{func(d *Dataset) { d.W[2] = -1 }, "sample 2: weight -1"},
		{func(d *Dataset) { d.W = d.W[:1] }, "len(W) is 1"},
		{func(d *Dataset) { d.TargetMean = []float64{0} }, "1 target means and 0 stds"},
	} {
		d := withTargets(seq(4, 2, 2), 2)
		tc.edit(d)
		if err := d.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate: %v, want %q", err, tc.want)
		}
	}
}
