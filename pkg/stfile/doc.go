// Package stfile reads and writes nnfc model files in the safetensors format
// (https://github.com/huggingface/safetensors), laid out like a PyTorch
// state_dict: one named tensor per parameter ("0.weight", "0.bias", ...)
// plus a string→string metadata map.
//
// A safetensors file is
//
//	8 bytes   little-endian uint64 N, the length of the header
//	N bytes   a JSON object, padded with spaces to a multiple of 8 bytes:
//	          {"__metadata__": {"key": "value", ...},
//	           "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
//	rest      the tensors' raw little-endian, row-major data; data_offsets
//	          are [begin, end) byte offsets into this part, and the tensors
//	          tile it exactly, without gaps or overlaps
//
// nnfc stores only F32 and F64 tensors. Write lays the tensors out in the
// order given; Read returns them in the order of their data in the file, so
// a file written by Write reads back in the same order. (The one exception:
// several zero-size tensors in a row have identical offsets, and come back
// sorted by name among themselves.)
//
// # Library use
//
// Reading goes through github.com/nlpodyssey/safetensors, which parses the
// header and checks that the offsets match shapes and dtypes and tile the
// data section; stfile adds a header-length guard before allocating (16 MiB,
// and the file size against the memory limit of package limits), clearer
// wording for some of the library's errors, the F32/F64 restriction, a
// UTF-8 check of the header, and a scan of the header's JSON tokens for
// duplicate tensor names and metadata keys (JSON decoders, the library's
// included, keep the last of two silently).
//
// # Integrity
//
// Write adds the metadata entry "nnfc.sha256" (MetaSHA256): the SHA-256 of
// the tensor table (names, dtypes, shapes, sorted by name), the other
// metadata (sorted by key) and the data section, each string
// length-prefixed. Read verifies it when present and leaves it out of the
// metadata it returns, so a bit flip anywhere in a file is an error; files
// without it (written before it existed, or by other tools) are read
// unverified. A metadata key one byte off "nnfc.sha256" is reported as
// corruption, since a flip in the key would otherwise skip the check.
//
// Writing does not use the library's Serialize: it takes a map and always
// sorts tensors by dtype alignment, then name, so it cannot keep the layer
// order of a state_dict. The writer here is the format above in a few lines;
// every file it produces is read back through the library in the tests.
//
// Files are written atomically (see package atomicfile): a crash or error
// during Write never leaves a truncated model at the target path.
package stfile
