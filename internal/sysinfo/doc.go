// Package sysinfo says what software and hardware a result came from: the
// nnfc version and VCS commit, the Go toolchain, the BLAS backend and the
// kernel set it picked, the element-wise kernels, and the CPU model. nnfc
// version prints it and every run records it in results.json, because the
// same seed gives the same weights only with the same BLAS kernels.
//
// The version and commit come from, in order: the values the Makefile
// stamps with -ldflags "-X ...Version=... -X ...Commit=..." (from git
// describe), Go's build info (the module version and the vcs.revision
// setting that go build records from a git checkout), and else "devel" and
// "unknown". CI builds with -buildvcs=false, where only the first source
// exists.
package sysinfo
