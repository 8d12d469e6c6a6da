package layers

// Buffer is non-learnable layer state that belongs in a model file, like
// PyTorch's registered buffers: batch normalization's running mean and
// variance. It has no gradient, is not in Params (so no optimizer updates
// it and no L2 term touches it) and is written by the layer itself. Data
// may be a view into one flat buffer owned by a network (see pkg/model).
type Buffer[T Float] struct {
	Name  string
	Shape []int
	Data  []T
}

// Stateful is implemented by layers with Buffers; Buffers lists them in
// state_dict order.
type Stateful[T Float] interface {
	Buffers() []*Buffer[T]
}
