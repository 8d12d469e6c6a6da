package source

import (
	"fmt"

	"github.com/nnfc/nnfc/internal/english"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/limits"
)

// Spiral is the course's synthetic spiral data set (data.spiral.*).
type Spiral struct {
	PerClass int     `mapstructure:"per_class" yaml:"per_class"`
	Classes  int     `mapstructure:"classes" yaml:"classes"`
	Noise    float64 `mapstructure:"noise" yaml:"noise"`
}

// spiral generates cs231n's spiral (data.Spiral) from the run's seed: a
// training set and a test set of half as many points per class.
type spiral struct{}

// streamSpiralTest is added to the seed for the test set's stream.
const streamSpiralTest = 3

func (spiral) Name() string { return "spiral" }

func (spiral) ReadsKeys() []string { return []string{"data.spiral", "data.classes"} }

func (spiral) Check(c Config, bad Bad) {
	s := c.Spiral
	if s.PerClass < 2 {
		bad("data.spiral.per_class", "must be ≥ 2, got %d", s.PerClass)
	}
	if s.Classes < 2 {
		bad("data.spiral.classes", "must be ≥ 2, got %d", s.Classes)
	}
	if !(s.Noise >= 0) {
		bad("data.spiral.noise", "must be ≥ 0, got %g", s.Noise)
	}
}

func (spiral) Read(c Config, o Options) (*Splits, error) {
	s := c.Spiral
	// x (2 float32) and y (int32) per point, the test half included.
	if err := limits.Check(fmt.Sprintf("data.spiral: %d points per class × %d classes", s.PerClass, s.Classes), 1.5*limits.Mul(s.PerClass, s.Classes, 12)); err != nil {
		return nil, err
	}
	return &Splits{
		Train: data.Spiral(s.PerClass, s.Classes, s.Noise, o.Seed),
		Test:  data.Spiral(s.PerClass/2, s.Classes, s.Noise, o.Seed+streamSpiralTest),
	}, nil
}

func (spiral) Known(c Config) (int, int) { return 2, max(2, c.Spiral.Classes) }

func (spiral) DescribeClasses(c Config, n int) string {
	if c.Classes > 0 {
		return declaredOrInferred(c, n)
	}
	return english.Count(n, "class") + " (data.spiral.classes)"
}

func (spiral) ClassNames(Config, int) []string { return nil }
