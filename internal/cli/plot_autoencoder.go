package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nnfc/nnfc/internal/atomicfile"
	"github.com/nnfc/nnfc/internal/infer"
	"github.com/nnfc/nnfc/internal/plots"
	"github.com/nnfc/nnfc/internal/rundir"
)

// plotAutoencoder writes, for a run whose model is an autoencoder of
// 28×28 images, RUN_DIR/reconstructions.png and RUN_DIR/weights.png
// (plots.Autoencoder draws them) and returns the files written: none for
// any other model.
func plotAutoencoder(dir string) ([]string, error) {
	path := filepath.Join(dir, rundir.Model)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	mod, err := infer.Open(path, "float32")
	if err != nil {
		return nil, err
	}
	defer mod.Close()
	net := mod.Net32()
	if !net.Spec.IsAutoencoder() || net.Spec.InputDim != plots.ImageSide*plots.ImageSide {
		return nil, nil
	}
	args := dataArgs{configPath: filepath.Join(dir, rundir.Config), split: "test"}
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
	pics, err := plots.Autoencoder(net, mod.Norm, ds, args.split)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range []struct {
		name string
		png  []byte
	}{{"reconstructions.png", pics.Reconstructions}, {"weights.png", pics.Weights}} {
		p := filepath.Join(dir, f.name)
		if err := atomicfile.Write(p, 0o644, func(w io.Writer) error { _, err := w.Write(f.png); return err }); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	return files, nil
}
