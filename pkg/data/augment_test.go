package data

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testImages returns n random h×w images with values 0..255 (raw
// pixels), no two pixels alike, so a moved pixel cannot pass for another.
func testImages(n, h, w int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*h*w)
	for i := range x {
		x[i] = float32(1 + rng.IntN(254))
	}
	return x
}

// at is pixel (x, y) of image k of h×w images.
func at(img []float32, k, h, w, x, y int) float32 { return img[k*h*w+y*w+x] }

// The same (seed, epoch, step) gives the same images whatever the number
// of workers; another step, epoch or seed gives others.
func TestAugmentDeterministic(t *testing.T) {
	cfg := Augment{Translate: 2, Rotate: 10, Scale: 0.1, Flip: true, ElasticAlpha: 34, ElasticSigma: 4}
	const n, side = 7, 28
	in := testImages(n, side, side)
	run := func(workers int, seed uint64, epoch, step int) []float32 {
		a := NewAugmenter[float32](cfg, side, side, 1, nil, workers)
		defer a.Close()
		x := slices.Clone(in)
		a.Apply(x, n, seed, epoch, step)
		return x
	}
	want := run(1, 5, 2, 3)
	if slices.Equal(want, in) {
		t.Fatal("augmentation left the images as they were")
	}
	for _, w := range []int{2, 3, 8} {
		if got := run(w, 5, 2, 3); !slices.Equal(got, want) {
			t.Errorf("%d workers give other images than 1", w)
		}
	}
	for _, o := range []struct {
		name        string
		seed        uint64
		epoch, step int
	}{{"seed", 6, 2, 3}, {"epoch", 5, 3, 3}, {"step", 5, 2, 4}} {
		got := run(2, o.seed, o.epoch, o.step)
		for k := range n {
			if slices.Equal(got[k*side*side:(k+1)*side*side], want[k*side*side:(k+1)*side*side]) {
				t.Errorf("another %s gives image %d the same augmentation", o.name, k)
			}
		}
	}
	// Each image has its own draw: two copies of one image in a batch
	// come out different.
	x := append(slices.Clone(in[:side*side]), in[:side*side]...)
	a := NewAugmenter[float32](cfg, side, side, 1, nil, 1)
	a.Apply(x, 2, 5, 2, 3)
	if slices.Equal(x[:side*side], x[side*side:]) {
		t.Error("two images of a batch got the same augmentation")
	}
}

// A translation by whole pixels moves every pixel exactly; what comes
// from outside is raw 0 (normalized as the data are).
func TestAugmentTranslateExact(t *testing.T) {
	const h, w = 5, 6
	scaled := &Normalizer{Mode: NormScale, Shift: make([]float32, h*w), Scale: make([]float32, h*w)}
	stdz := &Normalizer{Mode: NormStandardize, Shift: make([]float32, h*w), Scale: make([]float32, h*w)}
	for j := range h * w {
		scaled.Shift[j], scaled.Scale[j] = 0, 1.0/255
		stdz.Shift[j], stdz.Scale[j] = float32(30+j), 1/float32(20+j)
	}
	for _, tt := range []struct {
		name string
		norm *Normalizer
		tol  float64 // 0: bit-exact
	}{{"raw", nil, 0}, {"scale", scaled, 0}, {"standardize", stdz, 1e-6}} {
		for _, d := range [][2]int{{1, 0}, {0, 1}, {-2, 1}} {
			t.Run(fmt.Sprintf("%s/dx=%d,dy=%d", tt.name, d[0], d[1]), func(t *testing.T) {
				raw := testImages(1, h, w)
				x := slices.Clone(raw)
				if tt.norm != nil {
					ds := &Dataset{X: x, N: 1, D: h * w}
					if err := tt.norm.Apply(ds); err != nil {
						t.Fatal(err)
					}
				}
				before := slices.Clone(x)
				a := NewAugmenter[float32](Augment{}, h, w, 1, tt.norm, 1)
				a.warp(a.workers[0], x, Params{DX: d[0], DY: d[1], Zoom: 1}, nil, nil)
				for y := range h {
					for xx := range w {
						j := y*w + xx
						got := float64(x[j])
						sx, sy := xx-d[0], y-d[1]
						inside := sx >= 0 && sx < w && sy >= 0 && sy < h
						if inside && tt.tol == 0 {
							if want := before[sy*w+sx]; x[j] != want {
								t.Fatalf("pixel (%d,%d) = %v, want the input's (%d,%d) = %v exactly", xx, y, x[j], sx, sy, want)
							}
							continue
						}
						want := 0.0 // raw, outside the image
						if inside {
							want = float64(at(raw, 0, h, w, sx, sy))
						}
						if tt.norm != nil {
							want = (want - float64(tt.norm.Shift[j])) * float64(tt.norm.Scale[j])
						}
						if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
							t.Fatalf("pixel (%d,%d) = %v, want %v", xx, y, got, want)
						}
					}
				}
			})
		}
	}
}

