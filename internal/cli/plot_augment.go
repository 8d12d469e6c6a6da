package cli

import (
	"io"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/atomicfile"
)

// augmentDraws is how many augmentations of each picture augment.png
// shows.
const augmentDraws = 8

// plotAugment writes, for a run whose config sets data.augment on gray
// pictures, augment.png into the run directory (plots.Augmented: the
// first training picture of each class and its augmentations) and
// returns its path; "" when the run does not augment gray pictures.
func plotAugment(dir string) (string, error) {
	c, err := config.LoadStored(rundir.Path(dir, rundir.Config))
	if err != nil || !c.Data.Augment.Active() {
		return "", nil // plot's other pictures do without a config
	}
	h, w, ch, ok := source.ImageShape(c.Data)
	if !ok || ch != 1 || h != w {
		return "", nil
	}
	s, err := train.RawSplits(c)
	if err != nil {
		return "", err
	}
	// The first training row of each class, in class order.
	first := make([]int, s.Train.Classes)
	for k := range first {
		first[k] = -1
	}
	for i, y := range s.Train.Y {
		if first[y] < 0 {
			first[y] = i
		}
	}
	var rows []int
	var names []string
	all := source.ClassNames(c.Data, s.Train.Classes)
	for k, i := range first {
		if i >= 0 {
			rows = append(rows, i)
			names = append(names, all[k])
		}
	}
	png, err := plots.Augmented(c.Data.Augment, s.Train, rows, names, h, augmentDraws+1, c.Seed)
	if err != nil {
		return "", err
	}
	p := rundir.Path(dir, rundir.Augmented)
	if err := atomicfile.Write(p, 0o644, func(w io.Writer) error { _, err := w.Write(png); return err }); err != nil {
		return "", err
	}
	return p, nil
}
