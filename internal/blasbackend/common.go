package blasbackend

import (
	"fmt"
	"runtime"
	"strings"
)

// The backends Select accepts (the values of nnfc's --blas flag).
const (
	OneDNNName   = "onednn"   // float32 GEMM: oneDNN's dnnl_sgemm; the rest: OpenBLAS (cgo build)
	OpenBLASName = "openblas" // everything: OpenBLAS (cgo build)
	GonumName    = "gonum"    // gonum's pure-Go kernels (both builds)
)

const pureName = "gonum (pure Go)"

// selected is the backend Init registers; Select changes it.
var selected = DefaultBackend

// Select chooses the backend the next Init registers: one of Backends(),
// or "" for DefaultBackend. An unknown name, or one this build lacks, is
// an error naming the choices, and changes nothing.
func Select(name string) error {
	if name == "" {
		name = DefaultBackend
	}
	for _, b := range Backends() {
		if b == name {
			selected = name
			return nil
		}
	}
	return fmt.Errorf("unknown BLAS backend %q: this build has %s", name, strings.Join(Backends(), ", "))
}

// Selected returns the backend the next Init registers.
func Selected() string { return selected }

func goThreads() int { return runtime.GOMAXPROCS(0) }

func describePure() string {
	return fmt.Sprintf("%s, %s (GOMAXPROCS)", pureName, plural(goThreads(), "thread"))
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
