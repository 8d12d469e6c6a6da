#!/usr/bin/python3
"""PyTorch peer of nnfc's speedrun (scripts/speedrun.sh): one nnfc recipe config
run in PyTorch with the same network, loss, optimizer, schedule, batch size,
data order policy and thread count, timing each epoch's training and testing
after it (not timed), so the two can be compared on time to a test accuracy.

Uses Debian's python3-torch (1.13) and python3-numpy; run with /usr/bin/python3.
In the style of ../shared/bench/torch_mlp.py (threads fixed before torch loads,
passive OpenMP waiting, a short untimed warm-up from a copy of the weights).

    /usr/bin/python3 scripts/torch_speedrun.py --config configs/mnist-speedrun.yaml \
        --mnist-dir data/mnist --seed 1 --threads 2

speedrun.sh passes the resolved config (nnfc train --print-config), so nnfc's
defaults are the peer's. What it reads (and refuses anything else, in one line):
  data.source mnist, data.normalize scale (x/255), data.val_count 0;
  model.hidden (one or more layers), model.activation relu|swish, model.init he
  (N(0, 2/fan_in) weights, zero biases), model.label_smoothing, model.reg 0;
  optimizer.rule sgd|momentum|nesterov with optimizer.lr, optimizer.momentum;
  schedule.kind onecycle (fastai's formula, as nnfc's optim.OneCycle: per step,
  cos anneal, pct_start, div, div_final, min_momentum) or constant;
  train.epochs, train.batch_size.
Data order: a fresh random permutation each epoch (torch.randperm; nnfc uses its
own PCG stream: same policy, different orders), the last partial batch kept.
Nesterov: PyTorch's form (buf = mu*buf + g; w -= lr*(g + mu*buf)); nnfc's is
cs231n's (v = mu*v - lr*g; w += -mu*v_prev + (1+mu)*v): the same method, equal
for a constant rate, not bit-equal under a schedule.

Prints one JSON line per epoch ({"epoch", "train_s", "cpu_s", "test_acc",
"test_loss"}) and a summary line prefixed "SUMMARY ".
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--config", required=True)
ap.add_argument("--mnist-dir", default="data/mnist")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--epochs", type=int, default=0, help="override train.epochs")
ap.add_argument("--eval-batch", type=int, default=1000)
ap.add_argument("--wait-policy", choices=["passive", "active", "default"], default=os.environ.get("OMP_WAIT_POLICY", "passive").lower() or "passive")
ap.add_argument("--no-foreach", action="store_true", help="the per-tensor SGD update (1.13's default) instead of foreach")
args = ap.parse_args()

os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
# --wait-policy default leaves OMP_WAIT_POLICY unset: libgomp's own (spin a
# while, then sleep); passive (the default here, as torch_mlp.py) or active.
if args.wait_policy == "default":
    os.environ.pop("OMP_WAIT_POLICY", None)
else:
    os.environ["OMP_WAIT_POLICY"] = args.wait_policy

import numpy as np  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402  (python3-yaml, a dependency of python3-torch's tooling; see scripts/speedrun.sh)


def die(msg):
    print(f"torch_speedrun: {args.config}: {msg}", file=sys.stderr)
    sys.exit(2)


with open(args.config) as f:
    cfg = yaml.safe_load(f)
data, mdl, opt_c, sch, tr = (cfg.get(k) or {} for k in ("data", "model", "optimizer", "schedule", "train"))
if data.get("source", "mnist") != "mnist":
    die(f"data.source: only mnist, got {data.get('source')}")
if data.get("normalize", "scale") != "scale":
    die(f"data.normalize: only scale, got {data.get('normalize')}")
if data.get("val_count", 0) != 0 or data.get("val_fraction", 0) not in (0, None):
    die("data.val_count/val_fraction: the speedrun trains on all 60,000 rows (val_count: 0)")
hidden = mdl.get("hidden", [100])
act_name = mdl.get("activation", "relu")
if act_name not in ("relu", "swish"):
    die(f"model.activation: relu or swish, got {act_name}")
if mdl.get("init", "he") != "he":
    die(f"model.init: only he, got {mdl.get('init')}")
if mdl.get("reg", 0) or mdl.get("batchnorm") or mdl.get("dropout"):
    die("model.reg/batchnorm/dropout: not in the peer")
if cfg.get("precision", "float32") != "float32":
    die(f"precision: only float32, got {cfg.get('precision')}")
if tr.get("ema", 0) or tr.get("grad_clip", 0):
    die("train.ema/grad_clip: not in the peer")
smoothing = float(mdl.get("label_smoothing", 0))
rule = opt_c.get("rule", "sgd")
if rule not in ("sgd", "momentum", "nesterov"):
    die(f"optimizer.rule: sgd, momentum or nesterov, got {rule}")
lr = float(opt_c.get("lr", 0.1))
mu = float(opt_c.get("momentum", 0.9)) if rule != "sgd" else 0.0
kind = sch.get("kind", "constant")
if kind not in ("constant", "onecycle"):
    die(f"schedule.kind: constant or onecycle, got {kind}")
epochs = args.epochs or int(tr.get("epochs", 10))
batch = int(tr.get("batch_size", 128))
oc_epochs = int(sch.get("epochs", 0) or epochs)
pct = float(sch.get("pct_start", 0.25))
div = float(sch.get("div", 25))
div_final = float(sch.get("div_final", 1e5))
linear = sch.get("anneal", "cos") == "linear"
min_mom = float(sch.get("min_momentum", 0))

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


def load_idx(path):
    with gzip.open(path, "rb") as f:
        b = f.read()
    ndim = int.from_bytes(b[0:4], "big") & 0xFF
    dims = [int.from_bytes(b[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


d = args.mnist_dir
Xtr = torch.from_numpy(load_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0)
Ytr = torch.from_numpy(load_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
Xte = torch.from_numpy(load_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0)
Yte = torch.from_numpy(load_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))

layers = []
fan_in = 784
for h in hidden:
    layers += [torch.nn.Linear(fan_in, h), torch.nn.ReLU() if act_name == "relu" else torch.nn.SiLU()]
    fan_in = h
layers.append(torch.nn.Linear(fan_in, 10))
model = torch.nn.Sequential(*layers)
with torch.no_grad():
    for m in model:
        if isinstance(m, torch.nn.Linear):  # nnfc's he: N(0, 2/fan_in), zero bias
            torch.nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / m.in_features))
            torch.nn.init.zeros_(m.bias)
lossf = torch.nn.CrossEntropyLoss(label_smoothing=smoothing)
# foreach: the multi-tensor update (one call over the four tensors), PyTorch's
# faster form here: 1.98-2.55 ms per batch-64 step against 2.06-3.89 ms for
# 1.13's default per-tensor loop (2 threads, alternating, load 14).
opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=mu, nesterov=(rule == "nesterov"), foreach=not args.no_foreach)

N = Xtr.shape[0]
steps = (N + batch - 1) // batch


def anneal(a, b, f):
    if linear:
        return a + (b - a) * f
    return b + (a - b) * (1 + math.cos(math.pi * f)) / 2


def onecycle(e, s):
    """nnfc's optim.OneCycle: (lr, momentum) of step s of epoch e."""
    p = (e * steps + s) / (oc_epochs * steps)
    if p < pct:
        f = p / pct
        return anneal(lr / div, lr, f), (anneal(mu, min_mom, f) if min_mom else mu)
    f = min(1.0, (p - pct) / (1 - pct))
    return anneal(lr, lr / div_final, f), (anneal(min_mom, mu, f) if min_mom else mu)


