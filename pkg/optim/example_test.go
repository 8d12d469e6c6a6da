package optim_test

import (
	"fmt"

	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/optim"
)

func ExampleNew() {
	w := layers.NewParam[float64]("0.weight", true, 1, 2)
	w.Data[0], w.Data[1] = 1, -1
	cfg, _ := optim.Defaults("momentum")
	opt, err := optim.New(cfg, []*layers.Param[float64]{w})
	if err != nil {
		panic(err)
	}
	for range 3 {
		w.Grad[0], w.Grad[1] = 1, -1 // a backward pass would fill these
		opt.Step(0.1)
	}
	fmt.Printf("w = %.3f after %d steps\n", w.Data, opt.Steps())
	for _, s := range opt.State() {
		fmt.Printf("%s = %.3f\n", s.Name, s.Data)
	}
	// Output:
	// w = [0.439 -0.439] after 3 steps
	// 0.weight.velocity = [-0.271 0.271]
}

func ExampleConfig_Validate() {
	cfg, _ := optim.Defaults("sgd")
	cfg.Momentum = 1.2
	for _, err := range cfg.Validate(map[string]bool{"beta1": true, "momentum": true}) {
		fmt.Println(err)
	}
	// Output:
	// optimizer.momentum: does not apply to rule sgd
	// optimizer.beta1: does not apply to rule sgd
}

func ExampleNewSchedule() {
	cfg, _ := optim.DefaultSchedule("step")
	cfg.Every, cfg.Warmup = 2, 2
	s, err := optim.NewSchedule(cfg, 0.1)
	if err != nil {
		panic(err)
	}
	for epoch := range 6 {
		fmt.Printf("epoch %d: lr %.4g\n", epoch, s.LR(epoch))
	}
	// Output:
	// epoch 0: lr 0.05
	// epoch 1: lr 0.1
	// epoch 2: lr 0.01
	// epoch 3: lr 0.01
	// epoch 4: lr 0.001
	// epoch 5: lr 0.001
}

func ExampleClipGlobalNorm() {
	p := layers.NewParam[float32]("0.weight", true, 2)
	p.Grad[0], p.Grad[1] = 30, 40
	norm := optim.ClipGlobalNorm([]*layers.Param[float32]{p}, 5)
	fmt.Println(norm, p.Grad)
	// Output:
	// 50 [3 4]
}
