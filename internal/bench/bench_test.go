package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/blasbackend"
)

func small() Options {
	o := Defaults()
	o.Samples, o.Hidden, o.Batch, o.EvalBatch, o.Epochs, o.GemmSeconds = 1024, 32, 64, 256, 2, 0.01
	return o
}

// TestRunOutput: one JSON line per epoch, then a SUMMARY whose medians
// are the epochs' and whose fraction is train/bound.
func TestRunOutput(t *testing.T) {
	o := small()
	var buf bytes.Buffer
	o.Out = &buf
	s, err := Run(o)
	if err != nil {
		t.Fatal(err)
	}
	var epochs []Epoch
	var summary *Summary
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "SUMMARY "); ok {
			summary = &Summary{}
			if err := json.Unmarshal([]byte(rest), summary); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var e Epoch
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		epochs = append(epochs, e)
	}
	if len(epochs) != o.Epochs || summary == nil {
		t.Fatalf("got %d epoch lines and summary %v, want %d and a summary", len(epochs), summary != nil, o.Epochs)
	}
	if summary.TrainSamplesPerSMedian != s.TrainSamplesPerSMedian || s.TrainSamplesPerSMedian <= 0 || s.GemmBoundSamplesPerSMedian <= 0 {
		t.Errorf("summary rates: printed %v, returned %v, bound %v", summary.TrainSamplesPerSMedian, s.TrainSamplesPerSMedian, s.GemmBoundSamplesPerSMedian)
	}
	want := median([]float64{epochs[0].TrainSamplesPerS, epochs[1].TrainSamplesPerS})
	if s.TrainSamplesPerSMedian != want {
		t.Errorf("train median %v, epochs give %v", s.TrainSamplesPerSMedian, want)
	}
	if f := round(s.TrainSamplesPerSMedian/s.GemmBoundSamplesPerSMedian, 4); s.FractionOfGemmBound != f {
		t.Errorf("fraction %v, want %v", s.FractionOfGemmBound, f)
	}
	if !(s.TrainSamplesPerCPUSMedian > 0) {
		t.Errorf("train samples per CPU-second %v, want > 0", s.TrainSamplesPerCPUSMedian)
	}
	if s.FinalEvalAcc <= 0.1 || s.FinalEvalAcc > 1 {
		t.Errorf("final accuracy %v: the net did not learn the teacher", s.FinalEvalAcc)
	}
	if s.TrainFLOPPerSample != 2*(Inputs*32+32*Classes)+2*(Inputs*32+2*32*Classes) {
		t.Errorf("FLOP per sample %d", s.TrainFLOPPerSample)
	}
}

func TestValidate(t *testing.T) {
	bad := []func(*Options){
		func(o *Options) { o.Act = "gelu" },
		func(o *Options) { o.Precision = "float16" },
		func(o *Options) { o.Epochs = 0 },
		func(o *Options) { o.Samples = o.Batch - 1 },
		func(o *Options) { o.LR = -1 },
		func(o *Options) { o.Rule = "adagrad" },
	}
	for i, f := range bad {
		o := small()
		f(&o)
		if _, err := Run(o); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	if _, err := RunScaling(small(), 0, 5); err == nil {
		t.Error("RunScaling with 0 rounds: no error")
	}
}

// TestScaling: in the OpenBLAS build every rate is measured and the
// thread count is restored; in the pure-Go build it is an error.
func TestScaling(t *testing.T) {
	if !blasbackend.Available {
		if _, err := RunScaling(small(), 2, 2); err == nil {
			t.Fatal("pure-Go build: RunScaling gave no error")
		}
		return
	}
	if err := blasbackend.Init(1); err != nil {
		t.Fatal(err)
	}
	defer blasbackend.Init(1)
	s, err := RunScaling(small(), 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{"train1": s.Train1, "train2": s.Train2, "gemm1": s.Gemm1, "gemm2": s.Gemm2,
		"speedup": s.TrainSpeedup, "gemm speedup": s.GemmSpeedup, "fraction1": s.Fraction1, "fraction2": s.Fraction2,
		"train1 best": s.Train1Best, "train2 best": s.Train2Best, "gemm1 best": s.Gemm1Best, "gemm2 best": s.Gemm2Best} {
		if !(v > 0) {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
	if s.Train1Best < s.Train1 || s.Gemm2Best < s.Gemm2 {
		t.Errorf("best blocks %v, %v below the medians %v, %v", s.Train1Best, s.Gemm2Best, s.Train1, s.Gemm2)
	}
	if got := blasbackend.Threads(); got != 1 {
		t.Errorf("threads after RunScaling = %d, want 1 (restored)", got)
	}
}

func TestRoundSig(t *testing.T) {
	for _, c := range []struct{ v, want float64 }{
		{1.23456, 1.23}, {0.000123456, 0.000123}, {98765, 98800}, {0, 0}, {-0.0456789, -0.0457},
	} {
		if got := roundSig(c.v, 3); math.Abs(got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("roundSig(%v, 3) = %v, want %v", c.v, got, c.want)
		}
	}
}

// TestRunRules: one rate per rule, in order, each from steps that trained
// (a finite loss that moved from the start), the first rule's ratio to
// itself 1; an unknown rule is refused before anything runs.
func TestRunRules(t *testing.T) {
	o := small()
	r, err := RunRules(o, []string{"sgd", "adam", "nesterov"}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rates) != 3 || r.Rates[0].Rule != "sgd" || r.Rates[1].Rule != "adam" || r.Rates[2].Rule != "nesterov" {
		t.Fatalf("rates %+v", r.Rates)
	}
	for _, x := range r.Rates {
		if !(x.SamplesPerS > 0 && x.SamplesPerCPUS > 0 && x.OverFirst > 0) || !(x.FinalLoss > 0 && x.FinalLoss < 10) {
			t.Errorf("%s: %+v", x.Rule, x)
		}
	}
	if r.Rates[0].OverFirst != 1 || r.Rates[1].LR != RuleLR("adam") {
		t.Errorf("first ratio %v, adam lr %v", r.Rates[0].OverFirst, r.Rates[1].LR)
	}
	if _, err := RunRules(o, []string{"sgd", "adagrad"}, 1, 1); err == nil || !strings.Contains(err.Error(), "adagrad") {
		t.Errorf("unknown rule: %v", err)
	}
}
