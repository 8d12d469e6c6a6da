package data

// Augmentation of image minibatches: random affine maps (translation,
// rotation, scaling, horizontal flip) and elastic distortions (Simard,
// Steinkraus and Platt 2003), drawn per image and applied in place on the
// minibatch buffer by one bilinear resample per image.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Augment is the configuration of data.augment: what random changes each
// training image gets, every epoch anew. The zero value changes nothing.
type Augment struct {
	// Translate shifts each image by whole pixels, dx and dy drawn
	// independently and uniformly from −Translate..Translate.
	Translate int `mapstructure:"translate" yaml:"translate"`
	// Rotate turns each image about its center by an angle drawn
	// uniformly from [−Rotate, Rotate] degrees.
	Rotate float64 `mapstructure:"rotate" yaml:"rotate"`
	// Scale zooms each image about its center by a factor drawn
	// uniformly from [1−Scale, 1+Scale].
	Scale float64 `mapstructure:"scale" yaml:"scale"`
	// Flip mirrors half of the images left to right (right for clothing,
	// wrong for digits).
	Flip bool `mapstructure:"flip" yaml:"flip"`
	// ElasticAlpha and ElasticSigma are Simard et al.'s elastic
	// distortion: a field of displacements drawn uniformly from [−1, 1]
	// per pixel and axis, smoothed by a Gaussian of standard deviation
	// ElasticSigma pixels (zero outside the image, truncated at 4σ, as
	// scipy.ndimage.gaussian_filter with mode="constant"), times
	// ElasticAlpha pixels. ElasticAlpha 0 is off.
	ElasticAlpha float64 `mapstructure:"elastic_alpha" yaml:"elastic_alpha"`
	ElasticSigma float64 `mapstructure:"elastic_sigma" yaml:"elastic_sigma"`
}

// Active reports whether a changes anything.
func (a Augment) Active() bool {
	return a.Translate != 0 || a.Rotate != 0 || a.Scale != 0 || a.Flip || a.ElasticAlpha != 0
}

// SetKeys lists the dotted keys (prefix + name) of a that hold a value
// other than their default: what a source that has no images refuses.
func (a Augment) SetKeys(prefix string) []string {
	var keys []string
	add := func(on bool, name string) {
		if on {
			keys = append(keys, prefix+name)
		}
	}
	add(a.Translate != 0, "translate")
	add(a.Rotate != 0, "rotate")
	add(a.Scale != 0, "scale")
	add(a.Flip, "flip")
	add(a.ElasticAlpha != 0, "elastic_alpha")
	add(a.ElasticSigma != 0, "elastic_sigma")
	return keys
}

// Check reports each problem of a through bad, with its key (prefix +
// name), for images of h×w pixels (0 when not known).
func (a Augment) Check(prefix string, h, w int, bad func(key, format string, args ...any)) {
	if a.Translate < 0 {
		bad(prefix+"translate", "must be ≥ 0 pixels, got %d", a.Translate)
	} else if h > 0 && a.Translate >= min(h, w) {
		bad(prefix+"translate", "must be below the image side (%d pixels), got %d", min(h, w), a.Translate)
	}
	if !(a.Rotate >= 0 && a.Rotate <= 180) {
		bad(prefix+"rotate", "must be in [0, 180] degrees, got %g", a.Rotate)
	}
	if !(a.Scale >= 0 && a.Scale < 1) {
		bad(prefix+"scale", "must be in [0, 1) (a zoom factor in [1−scale, 1+scale]), got %g", a.Scale)
	}
	if !(a.ElasticAlpha >= 0 && a.ElasticAlpha <= 1000) {
		bad(prefix+"elastic_alpha", "must be in [0, 1000] pixels, got %g", a.ElasticAlpha)
	}
	switch {
	case !(a.ElasticSigma >= 0 && a.ElasticSigma <= 100):
		bad(prefix+"elastic_sigma", "must be in (0, 100] pixels, got %g", a.ElasticSigma)
	case a.ElasticAlpha > 0 && a.ElasticSigma == 0:
		bad(prefix+"elastic_sigma", "must be > 0 pixels when elastic_alpha is set (Simard et al. use 4), got 0")
	case a.ElasticAlpha == 0 && a.ElasticSigma > 0:
		bad(prefix+"elastic_sigma", "applies with elastic_alpha > 0 only, which is 0")
	}
}

