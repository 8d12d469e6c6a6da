// Package source is nnfc's table of data sources: the values of
// data.source. Each source is one type in one file of this package,
// listed once in All, and every place that needs to know about sources
// asks the table instead of switching on a name:
//
//   - config validation (config.Load) calls Check for the data section,
//     which checks the keys common to all sources and then asks the
//     chosen source for its own (Source.Check);
//   - training (internal/train) calls Read, which reads the raw training
//     and test splits through the source and checks that they agree;
//     before reading, Known gives the input width and classes a source is
//     known to have (for the memory check), and DescribeClasses says
//     where the number of classes came from;
//   - the report asks ClassNames for the labels of the classes;
//   - `nnfc eval --data PATH` calls ReadPath, which gives the file or
//     directory to the first source that claims it (PathReader);
//   - `nnfc predict --input FILE` calls ReadInput, which gives the file to
//     the first source that recognizes its leading bytes (InputReader).
//
// # Adding a source
//
// Write one file here with a type that implements Source (and PathReader
// or InputReader when `--data` or `predict` should read its files), add a
// value of it to All, and add its keys (if it has new ones) to Config;
// the file's tests beside it. Nothing else in nnfc names a source.
//
// A source whose reading fits preprocessing on the training split (a CSV
// with a schema: column types, category vocabularies, imputation values)
// returns it from Read as Splits.Fitted. Training stores it, encoded by
// EncodeFitted with the source's name, in the normalizer
// (data.Normalizer.Source), which travels into the model file, the
// checkpoint and fine-tuned runs. Eval and predict pass it back in
// PathOptions.Fitted and InputOptions.Fitted: the source's Refit decodes
// it, and the decoded value reads raw rows (FittedReader) exactly as
// training did. A source without preprocessing leaves Splits.Fitted nil
// and nothing is stored.
package source
