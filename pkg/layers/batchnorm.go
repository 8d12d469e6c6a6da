package layers

import (
	"fmt"
	"math"
)

// PyTorch's BatchNorm1d defaults, which BatchNorm follows.
const (
	BatchNormEps      = 1e-5 // added to the variance before the square root
	BatchNormMomentum = 0.1  // weight of the new batch in the running averages
)

// BatchNorm is batch normalization for fully connected layers, per
// feature over the batch: PyTorch's nn.BatchNorm1d(D) on an (N, D) input,
// with the same parameter and buffer names, initial values and update
// rules, so its state loads into PyTorch with load_state_dict.
//
// In training mode a feature is normalized with the batch mean and the
// biased batch variance, x̂ = (x − μ)/√(σ² + eps), then out = γ·x̂ + β,
// and the running averages move towards the batch statistics:
//
//	running_mean = (1 − momentum)·running_mean + momentum·μ
//	running_var  = (1 − momentum)·running_var  + momentum·σ²·N/(N−1)
//
// (the running variance uses the unbiased batch variance, as PyTorch's
// does). In evaluation mode the running averages take the place of μ and
// σ², and nothing is updated. A new BatchNorm is in training mode.
//
// γ and β are Params (Decay false: the course's L2 term is over the
// affine weights only); the running averages are Buffers, which a model
// file stores and no optimizer touches. PyTorch's third buffer,
// num_batches_tracked (an int64 counter used only when momentum is None),
// is not kept: model files hold F32/F64 tensors only, and PyTorch's
// load_state_dict fills in the missing counter itself for a state dict
// without version metadata, such as one read by safetensors.torch.load_file.
type BatchNorm[T Float] struct {
	D             int
	Eps, Momentum float64
	Gamma, Beta   *Param[T] // prefix+"weight" [D], init 1; prefix+"bias" [D], init 0
	// RunningMean (init 0) and RunningVar (init 1) are prefix+"running_mean"
	// and prefix+"running_var", both [D].
	RunningMean, RunningVar *Buffer[T]

	training     bool
	batchStats   bool       // cache: whether the last Forward used batch statistics
	mean, invstd []T        // cache: per feature, the μ and 1/√(σ²+eps) the last Forward used
	xhat         *Matrix[T] // cache: the normalized input
	sdout, sdxh  []T        // backward scratch: Σ_i dout, Σ_i dout⊙x̂ per feature
	k            []T        // backward scratch: γ·invstd per feature
	out, dx      *Matrix[T]
}

// NewBatchNorm returns batch normalization over d features in training
// mode, with γ = 1, β = 0, running mean 0 and running variance 1, eps
// BatchNormEps and momentum BatchNormMomentum. Parameters and buffers are
// named prefix+"weight", "bias", "running_mean", "running_var".
func NewBatchNorm[T Float](prefix string, d int) *BatchNorm[T] {
	if d <= 0 {
		panic(fmt.Sprintf("layers: NewBatchNorm with d=%d", d))
	}
	l := &BatchNorm[T]{
		D: d, Eps: BatchNormEps, Momentum: BatchNormMomentum,
		Gamma:       NewParam[T](prefix+"weight", false, d),
		Beta:        NewParam[T](prefix+"bias", false, d),
		RunningMean: &Buffer[T]{Name: prefix + "running_mean", Shape: []int{d}, Data: make([]T, d)},
		RunningVar:  &Buffer[T]{Name: prefix + "running_var", Shape: []int{d}, Data: make([]T, d)},
		training:    true,
		mean:        make([]T, d), invstd: make([]T, d),
		sdout: make([]T, d), sdxh: make([]T, d), k: make([]T, d),
	}
	for j := range d {
		l.Gamma.Data[j] = 1
		l.RunningVar.Data[j] = 1
	}
	return l
}

// SetTraining switches between batch statistics (training) and running
// statistics (evaluation).
func (l *BatchNorm[T]) SetTraining(training bool) { l.training = training }

// Training reports the mode.
func (l *BatchNorm[T]) Training() bool { return l.training }