// An Augmenter applies an Augment to minibatches of images of C planes
// of H×W pixels (a sample is C·H·W features, plane after plane, each
// row-major), on Workers goroutines. The images are normalized (the
// run's Normalizer): the resample works on raw pixel values, which are
// 0 outside the image. Its buffers are allocated once: Apply allocates
// nothing.
type Augmenter[T float32 | float64] struct {
	cfg     Augment
	H, W, C int
	// shift and scale are the normalizer's (x' = (x − shift)·scale);
	// uniform when every feature has the same, which lets the resample
	// work on the normalized values directly with fill = (0−shift)·scale.
	shift, scale []float64
	uniform      bool
	fill         float64
	kernel       []float64 // the elastic Gaussian, 2r+1 taps, sum 1
	workers      []*augWorker
	jobs         []chan augJob
	wg           sync.WaitGroup
	batch        []T // Apply's images, while it runs
}

// augJob is one worker's share of an Apply: images from..to-1.
type augJob struct {
	from, to    int
	seed        uint64
	epoch, step int
}

// augWorker is one goroutine's scratch: its generator and buffers.
type augWorker struct {
	pcg    rand.PCG
	rng    *rand.Rand
	raw    []float64 // one image's raw values (C·H·W)
	dx, dy []float64 // the elastic displacement field (H·W each)
	tmp    []float64 // the blur's intermediate (H·W)
	src    []float64 // the source coordinates of each pixel (2·H·W)
}

// NewAugmenter returns an augmenter of cfg for images of c planes of h×w
// pixels normalized by norm (nil: not normalized), applying on workers
// goroutines (at least 1). Close stops them.
func NewAugmenter[T float32 | float64](cfg Augment, h, w, c int, norm *Normalizer, workers int) *Augmenter[T] {
	if h <= 0 || w <= 0 || c <= 0 {
		panic(fmt.Sprintf("data: NewAugmenter: image shape %d×%d×%d", c, h, w))
	}
	D := c * h * w
	a := &Augmenter[T]{cfg: cfg, H: h, W: w, C: c, shift: make([]float64, D), scale: make([]float64, D), uniform: true}
	for j := range D {
		a.scale[j] = 1
		if norm != nil {
			if len(norm.Shift) != D || len(norm.Scale) != D {
				panic(fmt.Sprintf("data: NewAugmenter: normalizer of %d features for images of %d", len(norm.Shift), D))
			}
			a.shift[j], a.scale[j] = float64(norm.Shift[j]), float64(norm.Scale[j])
		}
		a.uniform = a.uniform && a.shift[j] == a.shift[0] && a.scale[j] == a.scale[0]
	}
	a.fill = (0 - a.shift[0]) * a.scale[0]
	if cfg.ElasticAlpha > 0 {
		a.kernel = GaussianKernel(cfg.ElasticSigma)
	}
	workers = max(1, workers)
	for range workers {
		wk := &augWorker{raw: make([]float64, D), dx: make([]float64, h*w), dy: make([]float64, h*w),
			tmp: make([]float64, h*w), src: make([]float64, 2*h*w)}
		wk.rng = rand.New(&wk.pcg)
		a.workers = append(a.workers, wk)
	}
	for i := 1; i < workers; i++ {
		ch := make(chan augJob)
		a.jobs = append(a.jobs, ch)
		go func(wk *augWorker) {
			for j := range ch {
				a.run(wk, j)
				a.wg.Done()
			}
		}(a.workers[i])
	}
	return a
}

// Close stops the augmenter's goroutines.
func (a *Augmenter[T]) Close() {
	for _, ch := range a.jobs {
		close(ch)
	}
	a.jobs = nil
}

