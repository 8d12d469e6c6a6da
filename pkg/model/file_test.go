package model_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// TestLoadRejectsBadModelFiles: each file is refused with one line naming
// it and what is wrong, before its claims are allocated.
func TestLoadRejectsBadModelFiles(t *testing.T) {
	spec := model.Spec{InputDim: 3, Hidden: []int{4}, Activations: []string{"relu"}, Classes: 2, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	norm := &data.Normalizer{Mode: "standardize", Shift: []float32{0, 1, 2}, Scale: []float32{1, 2, 3}}
	good := func() ([]stfile.Tensor, map[string]string) {
		meta, err := model.Metadata(spec, norm)
		if err != nil {
			t.Fatal(err)
		}
		var ts []stfile.Tensor
		for _, x := range model.Tensors(net, "") {
			x.F32 = append([]float32(nil), x.F32...)
			ts = append(ts, x)
		}
		return ts, meta
	}
	setNorm := func(meta map[string]string, n data.Normalizer) {
		b, _ := json.Marshal(n)
		meta[model.MetaNormalizer] = string(b)
	}
	huge := spec
	huge.Hidden = []int{100000, 100000}
	huge.Activations = []string{"relu", "relu"}
	hugeSpec, _ := json.Marshal(huge)
	for _, tc := range []struct {
		name   string
		change func(ts []stfile.Tensor, meta map[string]string) []stfile.Tensor
		want   string
	}{
		{"NaN weight", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			ts[0].F32[5] = float32(math.NaN())
			return ts
		}, `tensor "0.weight" element 5 (of shape [4 3]) is NaN`},
		{"infinite bias", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			ts[3].F32[1] = float32(math.Inf(-1))
			return ts
		}, `tensor "2.bias" element 1 (of shape [2]) is -Inf`},
		{"extra tensor", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			return append(ts, stfile.Tensor{Name: "4.weight", Shape: []int{1}, F32: []float32{1}})
		}, `tensor "4.weight" (shape [1]) is not part of the 3-4(relu)-2 softmax network`},
		{"missing tensor", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			return ts[1:]
		}, `missing tensor "0.weight"`},
		{"wrong shape", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			ts[0].Shape = []int{3, 4}
			return ts
		}, `tensor "0.weight" has shape [3 4]`},
		{"zero-scale normalizer", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			setNorm(m, data.Normalizer{Mode: "scale", Shift: []float32{0, 0, 0}, Scale: []float32{1, 0, 1}})
			return ts
		}, "scale[1] is 0"},
		{"unknown normalizer mode", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			setNorm(m, data.Normalizer{Mode: "whiten", Shift: []float32{0, 0, 0}, Scale: []float32{1, 1, 1}})
			return ts
		}, `mode "whiten" unknown`},
		{"NaN normalizer shift", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			m[model.MetaNormalizer] = `{"mode":"scale","shift":[0,0,1e999],"scale":[1,1,1]}`
			return ts
		}, model.MetaNormalizer},
		{"huge spec", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			m[model.MetaSpec] = string(hugeSpec)
			return ts
		}, `tensor "0.weight" has shape [4 3], the 3-100000(relu)-100000(relu)-2 softmax network its metadata describes needs [100000 3]`},
		{"too many layers", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			var s model.Spec
			json.Unmarshal([]byte(m[model.MetaSpec]), &s)
			for range 2000 {
				s.Hidden, s.Activations = append(s.Hidden, 1), append(s.Activations, "relu")
			}
			b, _ := json.Marshal(s)
			m[model.MetaSpec] = string(b)
			return ts
		}, "hidden: 2001 layers, at most 1000"},
		{"float64 beyond float32", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
			ts[1] = stfile.Tensor{Name: ts[1].Name, Shape: ts[1].Shape, F64: []float64{0, 1e300, 0, 0}}
			return ts
		}, `tensor "0.bias" element 1 is 1e+300, beyond the range of float32`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, meta := good()
			ts = tc.change(ts, meta)
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := stfile.Write(path, ts, meta); err != nil {
				t.Fatal(err)
			}
			_, _, err := model.Load[float32](path)
			if err == nil {
				t.Fatal("accepted")
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line naming %s and containing %q", msg, path, tc.want)
			}
		})
	}
	// The untouched file loads: the cases above fail for their change.
	ts, meta := good()
	path := filepath.Join(t.TempDir(), "good.safetensors")
	if err := stfile.Write(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	f, err := model.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Precision() != "float32" {
		t.Errorf("precision %q, want float32", f.Precision())
	}
	if _, _, err := model.LoadFile[float32](f); err != nil {
		t.Errorf("good file: %v", err)
	}
	// A float64 network saves as F64 and says so.
	net64, _ := model.New[float64](spec, rand.New(rand.NewPCG(1, 2)))
	p64 := filepath.Join(t.TempDir(), "m64.safetensors")
	if err := model.Save(p64, net64, nil); err != nil {
		t.Fatal(err)
	}
	if f, err := model.Open(p64); err != nil || f.Precision() != "float64" {
		t.Errorf("float64 file: precision %v, %v", f, err)
	}
}

// TestRandomCorruption writes 200 copies of a model file, each with one to
// four random bytes overwritten at random places (header or data), and
// loads them: every copy is refused or loads exactly the original
// weights; none is read as a different model.
func TestRandomCorruption(t *testing.T) {
	spec := model.Spec{InputDim: 2, Hidden: []int{16}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax", Init: "he"}
	net, _ := model.New[float32](spec, rand.New(rand.NewPCG(3, 4)))
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := model.Save(path, net, &data.Normalizer{Mode: "scale", Shift: []float32{0.5, -1}, Scale: []float32{2, 3}}); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := net.Flat()
	rng := rand.New(rand.NewPCG(5, 6))
	refused, same := 0, 0
	for k := range 200 {
		b := append([]byte(nil), orig...)
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		p := filepath.Join(dir, "c.safetensors")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, norm, err := model.Load[float32](p)
		if err != nil {
			refused++
			continue
		}
		flat, _ := got.Flat()
		if !slices.Equal(flat, want) || norm == nil || norm.Shift[0] != 0.5 || norm.Scale[1] != 3 {
			t.Fatalf("copy %d was accepted as a different model", k)
		}
		same++
	}
	t.Logf("200 corrupted copies: %d refused, %d unchanged (corruption in ignorable bytes)", refused, same)
}