// Forward: x is (N, D), γ, β, the running averages and the statistics are
// (D); out is (N, D). Training mode needs N ≥ 2 (an unbiased variance of
// one sample does not exist; PyTorch refuses such a batch too).
func (l *BatchNorm[T]) Forward(x *Matrix[T]) *Matrix[T] {
	if x.Cols != l.D {
		panic(fmt.Sprintf("layers: batchnorm %s expects %d input columns, got %d", l.Gamma.Name, l.D, x.Cols))
	}
	n := x.Rows
	mean, invstd := l.mean, l.invstd
	l.batchStats = l.training
	if l.training {
		if n < 2 {
			panic(fmt.Sprintf("layers: batchnorm %s in training mode needs a batch of at least 2 rows, got %d", l.Gamma.Name, n))
		}
		// μ_j = (1/N) Σ_i x_ij
		clear(mean)
		for i := range n {
			for j, v := range x.Row(i) {
				mean[j] += v
			}
		}
		for j := range mean {
			mean[j] /= T(n)
		}
		// σ²_j = (1/N) Σ_i (x_ij − μ_j)², in a second pass (no cancellation);
		// invstd holds the sums of squares until the last loop.
		clear(invstd)
		for i := range n {
			for j, v := range x.Row(i) {
				d := v - mean[j]
				invstd[j] += d * d
			}
		}
		m := T(l.Momentum)
		rm, rv := l.RunningMean.Data, l.RunningVar.Data
		for j, ss := range invstd {
			v := ss / T(n)
			rm[j] = (1-m)*rm[j] + m*mean[j]
			rv[j] = (1-m)*rv[j] + m*(ss/T(n-1))
			invstd[j] = T(1 / math.Sqrt(float64(v)+l.Eps))
		}
	} else {
		copy(mean, l.RunningMean.Data)
		l.evalInvstd(invstd, 0)
	}
	// x̂ = (x − μ)·invstd, out = γ·x̂ + β
	l.xhat = ensure(l.xhat, n, l.D)
	l.out = ensure(l.out, n, l.D)
	g, b := l.Gamma.Data, l.Beta.Data
	for i := range n {
		xr, hr, or := x.Row(i), l.xhat.Row(i), l.out.Row(i)
		for j, v := range xr {
			h := (v - mean[j]) * invstd[j]
			hr[j] = h
			or[j] = g[j]*h + b[j]
		}
	}
	return l.out
}

// InferInPlace is Forward in evaluation mode written over x, keeping
// nothing: out = γ·(x − running mean)·invstd + β, invstd = 1/√(running
// var + eps), the same operations as Forward's.
func (l *BatchNorm[T]) InferInPlace(x *Matrix[T]) {
	if x.Cols != l.D {
		panic(fmt.Sprintf("layers: batchnorm %s expects %d input columns, got %d", l.Gamma.Name, l.D, x.Cols))
	}
	// invstd a strip of columns at a time, on the stack: not l.invstd
	// (Net.Infer may run row blocks at once) and no allocation per call.
	var buf [64]T
	for lo := 0; lo < l.D; lo += len(buf) {
		hi := min(lo+len(buf), l.D)
		invstd := buf[:hi-lo]
		l.evalInvstd(invstd, lo)
		mean, g, b := l.RunningMean.Data[lo:hi], l.Gamma.Data[lo:hi], l.Beta.Data[lo:hi]
		for i := range x.Rows {
			xr := x.Row(i)[lo:hi]
			for j, v := range xr {
				h := (v - mean[j]) * invstd[j]
				xr[j] = g[j]*h + b[j]
			}
		}
	}
}

// evalInvstd writes 1/√(running var + eps) of columns [lo, lo+len(dst))
// into dst: evaluation mode's invstd.
func (l *BatchNorm[T]) evalInvstd(dst []T, lo int) {
	for j, v := range l.RunningVar.Data[lo : lo+len(dst)] {
		dst[j] = T(1 / math.Sqrt(float64(v)+l.Eps))
	}
}

// Backward: forward was out = γ·x̂ + β, so dβ += Σ_i dout and
// dγ += Σ_i dout⊙x̂. In training x̂ = (x − μ)·invstd, where μ and
// invstd = 1/√(σ²+eps) depend on the whole batch; differentiating through
// both gives the compact form of cs231n's batchnorm_backward_alt,
//
//	dx = (1/N)·γ·invstd·(N·dout − Σ_i dout − x̂·Σ_i dout⊙x̂),
//
// computed as γ·invstd·(dout − mean_i dout − x̂·mean_i dout⊙x̂). In
// evaluation μ and invstd are the running constants, so dx = γ·invstd·dout.
func (l *BatchNorm[T]) Backward(dout *Matrix[T]) *Matrix[T] {
	checkSame("batchnorm", l.out, dout)
	n := dout.Rows
	sdout, sdxh := l.sdout, l.sdxh
	clear(sdout)
	clear(sdxh)
	for i := range n {
		hr := l.xhat.Row(i)
		for j, g := range dout.Row(i) {
			sdout[j] += g
			sdxh[j] += g * hr[j]
		}
	}
	dg, db := l.Gamma.Grad, l.Beta.Grad
	for j := range sdout {
		dg[j] += sdxh[j]
		db[j] += sdout[j]
		l.k[j] = l.Gamma.Data[j] * l.invstd[j]
	}
	l.dx = ensure(l.dx, n, l.D)
	if !l.batchStats {
		for i := range n {
			gr, dr := dout.Row(i), l.dx.Row(i)
			for j, g := range gr {
				dr[j] = l.k[j] * g
			}
		}
		return l.dx
	}
	for j := range sdout {
		sdout[j] /= T(n)
		sdxh[j] /= T(n)
	}
	for i := range n {
		gr, hr, dr := dout.Row(i), l.xhat.Row(i), l.dx.Row(i)
		for j, g := range gr {
			dr[j] = l.k[j] * (g - sdout[j] - hr[j]*sdxh[j])
		}
	}
	return l.dx
}

// Params returns γ and β (PyTorch's weight and bias).
func (l *BatchNorm[T]) Params() []*Param[T] { return []*Param[T]{l.Gamma, l.Beta} }

// Buffers returns the running mean and variance.
func (l *BatchNorm[T]) Buffers() []*Buffer[T] {
	return []*Buffer[T]{l.RunningMean, l.RunningVar}
}