// Rotation by 0 and zoom 1, an elastic field of zeros (α = 0) and an
// Augment that changes nothing leave every image bit for bit; a
// rotation by 90° and a flip move pixels where they should.
func TestAugmentIdentityAndGeometry(t *testing.T) {
	const side = 28
	in := testImages(3, side, side)
	a := NewAugmenter[float32](Augment{}, side, side, 1, nil, 2)
	defer a.Close()
	x := slices.Clone(in)
	a.Apply(x, 3, 1, 0, 0)
	if !slices.Equal(x, in) {
		t.Error("an empty Augment changed the images")
	}
	x = slices.Clone(in[:side*side])
	a.warp(a.workers[0], x, Params{Zoom: 1}, nil, nil)
	if !slices.Equal(x, in[:side*side]) {
		t.Error("rotation 0, zoom 1 changed the image")
	}
	// α = 0: the blurred field times 0 is zero everywhere.
	dx, dy, tmp := make([]float64, side*side), make([]float64, side*side), make([]float64, side*side)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range dx {
		dx[i], dy[i] = 2*rng.Float64()-1, 2*rng.Float64()-1
	}
	k := GaussianKernel(4)
	blur(dx, tmp, side, side, k, 0)
	blur(dy, tmp, side, side, k, 0)
	x = slices.Clone(in[:side*side])
	a.warp(a.workers[0], x, Params{Zoom: 1}, dx, dy)
	if !slices.Equal(x, in[:side*side]) {
		t.Error("an elastic field with α = 0 changed the image")
	}
	// Its twin: α = 34 moves pixels.
	for i := range dx {
		dx[i], dy[i] = 2*rng.Float64()-1, 2*rng.Float64()-1
	}
	blur(dx, tmp, side, side, k, 34)
	blur(dy, tmp, side, side, k, 34)
	x = slices.Clone(in[:side*side])
	a.warp(a.workers[0], x, Params{Zoom: 1}, dx, dy)
	if slices.Equal(x, in[:side*side]) {
		t.Error("an elastic field with α = 34 left the image as it was")
	}

	// 90° counterclockwise as displayed: the output pixel (x, y) is the
	// input's (W−1−y, x)... checked on the corners' neighbours.
	x = slices.Clone(in[:side*side])
	a.warp(a.workers[0], x, Params{Angle: 90, Zoom: 1}, nil, nil)
	for _, p := range [][2]int{{0, 0}, {3, 1}, {27, 5}, {10, 27}} {
		px, py := p[0], p[1]
		want := at(in, 0, side, side, side-1-py, px)
		if got := x[py*side+px]; math.Abs(float64(got-want)) > 1e-3 {
			t.Errorf("rotated 90°: pixel (%d,%d) = %v, want the input's (%d,%d) = %v", px, py, got, side-1-py, px, want)
		}
	}
	x = slices.Clone(in[:side*side])
	a.warp(a.workers[0], x, Params{Flip: true, Zoom: 1}, nil, nil)
	for py := range side {
		for px := range side {
			if got, want := x[py*side+px], at(in, 0, side, side, side-1-px, py); got != want {
				t.Fatalf("flipped: pixel (%d,%d) = %v, want %v", px, py, got, want)
			}
		}
	}
	// Zoom 2 about the center (13.5, 13.5): the output pixel (x, y)
	// shows the input at (13.5 + (x−13.5)/2, …); (7.5, 7.5) → (10.5, 10.5)
	// is the mean of four pixels.
	x = slices.Clone(in[:side*side])
	a.warp(a.workers[0], x, Params{Zoom: 2}, nil, nil)
	got := x[7*side+7]
	// (7, 7) → 13.5 + (7−13.5)/2 = 10.25 on both axes.
	f := func(xx, yy int) float64 { return float64(at(in, 0, side, side, xx, yy)) }
	want := 0.75*0.75*f(10, 10) + 0.25*0.75*f(11, 10) + 0.75*0.25*f(10, 11) + 0.25*0.25*f(11, 11)
	if math.Abs(float64(got)-want) > 1e-3 {
		t.Errorf("zoom 2: pixel (7,7) = %v, want %v", got, want)
	}
}

