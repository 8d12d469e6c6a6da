package serve

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/pkg/model"
)

// BenchmarkDecode measures the request decoders on a 1,000-row MNIST-sized
// request (784 features, pixel values 0..255 as MNIST's files hold them):
// OIP V2 binary, OIP V2 JSON, V1 JSON. Reports MB/s of request body and
// allocations (the rows of a JSON request go to a kept buffer, released
// after each decode as the server releases it after the forward pass).
func BenchmarkDecode(b *testing.B) {
	const n, d = 1000, 784
	spec := model.Spec{InputDim: d, Hidden: []int{8}, Activations: []string{"relu"}, Classes: 10, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "m.safetensors")
	if err := model.Save(path, net, nil); err != nil {
		b.Fatal(err)
	}
	m, err := LoadModel(ModelRef{Name: "m", Path: path}, "")
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(r.IntN(256))
	}
	var raw []byte
	for _, v := range x {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	head := fmt.Sprintf(`{"inputs":[{"name":"input","shape":[%d,%d],"datatype":"FP32","parameters":{"binary_data_size":%d}}]}`, n, d, len(raw))
	var rows strings.Builder
	for i := range n {
		if i > 0 {
			rows.WriteByte(',')
		}
		rows.WriteByte('[')
		for j, v := range x[i*d : (i+1)*d] {
			if j > 0 {
				rows.WriteByte(',')
			}
			rows.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		rows.WriteByte(']')
	}
	jsonV2 := fmt.Sprintf(`{"inputs":[{"name":"input","shape":[%d,%d],"datatype":"FP32","data":[%s]}]}`, n, d, rows.String())
	jsonV1 := `{"instances":[` + rows.String() + `]}`
	for _, c := range []struct {
		name string
		body []byte
		hl   int
		v1   bool
	}{
		{"v2-binary/N=1000,D=784", append([]byte(head), raw...), len(head), false},
		{"v2-json/N=1000,D=784", []byte(jsonV2), -1, false},
		{"v1-json/N=1000,D=784", []byte(jsonV1), -1, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				var r *request
				var err error
				if c.v1 {
					r, err = decodeV1(c.body, m, n)
				} else {
					r, err = decodeV2(c.body, c.hl, m, n)
				}
				if err != nil {
					b.Fatal(err)
				}
				r.release() // as the server does once the forward pass is done
			}
		})
	}
}
