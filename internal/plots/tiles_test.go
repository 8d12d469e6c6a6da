package plots

import (
	"fmt"
	"testing"
)

// TestRowNamesBesideTiles (issue 28, noticed): a grid of few columns under
// a wider title keeps its row names next to the tiles. The names were the
// y axis's labels at the picture's left edge, so with 3 columns (a
// 3-class autoencoder's reconstructions) they stood ~400 px from the
// tiles. The names' rightmost ink must be within 40 px (12 pt at 192 dpi;
// the layout puts 6 pt) of the tiles' left edge, and not on them, for 3
// and 10 columns; and the names and tiles together are centred.
func TestRowNamesBesideTiles(t *testing.T) {
	for _, cols := range []int{3, 10} {
		tiles := make([][]uint8, 2*cols)
		for i := range tiles {
			tiles[i] = make([]uint8, ImageSide*ImageSide) // black squares
		}
		title := "a title as wide as the reconstructions' two lines: the model's MSE on all the test images and on these"
		b, err := GrayTiles(title, tiles, ImageSide, cols, []string{"input", "reconstruction"})
		if err != nil {
			t.Fatal(err)
		}
		img := save(t, fmt.Sprintf("tiles-%d.png", cols), b)
		bounds := img.Bounds()
		dark := func(x, y int) bool { r, _, _, _ := img.At(x, y).RGBA(); return r < 0x4000 }
		// A tile column: a dark vertical run of 100 px or more (a tile is
		// 84 pt tall, text is not). The tiles span the first to the last.
		tileX, tileEnd, top := -1, -1, 0
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			run := 0
			for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
				if !dark(x, y) {
					run = 0
					continue
				}
				if run++; run == 100 {
					if tileX < 0 {
						tileX, top = x, y-99
					}
					tileEnd = x
					break
				}
			}
		}
		if tileX < 0 {
			t.Fatalf("%d columns: no tiles found", cols)
		}
		// The row names' ink: left of the tiles, below the tiles' top.
		nameLeft, nameRight := -1, -1
		for x := bounds.Min.X; x < tileX; x++ {
			for y := top; y < bounds.Max.Y; y++ {
				if dark(x, y) {
					if nameLeft < 0 {
						nameLeft = x
					}
					nameRight = x
					break
				}
			}
		}
		if nameRight < 0 {
			t.Fatalf("%d columns: no row names left of the tiles", cols)
		}
		if gap := tileX - nameRight; gap > 40 || gap < 2 {
			t.Errorf("%d columns: the row names end %d px from the tiles (x %d, tiles from x %d); want 2 to 40", cols, gap, nameRight, tileX)
		}
		l, r := nameLeft-bounds.Min.X, bounds.Max.X-1-tileEnd
		if d := l - r; d > 60 || d < -60 {
			t.Errorf("%d columns: the names and tiles are not centred: %d px free on the left, %d on the right", cols, l, r)
		}
	}
}