// Three channel planes (CIFAR-10's layout) get the same map.
func TestAugmentPlanes(t *testing.T) {
	const side = 8
	in := testImages(1, 3*side, side) // 3 planes of side×side
	a := NewAugmenter[float64](Augment{}, side, side, 3, nil, 1)
	x := make([]float64, len(in))
	for i, v := range in {
		x[i] = float64(v)
	}
	a.warp(a.workers[0], x, Params{DX: 1, Zoom: 1}, nil, nil)
	for c := range 3 {
		for y := range side {
			for xx := 1; xx < side; xx++ {
				if got, want := x[c*side*side+y*side+xx], float64(in[c*side*side+y*side+xx-1]); got != want {
					t.Fatalf("plane %d pixel (%d,%d) = %v, want %v", c, xx, y, got, want)
				}
			}
		}
	}
}

// The Gaussian is scipy.ndimage's: truncated at 4σ, normalized.
func TestGaussianKernel(t *testing.T) {
	k := GaussianKernel(4)
	if len(k) != 33 {
		t.Fatalf("σ=4: %d taps, want 33 (r = int(4·4 + 0.5) = 16)", len(k))
	}
	sum := 0.0
	for i, v := range k {
		sum += v
		if v != k[len(k)-1-i] {
			t.Errorf("tap %d: %v, its mirror %v", i, v, k[len(k)-1-i])
		}
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("taps sum to %v", sum)
	}
	// exp(−16²/32) / Σ exp(−d²/32): the outer tap's ratio to the center.
	if r := k[0] / k[16]; math.Abs(r-math.Exp(-8)) > 1e-15 {
		t.Errorf("outer/center tap = %v, want e^-8 = %v", r, math.Exp(-8))
	}
}

// The draws stay in their ranges and cover them.
func TestAugmentDrawRanges(t *testing.T) {
	a := NewAugmenter[float32](Augment{Translate: 2, Rotate: 15, Scale: 0.1, Flip: true}, 28, 28, 1, nil, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	seenDX := map[int]bool{}
	flips := 0
	for range 2000 {
		p := a.draw(rng)
		seenDX[p.DX] = true
		if p.DX < -2 || p.DX > 2 || p.DY < -2 || p.DY > 2 || math.Abs(p.Angle) > 15 || p.Zoom < 0.9 || p.Zoom > 1.1 {
			t.Fatalf("draw out of range: %+v", p)
		}
		if p.Flip {
			flips++
		}
	}
	if len(seenDX) != 5 {
		t.Errorf("dx took %d values in 2000 draws, want all 5 of −2..2", len(seenDX))
	}
	if flips < 900 || flips > 1100 { // binomial(2000, 1/2): ±4.5σ
		t.Errorf("%d flips in 2000 draws, want about half", flips)
	}
}

// Apply allocates nothing: the buffers are the augmenter's.
func TestAugmentAllocs(t *testing.T) {
	a := NewAugmenter[float32](Augment{Translate: 2, Rotate: 10, ElasticAlpha: 34, ElasticSigma: 4}, 28, 28, 1, nil, 2)
	defer a.Close()
	x := testImages(8, 28, 28)
	step := 0
	if n := testing.AllocsPerRun(5, func() { step++; a.Apply(x, 8, 1, 0, step) }); n != 0 {
		t.Errorf("Apply allocates %v times per call, want 0", n)
	}
}

func TestAugmentCheck(t *testing.T) {
	for _, tt := range []struct {
		a    Augment
		want string // "" valid
	}{
		{Augment{}, ""},
		{Augment{Translate: 2, Rotate: 10, Scale: 0.1, Flip: true, ElasticAlpha: 34, ElasticSigma: 4}, ""},
		{Augment{Translate: -1}, "data.augment.translate: must be ≥ 0 pixels, got -1"},
		{Augment{Translate: 28}, "data.augment.translate: must be below the image side (28 pixels), got 28"},
		{Augment{Rotate: -5}, "data.augment.rotate: must be in [0, 180] degrees, got -5"},
		{Augment{Rotate: math.NaN()}, "data.augment.rotate: must be in [0, 180] degrees, got NaN"},
		{Augment{Scale: 1}, "data.augment.scale: must be in [0, 1)"},
		{Augment{ElasticAlpha: 34}, "data.augment.elastic_sigma: must be > 0 pixels when elastic_alpha is set"},
		{Augment{ElasticSigma: 4}, "data.augment.elastic_sigma: applies with elastic_alpha > 0 only"},
		{Augment{ElasticAlpha: -1, ElasticSigma: 4}, "data.augment.elastic_alpha: must be in [0, 1000] pixels, got -1"},
	} {
		var got []string
		tt.a.Check("data.augment.", 28, 28, func(key, format string, args ...any) {
			got = append(got, key+": "+fmt.Sprintf(format, args...))
		})
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%+v: %q, want no problem", tt.a, got)
		case tt.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tt.want)):
			t.Errorf("%+v: %q, want one problem starting %q", tt.a, got, tt.want)
		}
		for _, g := range got {
			if strings.Contains(g, "\n") {
				t.Errorf("%q: not one line", g)
			}
		}
	}
	if got := (Augment{Flip: true, ElasticAlpha: 3, ElasticSigma: 4}).SetKeys("data.augment."); !slices.Equal(got, []string{"data.augment.flip", "data.augment.elastic_alpha", "data.augment.elastic_sigma"}) {
		t.Errorf("SetKeys: %q", got)
	}
}

