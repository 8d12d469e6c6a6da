package suite_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nnfc/nnfc/pkg/gradcheck"
	"github.com/nnfc/nnfc/pkg/gradcheck/suite"
	"github.com/nnfc/nnfc/pkg/model"
)

// TestAll is the proof that the suite separates right from wrong: every
// check passes at its threshold and every negative twin fails.
func TestAll(t *testing.T) {
	start := time.Now()
	checks := suite.All()
	for _, c := range checks {
		var worst float64
		for _, r := range c.Run() {
			worst = max(worst, r.MaxRel)
			if !r.Pass() {
				t.Errorf("%s %s: rel error %.3g ≥ %.0e at %d (analytic %.6g, numeric %.6g) %s",
					c.Name, r.Tensor, r.MaxRel, r.Threshold, r.Worst, r.Analytic, r.Numeric, r.Err)
			}
		}
		var negWorst float64
		neg := c.Negative()
		for _, r := range neg {
			negWorst = max(negWorst, r.MaxRel)
		}
		if len(gradcheck.Failed(neg)) == 0 {
			t.Errorf("%s: the negative twin passed: the check cannot tell a wrong gradient", c.Name)
		}
		t.Logf("%-32s max rel %.2e   negative %.2e", c.Name, worst, negWorst)
	}
	elapsed := time.Since(start)
	t.Logf("%d checks and their negative twins in %v", len(checks), elapsed.Round(time.Millisecond))
}

var nameRE = regexp.MustCompile(`^[a-z]+(/[a-z0-9_=.]+)+$`)

func TestAllNames(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range suite.All() {
		if seen[c.Name] {
			t.Errorf("duplicate check %s", c.Name)
		}
		seen[c.Name] = true
		if !nameRE.MatchString(c.Name) || c.Doc == "" || strings.Contains(c.Doc, "\n") || c.Run == nil || c.Negative == nil {
			t.Errorf("check %q: bad name, Doc or funcs", c.Name)
		}
	}
	for _, want := range []string{"layer/affine", "layer/swish", "layer/leaky_relu", "loss/softmax", "loss/svm", "loss/mse",
		"net/h=1/relu/reg=0", "net/h=2/tanh/reg=0.3", "net/h=3/leaky_relu/reg=0.3",
		"derivation/autoencoder", "derivation/gplvm", "derivation/swishnet"} {
		if !seen[want] {
			t.Errorf("missing check %s", want)
		}
	}
}

// TestDeterministic: a check gives the same Results every run.
func TestDeterministic(t *testing.T) {
	cs, err := suite.Select(suite.All(), []string{"net/h=2/relu/reg=0.3", "derivation/swishnet"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if a, b := c.Run(), c.Run(); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two runs differ", c.Name)
		}
	}
}

func TestSelect(t *testing.T) {
	all := suite.All()
	names := func(cs []suite.Check) []string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Name)
		}
		return s
	}
	for _, tc := range []struct {
		patterns []string
		want     []string // nil: check only the count
		count    int
	}{
		{patterns: nil, count: len(all)},
		{patterns: []string{"derivation/gplvm"}, want: []string{"derivation/gplvm"}},
		{patterns: []string{"loss/"}, want: []string{"loss/softmax", "loss/svm", "loss/mse", "loss/smoothed_softmax", "loss/softmax_weighted", "loss/bce", "loss/bce_multilabel",
			"loss/regression/mse", "loss/regression/mse/weighted", "loss/regression/mae", "loss/regression/mae/weighted", "loss/regression/huber", "loss/regression/huber/weighted"}},
		{patterns: []string{"layer/*"}, count: 9}, // affine, 5 activations, embedding, batchnorm, dropout
		{patterns: []string{"net/h=1"}, count: 10},
		{patterns: []string{"net/*/swish/*"}, want: []string{"net/h=1/swish/reg=0", "net/h=1/swish/reg=0.3",
			"net/h=2/swish/reg=0", "net/h=2/swish/reg=0.3", "net/h=3/swish/reg=0", "net/h=3/swish/reg=0.3"}},
		// Order is All's, not the patterns', and an overlap is listed once.
		{patterns: []string{"derivation/swishnet", "layer/tanh", "layer/t*"}, want: []string{"layer/tanh", "derivation/swishnet"}},
	} {
		got, err := suite.Select(all, tc.patterns)
		if err != nil {
			t.Errorf("%q: %v", tc.patterns, err)
			continue
		}
		if tc.want != nil && !reflect.DeepEqual(names(got), tc.want) {
			t.Errorf("%q: got %v, want %v", tc.patterns, names(got), tc.want)
		}
		if tc.want == nil && len(got) != tc.count {
			t.Errorf("%q: got %d checks, want %d", tc.patterns, len(got), tc.count)
		}
	}
	for _, bad := range []string{"layer/conv", "[", "nosuch*"} {
		_, err := suite.Select(all, []string{"layer/affine", bad})
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("pattern %q: error %v does not name it", bad, err)
		}
	}
}

