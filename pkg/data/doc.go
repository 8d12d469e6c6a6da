// Package data loads labelled datasets, splits and normalizes them, and
// gathers minibatches for training fully connected networks.
//
// # Datasets
//
// A Dataset holds N samples of D features in one contiguous float32 buffer,
// row-major, and N integer labels in [0, Classes):
//
//	sample i is d.X[i*D:(i+1)*D] == d.Row(i), its label d.Y[i]
//
// Every reader returns a Dataset that passes Validate: the sizes agree, the
// labels are in range and every feature is finite.
//
// # Readers
//
// Each reader validates what it reads (magic numbers, header sizes, row
// lengths, label ranges, finite values) and reports the first problem with
// the file name, the position and what was expected:
//
//	data/x.csv:12: row has 5 columns, expected 785
//	t10k-images-idx3-ubyte.gz: header claims 10000 images of 28x28 (7840000 bytes after the 16-byte header) but the decompressed file holds 1200
//
// A header that claims more data than the file holds is an error found
// before any large allocation: plain files are compared with their size on
// disk, and compressed streams are read through a limit into a growing
// buffer, so memory is bounded by the data actually present.
//
//	ReadIDX        MNIST-style IDX image and label files, plain or gzipped
//	               (detected from the gzip magic bytes, not the name)
//	LoadMNIST      the train or test split of MNIST from a directory
//	ReadCIFAR10    CIFAR-10 binary batches, 3073-byte records
//	ReadCSV        a label column and numeric feature columns
//	ReadTable      a table with named, typed columns (see Tables)
//	ReadNPY        a features .npy and a labels .npy (via npyio)
//	ReadNPZ        both arrays from one .npz archive (via npyio)
//	Spiral         the cs231n spiral toy problem, generated from a seed
//
// Image readers return raw pixel values 0..255; scaling is the job of a
// Normalizer, so that it is recorded with the model.
//
// Formats in detail:
//
//   - IDX: a big-endian header, magic 0x00000803 then N, rows, cols for
//     images, magic 0x00000801 then N for labels, followed by unsigned
//     bytes. D = rows*cols. ReadIDX sets Classes to the largest label plus
//     one; LoadMNIST fixes it to 10 and rejects larger labels.
//   - CIFAR-10: each record is 1 label byte and 3072 pixel bytes, the red,
//     green and blue 32×32 planes one after the other; a sample keeps that
//     plane order. D = 3072, Classes = 10.
//   - CSV: one row per sample; CSVOptions chooses the label column (first,
//     last or by index), whether the first row is a header ("auto" detects
//     a non-numeric field) and the number of classes. Labels are
//     non-negative integers, features finite float32 numbers.
//   - NPY/NPZ: features are a float32, float64 or (unsigned) integer array
//     of shape (N, D), or (N, d1, d2, ...) flattened to D = d1·d2·…;
//     labels an integer array of shape (N,). Fortran-order arrays are
//     reordered to rows. Float labels are rejected rather than truncated.
//
// # Tables
//
// A table is a CSV (or semicolon- or tab-separated) file with a header of
// column names, mixed column types, missing cells and a target column of
// class names or numbers. It goes through three steps, each its own file:
//
//	ReadTable    table.go     RFC 4180 via encoding/csv into raw columns
//	                          (numbers, or strings with a dictionary);
//	                          delimiter detected; NA cells (blank, NA, NaN,
//	                          null, ?) missing; a 64 MiB line guard
//	FitSchema    schema.go    on the training rows only: each input's type
//	                          (numeric, categorical, binary, ignore; inferred
//	                          or set), imputation, standardization, one-hot
//	                          vocabulary with <missing> and <other>
//	Encode       encode.go    raw rows to float32 inputs with a fitted
//	                          Schema, the same at training, eval and predict
//
// LoadTable (tablesource.go) runs them for a training run: labels from the
// target (rows without one dropped), a random or stratified validation
// split, the fit, the encoded splits. The Schema is plain JSON-able data,
// stored in the model file, so that eval and predict take the same raw
// files. Errors are one line naming the file and line, or the data.* key
// and the column.
//
// # Splitting and shuffling
//
// Every random draw comes from an explicit *rand.Rand of math/rand/v2,
// never from a global source, so a run is reproduced by its seeds:
//
//	n, err := data.ValCount(train.N, cfg.ValCount, cfg.ValFraction)
//	rng := rand.New(rand.NewPCG(seed, 0))
//	train, val := full.Split(n, rng)
//
// Shuffle is a plain Fisher–Yates pass over a permutation that draws
// len(perm)-1 numbers with rng.IntN.
//
// # Normalization
//
// A Normalizer is fitted on the training split only and then applied to
// every split; it is a JSON-friendly struct stored with the model. All
// modes reduce to one per-feature affine map x' = (x - Shift[j]) * Scale[j]:
//
//	none                x' = x
//	scale               x' = (x - min) / (max - min), min and max over all features
//	standardize         x' = (x - mean_j) / std_j, per feature j
//	standardize_global  x' = (x - mean) / std, over all features
//
// std is the population standard deviation. A constant feature (or
// constant data, for the global modes) gets Scale 1: it is shifted to 0 and
// never divided by zero.
//
// # Minibatches
//
// Gather copies rows chosen by index into caller-owned buffers of float32
// or float64 without allocating, so one pair of buffers serves a whole run:
//
//	x := make([]float64, batch*train.D)
//	y := make([]int32, batch)
//	for start := 0; start+batch <= train.N; start += batch {
//		data.Gather(train, perm[start:start+batch], x, y)
//		...
//	}
//
// # Augmentation
//
// An Augmenter warps the images of a training minibatch in place
// (data.augment): a random whole-pixel translation, rotation and zoom
// about the center, a left–right flip and Simard et al.'s elastic
// distortion, composed into one map per image and applied by one
// bilinear resample (0 outside the picture, in raw pixel values, however
// the data are normalized). Image k of a minibatch draws from a generator
// seeded by (seed, epoch, step, k) only, so a resumed run draws what the
// uninterrupted run drew; the images are split over worker goroutines
// started once, and Apply allocates nothing. SciPy's gaussian_filter and
// map_coordinates agree with the field and the warp
// (scripts/scipy-augment-oracle.py).
//
// # Errors and panics
//
// Readers and FitNormalizer return errors for anything that depends on
// files or user input. Row, Subset, Split, Gather and Spiral panic, with a
// "data: " prefix, on arguments the caller could have checked (an index
// out of range, buffers of the wrong size): those are programmer errors.
//
// # Fixtures
//
// The binary test fixtures in testdata/data are written by
// internal/gendata (go generate ./pkg/data); their values follow closed
// formulas documented there, which the tests check.
package data
