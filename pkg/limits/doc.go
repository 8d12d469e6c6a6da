// Package limits is nnfc's resource check: before allocating anything
// whose size a file, a config or a flag controls (a network, a data set, a
// model file, a batch), a reader or trainer asks Check whether that many
// bytes fit under the memory limit, and refuses with one line naming what
// asked, how much and the limit, instead of crashing with Go's
// out-of-memory trace.
//
// The limit is the memory available when the process starts (MemAvailable
// in /proc/meminfo on Linux; no limit where that is unknown), or the value
// of nnfc's global --max-memory flag (SetMax). Estimates are for the large
// buffers only; the check is a guard against absurd sizes, not an exact
// accounting.
//
// Sizes are also capped where no allocation is involved yet but parsing
// cost grows with them: configs (MaxConfigBytes, MaxConfigDepth) and
// model-file headers (see package stfile).
package limits