def evaluate():
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, Xte.shape[0], args.eval_batch):
            out = model(Xte[i:i + args.eval_batch])
            y = Yte[i:i + args.eval_batch]
            correct += (out.argmax(1) == y).sum().item()
            loss += lossf(out, y).item() * y.shape[0]
    model.train()
    return correct / Xte.shape[0], loss / Xte.shape[0]


# Untimed warm-up from a copy of the weights (thread start-up, allocation).
state = {k: v.clone() for k, v in model.state_dict().items()}
for i in range(20):
    opt.zero_grad(set_to_none=True)
    lossf(model(Xtr[i * batch:(i + 1) * batch]), Ytr[i * batch:(i + 1) * batch]).backward()
model.load_state_dict(state)
opt.zero_grad(set_to_none=True)

g = torch.Generator().manual_seed(args.seed)
recs = []
for e in range(epochs):
    t0, c0 = time.perf_counter(), time.process_time()
    perm = torch.randperm(N, generator=g)
    for s in range(steps):
        if kind == "onecycle":
            r, m = onecycle(e, s)
            for pg in opt.param_groups:
                pg["lr"] = r
                if rule != "sgd":
                    pg["momentum"] = m
        idx = perm[s * batch:(s + 1) * batch]
        opt.zero_grad(set_to_none=True)
        lossf(model(Xtr[idx]), Ytr[idx]).backward()
        opt.step()
    train_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    acc, tl = evaluate()
    rec = {"epoch": e + 1, "train_s": round(train_s, 4), "cpu_s": round(cpu_s, 4), "test_acc": acc, "test_loss": round(tl, 5)}
    recs.append(rec)
    print(json.dumps(rec), flush=True)

print("SUMMARY " + json.dumps({
    "impl": "torch-" + torch.__version__, "config": args.config, "seed": args.seed, "threads": args.threads,
    "hidden": hidden, "activation": act_name, "rule": rule, "lr": lr, "momentum": mu, "schedule": kind,
    "batch": batch, "epochs": epochs, "label_smoothing": smoothing, "foreach": not args.no_foreach,
    "omp_wait_policy": args.wait_policy,
}), flush=True)