func runForSpec(t *testing.T, spec model.Spec) ([]gradcheck.Result, time.Duration) {
	t.Helper()
	c := suite.ForSpec(spec, 42, spec.Loss, suite.ClassBatch)
	start := time.Now()
	rs := c.Run()
	elapsed := time.Since(start)
	if len(rs) != 2*(len(spec.Hidden)+1) {
		t.Errorf("%s: %d results, want one per tensor (%d)", c.Name, len(rs), 2*(len(spec.Hidden)+1))
	}
	for _, r := range rs {
		t.Logf("%s %-32s max rel %.2e", c.Name, r.Tensor, r.MaxRel)
		if !r.Pass() {
			t.Errorf("%s %s: rel error %.3g at %d (analytic %.6g, numeric %.6g) %s", c.Name, r.Tensor, r.MaxRel, r.Worst, r.Analytic, r.Numeric, r.Err)
		}
	}
	if len(gradcheck.Failed(c.Negative())) == 0 {
		t.Errorf("%s: the negative twin passed", c.Name)
	}
	t.Logf("%s: %v", c.Name, elapsed.Round(time.Millisecond))
	return rs, elapsed
}

func TestForSpecSmall(t *testing.T) {
	for _, spec := range []model.Spec{
		{InputDim: 2, Hidden: []int{16}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax", Init: "he", Reg: 1e-3},
		{InputDim: 5, Hidden: []int{8, 8}, Activations: []string{"leaky_relu", "swish"}, LeakyAlpha: 0.01, Classes: 4, Loss: "svm", Init: "normal", WeightScale: 1e-3},
		{InputDim: 3, Hidden: nil, Activations: nil, Classes: 2, Loss: "mse", Init: "xavier"},
	} {
		runForSpec(t, spec)
	}
}

func TestForSpecMNIST(t *testing.T) {
	spec := model.Spec{InputDim: 784, Hidden: []int{64}, Activations: []string{"relu"}, Classes: 10,
		Loss: "softmax", Init: "he", Reg: 1e-4}
	rs, _ := runForSpec(t, spec)
	if !strings.Contains(rs[0].Tensor, "of 50176 entries") {
		t.Errorf("0.weight: tensor %q does not say it is a subset", rs[0].Tensor)
	}
}

func TestForSpecInvalid(t *testing.T) {
	rs := suite.ForSpec(model.Spec{InputDim: 0, Classes: 2, Loss: "softmax", Init: "he"}, 1, "softmax", suite.ClassBatch).Run()
	if len(rs) != 1 || rs[0].Err == "" || rs[0].Pass() {
		t.Errorf("invalid spec: %+v", rs)
	}
}

// TestForSpecRegularized: ForSpec checks nets with batchnorm and dropout
// (fixed masks), and their negative twins fail.
func TestForSpecRegularized(t *testing.T) {
	for _, spec := range []model.Spec{
		{InputDim: 6, Hidden: []int{8, 5}, Activations: []string{"relu", "swish"}, Classes: 4, Loss: "softmax", Init: "he", BatchNorm: true},
		{InputDim: 6, Hidden: []int{8}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax", Init: "he", Dropout: 0.3, Reg: 0.1},
		{InputDim: 40, Hidden: []int{16}, Activations: []string{"tanh"}, Classes: 5, Loss: "softmax", Init: "xavier", BatchNorm: true, Dropout: 0.5},
	} {
		c := suite.ForSpec(spec, 3, spec.Loss, suite.ClassBatch)
		if bad := gradcheck.Failed(c.Run()); len(bad) > 0 {
			for _, r := range bad {
				t.Errorf("%s %s: rel error %.3g (%s)", c.Name, r.Tensor, r.MaxRel, r.Err)
			}
		}
		if len(gradcheck.Failed(c.Negative())) == 0 {
			t.Errorf("%s: negative twin passed", c.Name)
		}
	}
}
