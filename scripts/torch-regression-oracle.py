#!/usr/bin/python3
"""PyTorch oracle of nnfc's regression losses (issue 24 item 3): writes
pkg/model/testdata/torch_regression.json, which pkg/model's tests read.

Run once with Debian's python3-torch (/usr/bin/python3; the file is
committed, CI does not need torch):

    /usr/bin/python3 scripts/torch-regression-oracle.py

A 4-5(tanh)-2 network (nn.Sequential(Linear, Tanh, Linear), float64) with
seeded weights, a batch of 7 rows x and float targets t (2 per row), and
for each loss - nn.MSELoss, nn.L1Loss, nn.HuberLoss(delta=1) and
nn.HuberLoss(delta=0.3), reduction='mean' - the loss of the initial
weights and the weights after one plain SGD step (torch.optim.SGD, lr 0.1,
no momentum). The weighted case is MSELoss's terms weighed per row:
sum_i w_i sum_j (s_ij - t_ij)^2 / (K sum_i w_i), nnfc's definition.
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
torch.manual_seed(24)
n, d, h, k = 7, 4, 5, 2
x = torch.randn(n, d)
t = torch.randn(n, k) * 1.5
w = torch.rand(n) * 2
w[3] = 0
init = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.Tanh(), torch.nn.Linear(h, k)).state_dict()


def weighted_mse(s, t):
    return (w[:, None] * (s - t) ** 2).sum() / (k * w.sum())


cases = []
for name, loss_name, delta, fn in [
    ("mse", "mse", 0, torch.nn.MSELoss()),
    ("mae", "mae", 0, torch.nn.L1Loss()),
    ("huber delta 1", "huber", 1.0, torch.nn.HuberLoss(delta=1.0)),
    ("huber delta 0.3", "huber", 0.3, torch.nn.HuberLoss(delta=0.3)),
    ("mse weighted", "mse", 0, weighted_mse),
]:
    net = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.Tanh(), torch.nn.Linear(h, k))
    net.load_state_dict(init)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    opt.zero_grad()
    loss = fn(net(x), t)
    loss.backward()
    opt.step()
    case = {"name": name, "loss_name": loss_name, "delta": delta, "loss": loss.item(),
            "after": {k_: v.tolist() for k_, v in net.state_dict().items()}}
    if name == "mse weighted":
        case["weights"] = w.tolist()
    cases.append(case)
out = os.path.join(os.path.dirname(__file__), "..", "pkg", "model", "testdata", "torch_regression.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "x": x.tolist(), "t": t.tolist(),
               "init": {k_: v.tolist() for k_, v in init.items()}, "cases": cases}, f, indent=1)
print("wrote", out, len(cases), "cases")
