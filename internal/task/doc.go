// Package task is nnfc's table of tasks: what differs between model kinds
// (model.kind) above the network. A task is one type in one file
// (classifier.go, autoencoder.go), listed once in All; nothing else in
// nnfc asks which kind a model is:
//
//   - config (internal/config) asks the task for its defaults and for the
//     model keys that do not fit it (Defaults, Check, Omit);
//   - training (internal/train) builds the network spec through it
//     (Spec, CheckData), measures its metrics with its Meter, and prints
//     its epoch line;
//   - the commands show what it says (Show): the summary of nnfc train,
//     the run list, nnfc eval's figures, and whether predict and the
//     report apply.
//
// The network side of a kind (its layers, loss and target, model-file
// tensors and version) is pkg/model's Kind, one file there too.
//
// # Adding a task
//
// The outputs issue adds regression, binary and multilabel: each is one
// file here with a type that implements Task, one line in All, and, when
// its network differs from the classifier's (a linear or sigmoid output,
// its own loss), one Kind file in pkg/model. Its target is its own: the
// data set carries, beside today's class index per row (Dataset.Y,
// []int32, gathered without allocation), a float matrix per row
// (regression's values, multi-label's 0/1 columns) that Gather copies into
// the batch's target matrix the same way; the kind's loss reads the
// target it owns, so the classifier's path stays exactly as fast. Its
// Meter then takes the output rows (not only their arg-max) for RMSE,
// R² or per-label F1, and its Show methods print those.
package task
