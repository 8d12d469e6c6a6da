package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/task"
	"github.com/nnfc/nnfc/pkg/atomicfile"
)

// plotModel writes, for a run whose model's task names a picture set
// (task.Task.Pictures: the autoencoder's reconstructions.png and
// weights.png of 28×28 images), those pictures into the run directory
// and returns the files written: none for a model without one.
func plotModel(dir string) ([]string, error) {
	path := rundir.Path(dir, rundir.Model)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	mod, err := infer.Open(path, "float32")
	if err != nil {
		return nil, err
	}
	defer mod.Close()
	net := mod.Net32()
	set, ok := plots.Pictures[task.Of(net.Spec).Pictures()]
	if !ok || !set.Applies(net.Spec) {
		return nil, nil
	}
	args := dataArgs{configPath: rundir.Path(dir, rundir.Config), split: "test"}
	ds, err := args.load()
	if err != nil {
		args.split = "val" // a data set without a test split
		if ds, err = args.load(); err != nil {
			return nil, err
		}
	}
	if ds.D != net.Spec.InputDim {
		return nil, fmt.Errorf("%s has %d features per sample, but the model %s expects %d", ds.Name, ds.D, path, net.Spec.InputDim)
	}
	pics, err := set.Draw(net, mod.Norm, ds, args.split)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range pics {
		p := rundir.Path(dir, f.Name)
		if err := atomicfile.Write(p, 0o644, func(w io.Writer) error { _, err := w.Write(f.PNG); return err }); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	return files, nil
}
