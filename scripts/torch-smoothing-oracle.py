#!/usr/bin/python3
"""PyTorch oracle of nnfc's label smoothing (issue 26 item 4): writes
pkg/layers/testdata/torch_smoothing.json, which pkg/layers' tests read.

Run once with Debian's python3-torch (/usr/bin/python3; the file is
committed, CI does not need torch):

    /usr/bin/python3 scripts/torch-smoothing-oracle.py

Each case is a batch of float64 scores (N x C), labels y and a smoothing
eps, with:
  - loss: nn.CrossEntropyLoss(label_smoothing=eps)(scores, y), in float64
    (the mean over the batch of -sum_j q_ij log p_ij, where
    q = (1 - eps) onehot(y) + eps/C);
  - dscores: its gradient w.r.t. the scores (autograd).
Scores include rows with large spreads (up to +-300), where a naive
log(softmax) underflows to -inf.
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(26)
cases = []
for name, n, c, eps, scale in [
    ("8x7 eps 0.1", 8, 7, 0.1, 1.0),
    ("5x3 eps 0.3", 5, 3, 0.3, 2.0),
    ("6x10 eps 0.05", 6, 10, 0.05, 1.0),
    ("4x4 eps 1", 4, 4, 1.0, 1.0),
    ("3x5 eps 0.1 extreme", 3, 5, 0.1, 150.0),
    ("4x6 eps 0", 4, 6, 0.0, 1.0),
]:
    s = (torch.randn(n, c, generator=g) * scale).requires_grad_(True)
    y = torch.randint(0, c, (n,), generator=g)
    loss = torch.nn.CrossEntropyLoss(label_smoothing=eps)(s, y)
    loss.backward()
    cases.append({"name": name, "eps": eps, "scores": s.detach().tolist(), "class": y.tolist(),
                  "loss": loss.item(), "dscores": s.grad.tolist()})
out = os.path.join(os.path.dirname(__file__), "..", "pkg", "layers", "testdata", "torch_smoothing.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
print("wrote", out, len(cases), "cases")
