package layers

// Layer is one stage of a network; see the package documentation for the
// contract of Forward and Backward.
type Layer[T Float] interface {
	Forward(x *Matrix[T]) *Matrix[T]
	Backward(dout *Matrix[T]) *Matrix[T]
	Params() []*Param[T]
}

// Trainer is implemented by layers that behave differently in training and
// in evaluation (dropout, batch normalization).
type Trainer interface {
	SetTraining(training bool)
}

// InPlace is implemented by element-wise layers with an inference forward
// pass (pkg/model's Net.Infer): InferInPlace overwrites x with the layer's
// output in evaluation mode and keeps nothing for Backward, with the same
// bits as Forward's output in evaluation mode.
type InPlace[T Float] interface {
	InferInPlace(x *Matrix[T])
}
