package vec

// The optimizer update rules of pkg/optim, one parameter tensor per call:
// w is the parameter, dw its gradient, the other slices the rule's state,
// each with len(w) elements or more (the functions panic before any work
// otherwise); none of them may overlap another. The scalars are the rule's
// per-step constants, computed by the caller. Each element is computed in
// the slices' type, each operation rounded in the order written (products
// are never fused into an FMA), with the correctly rounded square root;
// the C kernels give the Go reference's bits (two NaNs count as equal).

// Momentum32 is heavy-ball momentum: v = mu·v − lr·dw, then w = w + v.
func Momentum32(w, dw, v []float32, mu, lr float32) {
	checkSame("Momentum32", len(w), len(dw))
	checkSame("Momentum32", len(w), len(v))
	momentum32(w, dw, v, mu, lr)
}

// Momentum64 is Momentum32 for float64.
func Momentum64(w, dw, v []float64, mu, lr float64) {
	checkSame("Momentum64", len(w), len(dw))
	checkSame("Momentum64", len(w), len(v))
	momentum64(w, dw, v, mu, lr)
}

// Nesterov32 is Nesterov momentum in cs231n's form, with mu1 = 1+mu:
// p = v, v = mu·p − lr·dw, then w = w + ((−mu)·p + mu1·v).
func Nesterov32(w, dw, v []float32, mu, mu1, lr float32) {
	checkSame("Nesterov32", len(w), len(dw))
	checkSame("Nesterov32", len(w), len(v))
	nesterov32(w, dw, v, mu, mu1, lr)
}

// Nesterov64 is Nesterov32 for float64.
func Nesterov64(w, dw, v []float64, mu, mu1, lr float64) {
	checkSame("Nesterov64", len(w), len(dw))
	checkSame("Nesterov64", len(w), len(v))
	nesterov64(w, dw, v, mu, mu1, lr)
}

// RMSProp32 is RMSProp, with decay1 = 1−decay: for g = dw,
// cache = cache + decay1·(g·g − cache) as two FMAs (fma(decay1,
// fma(g, g, −cache), cache), PyTorch's form of decay·cache + decay1·g²),
// then w = w − (lr·g)/(√cache + eps). decay is no longer used.
func RMSProp32(w, dw, cache []float32, decay, decay1, eps, lr float32) {
	checkSame("RMSProp32", len(w), len(dw))
	checkSame("RMSProp32", len(w), len(cache))
	rmsProp32(w, dw, cache, decay, decay1, eps, lr)
}

// RMSProp64 is RMSProp32 for float64.
func RMSProp64(w, dw, cache []float64, decay, decay1, eps, lr float64) {
	checkSame("RMSProp64", len(w), len(dw))
	checkSame("RMSProp64", len(w), len(cache))
	rmsProp64(w, dw, cache, decay, decay1, eps, lr)
}

// Adam32 is Adam with the bias corrections hoisted into a = lr/(1−β1ᵗ) and
// s = (1−β2ᵗ)^(−½), c1 = 1−b1 and c2 = 1−b2: for g = dw,
// m = b1·m + c1·g, v = b2·v + (c2·g)·g, then w = w − (a·m)/(√v·s + eps).
func Adam32(w, dw, m, v []float32, b1, c1, b2, c2, a, s, eps float32) {
	checkSame("Adam32", len(w), len(dw))
	checkSame("Adam32", len(w), len(m))
	checkSame("Adam32", len(w), len(v))
	adam32(w, dw, m, v, b1, c1, b2, c2, a, s, eps)
}

// Adam64 is Adam32 for float64.
func Adam64(w, dw, m, v []float64, b1, c1, b2, c2, a, s, eps float64) {
	checkSame("Adam64", len(w), len(dw))
	checkSame("Adam64", len(w), len(m))
	checkSame("Adam64", len(w), len(v))
	adam64(w, dw, m, v, b1, c1, b2, c2, a, s, eps)
}

// AdamW32 is Adam32 with decoupled weight decay wd (lr times the decay
// rate), applied to w from before the step: with x = (a·m)/(√v·s + eps),
// w = (w − x) − wd·w. With wd = 0 this is not always Adam32's w − x: the
// extra − 0·w turns a w of ±Inf into NaN, and w − x = −0 into +0.
func AdamW32(w, dw, m, v []float32, b1, c1, b2, c2, a, s, eps, wd float32) {
	checkSame("AdamW32", len(w), len(dw))
	checkSame("AdamW32", len(w), len(m))
	checkSame("AdamW32", len(w), len(v))
	adamW32(w, dw, m, v, b1, c1, b2, c2, a, s, eps, wd)
}

// AdamW64 is AdamW32 for float64.
func AdamW64(w, dw, m, v []float64, b1, c1, b2, c2, a, s, eps, wd float64) {
	checkSame("AdamW64", len(w), len(dw))
	checkSame("AdamW64", len(w), len(m))
	checkSame("AdamW64", len(w), len(v))
	adamW64(w, dw, m, v, b1, c1, b2, c2, a, s, eps, wd)
}
