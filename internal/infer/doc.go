// Package infer runs a trained model: one way to run a model, whatever
// the front door (nnfc eval, nnfc predict, nnfc embed today; a server and
// an exporter next).
//
// Open reads a model file with its metadata (the network's spec, the
// normalizer fitted on the training data, the precision it was saved in)
// and builds the network in the precision asked for:
//
//	m, err := infer.Open("runs/spiral-7/model.safetensors", "")
//	if err != nil { ... }
//	defer m.Close()
//
// Prepare checks that a data set fits the model (input width, label range)
// and normalizes it in place with the model's statistics; the data sets of
// Evaluate and Predict must have been prepared:
//
//	ds, _ := source.ReadInput("points.csv", source.InputOptions{Dim: m.Spec.InputDim})
//	if err := m.Prepare(ds, false); err != nil { ... }
//	err = m.Predict(ds, 1000, func(row int, p infer.Prediction) error { ... })
//
// Evaluate returns the loss, accuracy, per-class accuracy and confusion
// matrix of labelled data; Predict calls back once per row, in order, with
// the task's outputs (a classifier's class and softmax probabilities);
// WriteCSV writes them as nnfc predict prints them.
//
// Errors name the model file (not a command-line flag: the caller knows
// which flag or argument named it) and wrap os.ErrNotExist for a missing
// file, so a command can say which of its flags was wrong.
package infer