// Apply augments the n images of x (n·C·H·W values) in place, image k
// from a generator seeded by (seed, epoch, step, k) only: the same call
// gives the same images whatever the number of workers, and a resumed
// run draws what the uninterrupted run drew.
func (a *Augmenter[T]) Apply(x []T, n int, seed uint64, epoch, step int) {
	if len(x) != n*a.C*a.H*a.W {
		panic(fmt.Sprintf("data: Augmenter.Apply: %d images of %d features need %d values, got %d", n, a.C*a.H*a.W, n*a.C*a.H*a.W, len(x)))
	}
	a.batch = x
	w := min(len(a.workers), n)
	per := (n + w - 1) / max(w, 1)
	for i := 1; i < w; i++ {
		from, to := i*per, min(n, (i+1)*per)
		if from >= to {
			break
		}
		a.wg.Add(1)
		a.jobs[i-1] <- augJob{from: from, to: to, seed: seed, epoch: epoch, step: step}
	}
	a.run(a.workers[0], augJob{from: 0, to: min(n, per), seed: seed, epoch: epoch, step: step})
	a.wg.Wait()
	a.batch = nil
}

func (a *Augmenter[T]) run(wk *augWorker, j augJob) {
	x := a.batch
	D := a.C * a.H * a.W
	for k := j.from; k < j.to; k++ {
		wk.pcg.Seed(mix(j.seed^augStream, uint64(j.epoch)), mix(uint64(j.step), uint64(k)))
		a.image(wk, x[k*D:(k+1)*D])
	}
}

// augStream separates the augmentation's generators from the run's other
// uses of its seed.
const augStream = 0x61756780 // "aug"

