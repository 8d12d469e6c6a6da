// Package atomicfile replaces a file so that readers, and the file system
// after a crash, see either the complete old contents or the complete new
// contents, never a mixture or a truncated file.
//
// Write streams the new contents into a temporary file in the same directory
// as the target (a rename is only atomic within one file system), flushes it
// to stable storage with fsync, renames it over the target, and finally
// fsyncs the directory so the rename itself survives a crash:
//
//	err := atomicfile.Write("model.safetensors", 0o644, func(w io.Writer) error {
//		_, err := w.Write(data)
//		return err
//	})
//
// If anything fails before the rename (the callback returns an error, a
// write is short, fsync fails, the callback panics) the temporary file is
// removed and an existing file at the target path is left untouched.
//
// Caveats: perm is applied with chmod, so the process umask does not narrow
// it (unlike os.WriteFile); a symbolic link at the target path is replaced by
// the new file rather than followed; and if the final directory fsync fails
// the new contents are already in place, the error only says that the rename
// may not be durable yet.
package atomicfile
