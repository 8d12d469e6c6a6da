#!/usr/bin/env python3
"""PyTorch peer of `nnfc bench --rule sgd,momentum,...` (issue 26 item 3).

The network, data and step of ../shared/bench/torch_mlp.py (784-H-10, ReLU,
He init, softmax cross-entropy, synthetic MNIST-shaped data from
default_rng(12345), a minibatch gathered from a random permutation, then
zero_grad, forward, backward, opt.step()), with one model per update rule
from the same initialization, timed as nnfc's RunRules times them: each
round runs a block of --steps steps of every rule, in an order that rotates
from round to round, after one untimed step. Prints "RULES {json}" with
nnfc's field names: per rule the median samples/s by wall clock and per
second of process CPU time, and the median within-round ratio to the first
rule. Rules and defaults as nnfc's (pkg/optim): momentum and nesterov
mu 0.9; rmsprop alpha 0.99, eps 1e-8; adam and adamw betas (0.9, 0.999),
eps 1e-8, adamw weight_decay 0.01; learning rates nnfc bench's RuleLR
unless --lr is given.
"""
import argparse
import json
import os
import statistics
import time

ap = argparse.ArgumentParser()
ap.add_argument("--rules", default="sgd,momentum,nesterov,rmsprop,adam,adamw")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch", type=int, default=64)
ap.add_argument("--hidden", type=int, default=512)
ap.add_argument("--rounds", type=int, default=10)
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--lr", type=float, default=0.0, help="0: each rule's benchmark rate (as nnfc bench)")
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()

os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

RULE_LR = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "rmsprop": 0.001, "adam": 0.001, "adamw": 0.001}


def make_opt(rule, params, lr):
    if rule == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if rule == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if rule == "nesterov":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True)
    if rule == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8)
    if rule == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    if rule == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    raise SystemExit("--rules: unknown rule %r (want sgd, momentum, nesterov, rmsprop, adam, adamw)" % rule)


rng = np.random.default_rng(12345)
xtr = rng.random((60000, 784), dtype=np.float32)
teacher = rng.standard_normal((784, 10)).astype(np.float32)
ytr = np.argmax((xtr - 0.5) @ teacher, axis=1).astype(np.int64)
X, Y = torch.from_numpy(xtr), torch.from_numpy(ytr)
N, B = X.shape[0], args.batch

base = torch.nn.Sequential(torch.nn.Linear(784, args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 10))
with torch.no_grad():
    for m in base:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            torch.nn.init.zeros_(m.bias)
lossf = torch.nn.CrossEntropyLoss()


class Variant:
    def __init__(self, rule):
        self.rule = rule
        self.lr = args.lr if args.lr > 0 else RULE_LR.get(rule, 0.1)
        self.model = torch.nn.Sequential(torch.nn.Linear(784, args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 10))
        self.model.load_state_dict(base.state_dict())
        self.opt = make_opt(rule, self.model.parameters(), self.lr)
        self.g = torch.Generator().manual_seed(args.seed)
        self.perm, self.next = None, N
        self.wall, self.cpu, self.loss = [], [], float("nan")

    def step(self):
        if self.next + B > N:
            self.perm, self.next = torch.randperm(N, generator=self.g), 0
        idx = self.perm[self.next:self.next + B]
        self.next += B
        xb, yb = X[idx], Y[idx]
        self.opt.zero_grad(set_to_none=True)
        loss = lossf(self.model(xb), yb)
        loss.backward()
        self.opt.step()
        self.loss = loss.item()


vs = [Variant(r) for r in args.rules.split(",")]
for v in vs:  # warm-up, as torch_mlp.py's (allocation, thread start-up)
    for _ in range(5):
        v.step()
for r in range(args.rounds):
    for k in range(len(vs)):
        v = vs[(k + r) % len(vs)]
        v.step()
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(args.steps):
            v.step()
        el, cpu = time.perf_counter() - t0, time.process_time() - c0
        v.wall.append(args.steps * B / el)
        v.cpu.append(args.steps * B / cpu)


def ratio(a, b):
    return round(statistics.median([x / y for x, y in zip(a, b)]), 3)


out = {"impl": "torch-" + torch.__version__, "threads": args.threads, "batch": B, "rounds": args.rounds,
       "steps_per_block": args.steps, "load_avg_1m": os.getloadavg()[0], "rules": []}
for v in vs:
    out["rules"].append({"rule": v.rule, "lr": v.lr,
                         "train_samples_per_s": round(statistics.median(v.wall), 1),
                         "train_samples_per_cpu_s": round(statistics.median(v.cpu), 1),
                         "train_best_block_samples_per_s": round(max(v.wall), 1),
                         "over_first": ratio(v.wall, vs[0].wall), "over_first_cpu": ratio(v.cpu, vs[0].cpu),
                         "final_train_loss": round(v.loss, 4)})
print("RULES " + json.dumps(out), flush=True)