// mix is splitmix64's finalizer of a combined with b: a seed for one
// (a, b) pair.
func mix(a, b uint64) uint64 {
	z := a*0x9e3779b97f4a7c15 + b + 0x6a09e667f3bcc909
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Params are the random draws of one image.
type Params struct {
	DX, DY int     // translation, pixels (+x right, +y down)
	Angle  float64 // rotation, degrees (counterclockwise as displayed)
	Zoom   float64 // scale factor
	Flip   bool    // mirrored left to right
}

// draw draws one image's parameters: translation, angle, zoom, flip, in
// that order, each only when configured.
func (a *Augmenter[T]) draw(rng *rand.Rand) Params {
	p := Params{Zoom: 1}
	if t := a.cfg.Translate; t > 0 {
		p.DX, p.DY = rng.IntN(2*t+1)-t, rng.IntN(2*t+1)-t
	}
	if a.cfg.Rotate > 0 {
		p.Angle = (2*rng.Float64() - 1) * a.cfg.Rotate
	}
	if a.cfg.Scale > 0 {
		p.Zoom = 1 + (2*rng.Float64()-1)*a.cfg.Scale
	}
	if a.cfg.Flip {
		p.Flip = rng.Uint64()&1 == 1
	}
	return p
}

// image augments one image in place.
func (a *Augmenter[T]) image(wk *augWorker, img []T) {
	p := a.draw(wk.rng)
	var dx, dy []float64
	if a.cfg.ElasticAlpha > 0 {
		a.field(wk)
		dx, dy = wk.dx, wk.dy
	}
	a.warp(wk, img, p, dx, dy)
}

// field draws the elastic displacement field into wk.dx and wk.dy.
func (a *Augmenter[T]) field(wk *augWorker) {
	for i := range wk.dx {
		wk.dx[i] = 2*wk.rng.Float64() - 1
	}
	for i := range wk.dy {
		wk.dy[i] = 2*wk.rng.Float64() - 1
	}
	blur(wk.dx, wk.tmp, a.H, a.W, a.kernel, a.cfg.ElasticAlpha)
	blur(wk.dy, wk.tmp, a.H, a.W, a.kernel, a.cfg.ElasticAlpha)
}

// GaussianKernel returns the normalized Gaussian of standard deviation
// sigma truncated at 4σ (scipy.ndimage's default), 2r+1 taps with
// r = int(4σ + 0.5).
func GaussianKernel(sigma float64) []float64 {
	r := int(4*sigma + 0.5)
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// blur smooths the h×w field f by the separable kernel (zero outside
// the field) and multiplies it by alpha: rows of f into the columns of
// tmp (w×h), then rows of tmp into the columns of f, so both passes read
// contiguous memory.
func blur(f, tmp []float64, h, w int, kernel []float64, alpha float64) {
	blurRows(f, tmp, h, w, kernel, 1)
	blurRows(tmp, f, w, h, kernel, alpha)
}

// blurRows convolves each of the h rows of w values of src with kernel
// (zero outside the row), times alpha, into column i of dst (w×h).
func blurRows(src, dst []float64, h, w int, kernel []float64, alpha float64) {
	r := len(kernel) / 2
	for i := range h {
		row := src[i*w : (i+1)*w]
		for j := range w {
			lo, hi := max(0, j-r), min(w, j+r+1)
			seg, k := row[lo:hi], kernel[lo-j+r:hi-j+r]
			k = k[:len(seg)]
			// Four sums: the adds of one would wait on each other.
			var s0, s1, s2, s3 float64
			t := 0
			for ; t+4 <= len(seg); t += 4 {
				s0 += k[t] * seg[t]
				s1 += k[t+1] * seg[t+1]
				s2 += k[t+2] * seg[t+2]
				s3 += k[t+3] * seg[t+3]
			}
			for ; t < len(seg); t++ {
				s0 += k[t] * seg[t]
			}
			dst[j*h+i] = alpha * ((s0 + s1) + (s2 + s3))
		}
	}
}

// warp resamples img in place: the output pixel at column x, row y (0
// at the top left) is the input, bilinearly interpolated, at the point
// the inverse of the image's map sends (x, y) to. The forward map is:
// the zoom and the rotation about the image center, the translation, the
// flip, then the elastic distortion (the output pixel p shows the point
// p + (dx, dy)(p) of the flipped picture; nil for none). Pixels that come
// from outside the image are 0 in raw values.
func (a *Augmenter[T]) warp(wk *augWorker, img []T, p Params, dx, dy []float64) {
	H, W := a.H, a.W
	cx, cy := float64(W-1)/2, float64(H-1)/2
	// Inverse rotation by −angle (y grows downwards, so a positive
	// angle turns the picture counterclockwise as displayed) and zoom.
	th := p.Angle * math.Pi / 180
	cos, sin := math.Cos(th)/p.Zoom, math.Sin(th)/p.Zoom
	if p.Angle == 0 {
		cos, sin = 1/p.Zoom, 0
	}
	for y := range H {
		for x := range W {
			// The elastic step is the last of the forward map, so its
			// displacement is read at the output's own pixel.
			u, v := float64(x), float64(y)
			if dx != nil {
				u += dx[y*W+x]
				v += dy[y*W+x]
			}
			if p.Flip {
				u = float64(W-1) - u
			}
			u -= float64(p.DX) + cx
			v -= float64(p.DY) + cy
			wk.src[2*(y*W+x)] = cos*u - sin*v + cx
			wk.src[2*(y*W+x)+1] = sin*u + cos*v + cy
		}
	}
	D := H * W
	for c := range a.C {
		plane := img[c*D : (c+1)*D]
		raw := wk.raw[c*D : (c+1)*D]
		if a.uniform {
			for i, v := range plane {
				raw[i] = float64(v)
			}
		} else {
			for i, v := range plane {
				raw[i] = float64(v)/a.scale[c*D+i] + a.shift[c*D+i]
			}
		}
	}
	fill := 0.0
	if a.uniform {
		fill = a.fill
	}
	for c := range a.C {
		plane := img[c*D : (c+1)*D]
		raw := wk.raw[c*D : (c+1)*D]
		for i := range D {
			v := bilinear(raw, H, W, wk.src[2*i], wk.src[2*i+1], fill)
			if !a.uniform {
				v = (v - a.shift[c*D+i]) * a.scale[c*D+i]
			}
			plane[i] = T(v)
		}
	}
}

// bilinear is the h×w image f at the point (x, y), fill outside it. At
// a whole-pixel point it is that pixel exactly.
func bilinear(f []float64, h, w int, x, y, fill float64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	i, j := int(y0), int(x0)
	if fx == 0 && fy == 0 {
		if i < 0 || i >= h || j < 0 || j >= w {
			return fill
		}
		return f[i*w+j]
	}
	var v00, v01, v10, v11 float64
	if i >= 0 && i+1 < h && j >= 0 && j+1 < w {
		p := f[i*w+j : i*w+j+w+2]
		v00, v01, v10, v11 = p[0], p[1], p[w], p[w+1]
	} else {
		at := func(i, j int) float64 {
			if i < 0 || i >= h || j < 0 || j >= w {
				return fill
			}
			return f[i*w+j]
		}
		v00, v01, v10, v11 = at(i, j), at(i, j+1), at(i+1, j), at(i+1, j+1)
	}
	return (1-fy)*((1-fx)*v00+fx*v01) + fy*((1-fx)*v10+fx*v11)
}
