package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzImport feeds Import arbitrary bytes, seeded with the PyTorch-exported
// MLPs of testdata/onnx. It must never panic; an error is one line; an
// accepted model is a valid nnfc classifier whose layers match its spec.
// Search with
//
//	go test -run '^$' -fuzz '^FuzzImport$' -fuzztime 2m ./internal/onnx/
func FuzzImport(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "onnx", "*.onnx"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		imp, err := Import(b)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		if err := imp.Spec.Validate(); err != nil {
			t.Fatalf("accepted an invalid spec %s: %v", imp.Spec, err)
		}
		dims := imp.Spec.Dims()
		if len(imp.W) != len(dims)-1 {
			t.Fatalf("%d weight matrices for dims %v", len(imp.W), dims)
		}
		for i := range imp.W {
			if len(imp.W[i]) != dims[i]*dims[i+1] || len(imp.B[i]) != dims[i+1] {
				t.Fatalf("layer %d: W %d, b %d values for %d→%d", i, len(imp.W[i]), len(imp.B[i]), dims[i], dims[i+1])
			}
		}
	})
}
