package model_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/limits"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// FuzzLoad feeds model.Load arbitrary files. It must never panic or hang;
// an error is one line naming the file; an accepted file has only finite
// values and survives a Save/Load round trip unchanged. The seeds include
// files without the checksum (as older nnfc wrote them), so that the
// search reaches the checks behind it. Search with
//
//	go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 2m ./pkg/model/
func FuzzLoad(f *testing.F) {
	limits.SetMax(64 << 20)
	f.Cleanup(func() { limits.SetMax(0) })
	dir := f.TempDir()
	for i, spec := range []model.Spec{
		{InputDim: 3, Hidden: []int{4}, Activations: []string{"relu"}, Classes: 2, Loss: "softmax", Init: "he"},
		{InputDim: 2, Hidden: []int{3, 2}, Activations: []string{"tanh", "swish"}, Classes: 3, Loss: "svm", Init: "he", BatchNorm: true, Dropout: 0.1},
	} {
		net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, uint64(i))))
		if err != nil {
			f.Fatal(err)
		}
		norm := &data.Normalizer{Mode: "standardize", Shift: make([]float32, spec.InputDim), Scale: make([]float32, spec.InputDim)}
		for j := range norm.Scale {
			norm.Scale[j] = 0.5
		}
		p := filepath.Join(dir, "m.safetensors")
		if err := model.Save(p, net, norm); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(withoutChecksum(f, b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "m.safetensors")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		stop := watchdog(10*time.Second, b)
		net, norm, err := model.Load[float32](p)
		stop()
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, p) {
				t.Fatalf("error %q is not one line naming %s", msg, p)
			}
			return
		}
		flat, _ := net.Flat()
		for i, v := range flat {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("accepted a non-finite parameter at %d", i)
			}
		}
		if norm != nil {
			if err := norm.Validate(); err != nil {
				t.Fatalf("accepted a bad normalizer: %v", err)
			}
		}
		p2 := filepath.Join(t.TempDir(), "again.safetensors")
		if err := model.Save(p2, net, norm); err != nil {
			t.Fatalf("saving what Load accepted: %v", err)
		}
		net2, _, err := model.Load[float32](p2)
		if err != nil {
			t.Fatalf("reloading what Load accepted: %v", err)
		}
		flat2, _ := net2.Flat()
		for i := range flat {
			if math.Float32bits(flat[i]) != math.Float32bits(flat2[i]) {
				t.Fatalf("round trip changed parameter %d", i)
			}
		}
	})
}

// withoutChecksum rewrites a model file without its nnfc.sha256 entry.
func withoutChecksum(f *testing.F, b []byte) []byte {
	n := binary.LittleEndian.Uint64(b)
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &h); err != nil {
		f.Fatal(err)
	}
	var meta map[string]string
	if err := json.Unmarshal(h["__metadata__"], &meta); err != nil {
		f.Fatal(err)
	}
	delete(meta, stfile.MetaSHA256)
	h["__metadata__"], _ = json.Marshal(meta)
	header, _ := json.Marshal(h)
	for len(header)%8 != 0 {
		header = append(header, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), b[8+n:]...)
}
