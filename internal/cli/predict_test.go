package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// halves is a side×side image bright on the left half (class 0) or the
// right half (class 1).
func halves(side, class int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			if (x < side/2) == (class == 0) {
				g.SetGray(x, y, color.Gray{220})
			}
		}
	}
	return g
}

// TestPredictImages trains a 4×4-pixel classifier on CSV and predicts on
// PNG files (one at the model's size, one twice as large and inverted),
// and on an IDX file of the same images, all in one call.
func TestPredictImages(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var csv strings.Builder
	for i := 0; i < 200; i++ {
		c := i % 2
		fmt.Fprint(&csv, c)
		for _, v := range halves(4, c).Pix {
			fmt.Fprintf(&csv, ",%d", int(v)+rng.IntN(30))
		}
		csv.WriteString("\n")
	}
	train := writeFile(t, dir, "train.csv", csv.String())
	cfg := writeFile(t, dir, "c.yaml", fmt.Sprintf(`seed: 1
data: {source: csv, train: %s, val_fraction: 0.2, normalize: scale}
model: {hidden: [8]}
optimizer: {lr: 0.5}
train: {epochs: 20, batch_size: 16, out_dir: %s}
`, train, filepath.Join(dir, "run")))
	ctx := context.Background()
	if code, out, errOut := nnfc(t, ctx, "train", "--config", cfg, "--progress", "none"); code != ExitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	model := filepath.Join(dir, "run", "model.safetensors")

	save := func(name string, img image.Image) string {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return writeFile(t, dir, name, buf.String())
	}
	right := save("right.png", halves(4, 1))
	// Class 0 at 8×8, dark on light: --invert makes it bright on dark.
	paper := halves(8, 0)
	for i, v := range paper.Pix {
		paper.Pix[i] = 255 - v
	}
	left := save("left-paper.png", paper)
	var idx bytes.Buffer
	_ = binary.Write(&idx, binary.BigEndian, []uint32{0x803, 2, 4, 4})
	idx.Write(halves(4, 1).Pix)
	idx.Write(halves(4, 0).Pix)
	idxPath := writeFile(t, dir, "imgs-idx3-ubyte", idx.String())

	code, out, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", left, "--invert")
	if code != ExitOK || !strings.HasPrefix(strings.Split(out, "\n")[1], "0,0,") {
		t.Errorf("inverted 8×8 left half: exit %d, %q %s; want class 0", code, out, errOut)
	}
	code, out, errOut = nnfc(t, ctx, "predict", "--model", model, "--input", right, "--input", idxPath)
	var classes []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Split(l, ",")
		classes = append(classes, f[0]+":"+f[1])
	}
	if code != ExitOK || strings.Join(classes, " ") != "0:1 1:1 2:0" {
		t.Errorf("PNG then IDX: exit %d, rows %v (want 0:1 1:1 2:0)\n%s%s", code, classes, out, errOut)
	}
	// A spiral model's input (2 features) is no image.
	spiral := filepath.Join(trainSpiral(t), "model.safetensors")
	if code, _, errOut := nnfc(t, ctx, "predict", "--model", spiral, "--input", right); code != ExitError || !strings.Contains(errOut, "not a square image") {
		t.Errorf("image into a 2-feature model: exit %d %s", code, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.png"), []byte("\x89PNG\r\n\x1a\nxx"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := nnfc(t, ctx, "predict", "--model", model, "--input", filepath.Join(dir, "bad.png")); code != ExitError || !strings.Contains(errOut, "bad.png") {
		t.Errorf("broken PNG: exit %d %s", code, errOut)
	}
}
