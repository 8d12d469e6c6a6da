#!/usr/bin/python3
"""PyTorch oracle of nnfc's embedding tables in a network (issue 23,
data.embed): writes pkg/model/testdata/torch_embed.json, which pkg/model's
TestEmbedAgainstTorch reads.

Run once with Debian's python3-torch (/usr/bin/python3; the file is
committed, CI does not need torch):

    /usr/bin/python3 scripts/torch-embed-oracle.py

The network, in float64: 5 inputs, of which 1 and 3 are category indices
looked up in nn.Embedding(4, 3) and nn.Embedding(3, 2); the other inputs
(0, 2, 4) in order, then the two rows, feed nn.Linear(8, 6), ReLU,
nn.Linear(6, 3); the loss is nn.CrossEntropyLoss (mean) plus
0.5·reg·Σw² over the tables and the Linear weights (not the biases), as
nnfc's L2 term. Recorded: the initial tensors (nnfc's names), three
batches of 7 rows (indices repeated within a batch), the loss and every
gradient on the first batch, and every tensor after three steps (one per
batch) of SGD, SGD with momentum 0.9 and Adam (betas 0.9, 0.999, eps
1e-8).
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(23)
REG = 0.1
DENSE, IDX = [0, 2, 4], [(1, 4, 3), (3, 3, 2)]  # (column, vocab, dim)

init = {
    "embed.0.weight": torch.randn(4, 3, generator=g),
    "embed.1.weight": torch.randn(3, 2, generator=g),
    "0.weight": torch.randn(6, 8, generator=g) * 0.5,
    "0.bias": torch.randn(6, generator=g) * 0.1 + 0.2,
    "2.weight": torch.randn(3, 6, generator=g) * 0.5,
    "2.bias": torch.randn(3, generator=g) * 0.1,
}
batches = []
for _ in range(3):
    x = torch.randn(7, 5, generator=g)
    for col, vocab, _ in IDX:
        x[:, col] = torch.randint(0, vocab, (7,), generator=g).double()
    y = torch.randint(0, 3, (7,), generator=g)
    batches.append((x, y))


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.ModuleList([torch.nn.Embedding(v, d) for _, v, d in IDX])
        self.mlp = torch.nn.Sequential(torch.nn.Linear(8, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
        with torch.no_grad():
            for k, e in enumerate(self.embed):
                e.weight.copy_(init[f"embed.{k}.weight"])
            for name in ["0.weight", "0.bias", "2.weight", "2.bias"]:
                dict(self.mlp.named_parameters())[name].copy_(init[name])

    def tensors(self):
        t = {f"embed.{k}.weight": e.weight for k, e in enumerate(self.embed)}
        t.update(dict(self.mlp.named_parameters()))
        return t

    def loss(self, x, y):
        rows = [x[:, DENSE]] + [e(x[:, col].long()) for e, (col, _, _) in zip(self.embed, IDX)]
        scores = self.mlp(torch.cat(rows, dim=1))
        l2 = sum((w * w).sum() for n, w in self.tensors().items() if not n.endswith("bias"))
        return torch.nn.functional.cross_entropy(scores, y) + 0.5 * REG * l2


def tolist(ts):
    return {n: t.detach().reshape(-1).tolist() for n, t in ts.items()}


net = Net()
loss = net.loss(*batches[0])
loss.backward()
out = {
    "reg": REG,
    "init": tolist(init),
    "batches": [{"x": x.reshape(-1).tolist(), "y": y.tolist()} for x, y in batches],
    "loss": loss.item(),
    "grad": {n: t.grad.reshape(-1).tolist() for n, t in net.tensors().items()},
    "steps": {},
}
for rule, lr in [("sgd", 0.1), ("momentum", 0.05), ("adam", 0.01)]:
    net = Net()
    ps = list(net.tensors().values())
    opt = {"sgd": lambda: torch.optim.SGD(ps, lr=lr),
           "momentum": lambda: torch.optim.SGD(ps, lr=lr, momentum=0.9),
           "adam": lambda: torch.optim.Adam(ps, lr=lr, betas=(0.9, 0.999), eps=1e-8)}[rule]()
    for x, y in batches:
        opt.zero_grad()
        net.loss(x, y).backward()
        opt.step()
    out["steps"][rule] = {"lr": lr, "tensors": tolist(net.tensors())}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pkg", "model", "testdata", "torch_embed.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"wrote {path}: loss {out['loss']:.12g}")
