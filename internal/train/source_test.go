package train

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
)

// fittingSpiral is the spiral source with fitted preprocessing: it
// records the seed it read with (the fitted state) unless it is given
// stored preprocessing, which it passes back as read.
type fittingSpiral struct{ source.Source }

type seedState struct{ Seed uint64 }

func (f fittingSpiral) Name() string { return "fitting-spiral" }

func (f fittingSpiral) Read(c config.Data, o source.Options) (*source.Splits, error) {
	c.Source = "spiral"
	s, err := f.Source.Read(c, o)
	if err != nil {
		return nil, err
	}
	if o.Fitted != nil {
		s.Fitted = o.Fitted
	} else if s.Fitted, err = source.EncodeFitted(f.Name(), seedState{o.Seed}); err != nil {
		return nil, err
	}
	return s, nil
}

func (fittingSpiral) Refit(raw []byte) (source.FittedReader, error) {
	var s seedState
	return s, json.Unmarshal(raw, &s)
}

func (s seedState) ReadFitted(path string, labels, _ bool, _ io.Writer) (*data.Dataset, error) {
	return data.Spiral(2, 3, 0, s.Seed), nil
}

// TestFittedPreprocessingTravels: what a source fitted is stored in the
// model file, kept by a fine-tuned run (not fitted anew), and read back
// by the source for predict.
func TestFittedPreprocessingTravels(t *testing.T) {
	sp, _ := source.Lookup("spiral")
	source.All = append(source.All, fittingSpiral{sp})
	defer func() { source.All = source.All[:len(source.All)-1] }()
	const net = "model: {hidden: [8]}\n"
	src := loadConfig(t, "seed: 4\n"+smallSpiral+net+"train: {epochs: 1, batch_size: 16}\n")
	src.Data.Source = "fitting-spiral"
	if _, err := Start(context.Background(), src, Options{}); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(src.Train.OutDir, rundir.Model)
	_, norm, err := model.Load[float32](saved)
	if err != nil {
		t.Fatal(err)
	}
	if string(norm.Source) != `{"source":"fitting-spiral","state":{"Seed":4}}` {
		t.Fatalf("stored preprocessing %s", norm.Source)
	}
	tune := loadConfig(t, "seed: 99\n"+smallSpiral+net+"train: {epochs: 1, batch_size: 16, init_from: "+saved+"}\n")
	tune.Data.Source = "fitting-spiral"
	if _, err := Start(context.Background(), tune, Options{}); err != nil {
		t.Fatal(err)
	}
	_, tunedNorm, err := model.Load[float32](filepath.Join(tune.Train.OutDir, rundir.Model))
	if err != nil {
		t.Fatal(err)
	}
	if string(tunedNorm.Source) != string(norm.Source) {
		t.Errorf("fine-tuned model stores %s, the init_from model %s", tunedNorm.Source, norm.Source)
	}
	ds, err := source.ReadInput("raw.csv", source.InputOptions{Fitted: tunedNorm.Source})
	if err != nil || ds.Name != data.Spiral(2, 3, 0, 4).Name {
		t.Errorf("predict input read with the stored preprocessing: %v, %v", ds, err)
	}
}
