// Package optim holds the update rules that train nnfc's networks, their
// learning-rate schedules, and gradient clipping.
//
// # Optimizers
//
// An optimizer is built once over the network's parameter list and keeps
// its own state, in the manner of tinygrad's optim.py:
//
//	cfg, _ := optim.Defaults("adam")
//	opt, err := optim.New(cfg, net.Params())
//	for each batch {
//		zero grads; forward; backward (grads include any L2 term)
//		opt.Step(lr)
//	}
//
// Step updates every parameter's Data in place from its Grad, one flat loop
// per parameter, and does not allocate. Grad is never written. Elements
// are computed in the parameter's type T; the per-step constants are
// computed in float64 and rounded to T once.
//
// The rules, with the names used in configuration files and their
// defaults. Formulas are those of cs231n assignment 2's optim.py, so the
// course's reference numbers reproduce (w is a parameter, dw its gradient,
// lr the learning rate passed to Step; all operations are elementwise):
//
//	sgd       w -= lr·dw
//
//	momentum  v = μ·v − lr·dw                          μ = 0.9
//	          w += v
//
//	nesterov  v_prev = v                               μ = 0.9
//	          v = μ·v − lr·dw
//	          w += −μ·v_prev + (1+μ)·v
//
//	rmsprop   cache += (1−decay)·(dw² − cache)         decay = 0.99
//	          w -= lr·dw / (√cache + eps)              eps = 1e-8
//
//	adam      t += 1                                   β1 = 0.9
//	          m = β1·m + (1−β1)·dw                     β2 = 0.999
//	          v = β2·v + (1−β2)·dw²                    eps = 1e-8
//	          m̂ = m/(1−β1ᵗ),  v̂ = v/(1−β2ᵗ)
//	          w -= lr·m̂ / (√v̂ + eps)
//
//	adamw     as adam, and for parameters with          weight_decay = 0.01
//	          Decay=true (weights, not biases) also
//	          w -= lr·weight_decay·w   (w before this step)
//
// All state (v, cache, m, v) starts at zero and t at 0. AdamW's decay is
// decoupled from the gradient (Loshchilov and Hutter, "Decoupled Weight
// Decay Regularization", 2019): use it instead of, not on top of, an L2
// term in the loss.
//
// # Inside the backward pass
//
// Every rule is also a Fuser: Fused(lr) starts a step (counted in Steps)
// and returns a layers.Update, which a layer's backward pass applies to
// each of its parameters, or a block of a weight's rows, as soon as that
// gradient is complete (pkg/model's Net.TrainStep), instead of a Step over
// everything afterwards. Step is the reference and stays: each rule is
// written once, as begin (the step's constants) and apply (the loop over
// one parameter's entries [lo, hi)), and Step is begin then apply over
// every parameter. Plain SGD's Update is Linear, so a layer folds the
// weights' update into the GEMM that would compute their gradient.
// Clipped (gradient clipping) is not a Fuser: it needs every gradient
// before the first update.
//
// To add a rule: a type in rules.go embedding base with begin, apply and
// State; its name in Rules, Defaults, StateCopies, the applies table and
// New (optim.go); its element loop in internal/vec when it should be
// fast. It runs inside the backward pass with no other change.
//
// # Configuration
//
// Config carries the rule and every hyperparameter; Defaults fills in a
// rule's defaults and New uses the fields exactly as given. Validate
// reports every out-of-range value, and every option the user wrote that
// the rule does not use, each naming its key:
//
//	optimizer.beta1: does not apply to rule sgd
//	optimizer.momentum: must be in [0,1), got 1.2
//
// # Checkpoints
//
// State returns the optimizer's tensors as named views in a fixed order
// ("0.weight.velocity" for momentum and nesterov, ".cache" for rmsprop,
// ".m" then ".v" for adam and adamw, parameter by parameter); Steps and
// SetSteps give the step count, which Adam's bias correction depends on.
// Copying the views and the count out, and into a fresh optimizer over the
// same parameters, resumes training bit for bit.
//
// # Learning-rate schedules
//
// A Schedule maps the 0-based epoch to a learning rate; the trainer asks
// at the start of each epoch and calls Observe at its end with the
// monitored validation metric (nnfc's train.monitor), signed so that lower
// is better: the validation loss itself, or −accuracy. lr0 is the base
// rate passed to NewSchedule.
//
//	constant     lr = lr0
//	exponential  lr = lr0·gammaᵉᵖᵒᶜʰ             gamma = 0.95 (the course's lr_decay)
//	step         lr = lr0·gamma^⌊epoch/every⌋    gamma = 0.1, every = 10
//	cosine       lr = min_lr + (lr0−min_lr)·(1+cos(π·epoch/epochs))/2,
//	             min_lr after epochs              min_lr = 0, epochs: required
//	plateau      lr ← max(lr·factor, min_lr) when the observed value has
//	             not improved by more than min_delta for more than
//	             patience epochs                 factor = 0.1, patience = 10,
//	                                             min_delta = 1e-4, min_lr = 0
//
// Every kind takes warmup (default 0): a linear ramp over the first warmup
// epochs that multiplies the rate by (epoch+1)/warmup, so the first epoch
// trains at lr/warmup and epoch warmup−1 at the full rate. Warmup is
// counted in epochs, not steps, so every schedule but plateau is a pure
// function of the epoch and needs nothing saved to resume. ReduceOnPlateau
// keeps its state in exported fields that encoding/json round-trips.
//
// # Gradient clipping
//
// ClipGlobalNorm rescales all gradients together when their joint L2 norm
// exceeds a threshold and returns the norm before clipping; GlobalNorm only
// measures it. Call it between the backward pass and Step, or wrap the
// optimizer in Clip, whose Step does both.
package optim