// BenchmarkAugment: one 28×28 image per op (ns/op is per image).
func BenchmarkAugment(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  Augment
	}{
		{"translate", Augment{Translate: 2}},
		{"affine", Augment{Translate: 2, Rotate: 10, Scale: 0.1}},
		{"affine+elastic", Augment{Translate: 2, Rotate: 10, Scale: 0.1, ElasticAlpha: 34, ElasticSigma: 4}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const n = 256
			a := NewAugmenter[float32](bc.cfg, 28, 28, 1, nil, 1)
			x := testImages(n, 28, 28)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += n {
				a.Apply(x, n, 1, 0, i)
			}
		})
	}
}

// SciPy's gaussian_filter and map_coordinates (scripts/scipy-augment-oracle.py,
// scipy 1.10.1) agree with the elastic field and the warp to rounding.
func TestAugmentAgainstSciPy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "scipy_augment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var oracle struct {
		Cases []struct {
			Name         string
			Alpha, Sigma float64
			Shift        [2]int
			Angle, Zoom  float64
			Flip         bool
			Picture      []float64
			NoiseX       []float64 `json:"noise_x"`
			NoiseY       []float64 `json:"noise_y"`
			FieldX       []float64 `json:"field_x"`
			FieldY       []float64 `json:"field_y"`
			Out          []float64
		}
	}
	if err := json.Unmarshal(b, &oracle); err != nil {
		t.Fatal(err)
	}
	if len(oracle.Cases) != 4 {
		t.Fatalf("%d cases, want 4", len(oracle.Cases))
	}
	const side = 28
	maxDiff := func(a, b []float64) float64 {
		d := 0.0
		for i := range a {
			d = math.Max(d, math.Abs(a[i]-b[i]))
		}
		return d
	}
	for _, c := range oracle.Cases {
		t.Run(c.Name, func(t *testing.T) {
			a := NewAugmenter[float64](Augment{}, side, side, 1, nil, 1)
			wk := a.workers[0]
			var dx, dy []float64
			if c.Alpha > 0 {
				dx, dy = slices.Clone(c.NoiseX), slices.Clone(c.NoiseY)
				k := GaussianKernel(c.Sigma)
				blur(dx, wk.tmp, side, side, k, c.Alpha)
				blur(dy, wk.tmp, side, side, k, c.Alpha)
				if d := math.Max(maxDiff(dx, c.FieldX), maxDiff(dy, c.FieldY)); d > 1e-12 {
					t.Errorf("elastic field: max |nnfc − scipy| = %g", d)
				}
			}
			img := slices.Clone(c.Picture)
			a.warp(wk, img, Params{DX: c.Shift[0], DY: c.Shift[1], Angle: c.Angle, Zoom: c.Zoom, Flip: c.Flip}, dx, dy)
			if d := maxDiff(img, c.Out); d > 1e-9 {
				t.Errorf("warped picture: max |nnfc − scipy| = %g (values 0..255)", d)
			}
			if maxDiff(img, c.Picture) < 1 {
				t.Error("the case does not move the picture")
			}
		})
	}
}
