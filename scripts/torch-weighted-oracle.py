#!/usr/bin/python3
"""PyTorch oracle of nnfc's weighted losses (issue 24): writes
pkg/layers/testdata/torch_weighted.json, which pkg/layers' tests read.

Run once with Debian's python3-torch (/usr/bin/python3; the file is
committed, CI does not need torch):

    /usr/bin/python3 scripts/torch-weighted-oracle.py

Each case is a float64 network Linear(D,H) -> ReLU -> Linear(H,K) (the
state_dict names nnfc uses: 0.weight, 0.bias, 2.weight, 2.bias) with fixed
random weights, a batch x, its targets and weights, and:
  - loss: the loss of the batch, in float64;
  - after: every parameter after one torch.optim.SGD(lr) step on it;
  - dscores: the gradient of the loss w.r.t. the network's output.
Losses, as PyTorch defines them:
  - softmax with class weights only: nn.CrossEntropyLoss(weight=w), its own
    reduction='mean' (sum of w[y_i]*l_i over sum of w[y_i]);
  - softmax with sample weights s too: reduction='none', then
    sum(s*w[y]*l) / sum(s*w[y]) (nnfc's definition: the sample weight
    multiplies the class weight; PyTorch's own normalisation by the sum of
    the weights);
  - bce (binary, K=1; multilabel, K>1): nn.BCEWithLogitsLoss(pos_weight=p),
    reduction='mean' without weights; with weights c_i (sample times class)
    reduction='none', then sum(c_i * l_ij) / (K * sum(c_i)).
A last group checks the loss and its gradient directly on extreme logits
(|z| up to 800), where a naive log(sigmoid) overflows.
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(24)


def randn(*shape):
    return torch.randn(*shape, generator=g)


def net_case(name, loss_kind, n, d, h, k, classes=None, class_weight=None, sample_weight=False, pos_weight=1.0, lr=0.1):
    x = randn(n, d)
    l0, l2 = torch.nn.Linear(d, h), torch.nn.Linear(h, k)
    with torch.no_grad():
        for p in (l0.weight, l0.bias, l2.weight, l2.bias):
            p.copy_(randn(*p.shape) * 0.7)
    init = {"0.weight": l0.weight.tolist(), "0.bias": l0.bias.tolist(), "2.weight": l2.weight.tolist(), "2.bias": l2.bias.tolist()}
    case = {"name": name, "loss": loss_kind, "lr": lr, "x": x.tolist(), "init": init, "pos_weight": pos_weight}
    s = None
    if sample_weight:
        s = torch.rand(n, generator=g) * 2  # in [0, 2)
        s[0] = 0.0  # a row that does not count
        case["weight"] = s.tolist()
    if class_weight is not None:
        case["class_weight"] = class_weight
    out = l2(torch.relu(l0(x)))
    out.retain_grad()
    if loss_kind == "softmax":
        y = torch.randint(0, k, (n,), generator=g)
        case["class"] = y.tolist()
        w = torch.tensor(class_weight) if class_weight is not None else None
        if s is None:
            loss = torch.nn.CrossEntropyLoss(weight=w)(out, y)
        else:
            per = torch.nn.CrossEntropyLoss(reduction="none")(out, y)
            c = s * (w[y] if w is not None else 1.0)
            loss = (c * per).sum() / c.sum()
    else:
        crit = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))
        if k == 1:
            y = torch.randint(0, 2, (n,), generator=g)
            case["class"] = y.tolist()
            t = y.double().unsqueeze(1)
        else:
            t = torch.randint(0, 2, (n, k), generator=g).double()
            case["value"] = t.tolist()
        if s is None and class_weight is None:
            loss = crit(out, t)
        else:
            per = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight), reduction="none")(out, t)
            c = torch.ones(n)
            if s is not None:
                c = c * s
            if class_weight is not None:
                c = c * torch.tensor(class_weight)[y]
            loss = (c.unsqueeze(1) * per).sum() / (k * c.sum())
    opt = torch.optim.SGD(list(l0.parameters()) + list(l2.parameters()), lr=lr)
    opt.zero_grad()
    loss.backward()
    case["dscores"] = out.grad.tolist()
    opt.step()
    case["want_loss"] = loss.item()
    case["after"] = {"0.weight": l0.weight.tolist(), "0.bias": l0.bias.tolist(), "2.weight": l2.weight.tolist(), "2.bias": l2.bias.tolist()}
    return case


def logit_case(name, z, y, pos_weight):
    z = torch.tensor(z, requires_grad=True)
    t = torch.tensor(y)
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))(z.unsqueeze(1), t.unsqueeze(1))
    loss.backward()
    return {"name": name, "loss": "bce", "logits": z.tolist(), "class": [int(v) for v in y], "pos_weight": pos_weight,
            "want_loss": loss.item(), "dscores": [[v] for v in z.grad.tolist()]}


cases = [
    net_case("softmax/class-weights", "softmax", 16, 5, 7, 4, class_weight=[0.5, 2.0, 1.0, 3.5]),
    net_case("softmax/class+sample-weights", "softmax", 16, 5, 7, 4, class_weight=[0.5, 2.0, 1.0, 3.5], sample_weight=True),
    net_case("softmax/sample-weights", "softmax", 16, 5, 7, 3, sample_weight=True),
    net_case("bce/binary", "bce", 16, 5, 7, 1),
    net_case("bce/binary/pos-weight", "bce", 16, 5, 7, 1, pos_weight=3.0),
    net_case("bce/binary/pos-weight+class+sample", "bce", 16, 5, 7, 1, pos_weight=2.5, class_weight=[0.6, 4.0], sample_weight=True),
    net_case("bce/multilabel/pos-weight", "bce", 16, 5, 7, 3, pos_weight=1.7),
    net_case("bce/multilabel/sample-weights", "bce", 16, 5, 7, 3, sample_weight=True),
    logit_case("bce/extreme-logits", [800.0, -800.0, 40.0, -40.0, 1e-3, 0.0, 36.5, -36.5], [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0], 1.0),
    logit_case("bce/extreme-logits/pos-weight", [800.0, -800.0, 40.0, -40.0, 1e-3, 0.0, 36.5, -36.5], [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0], 3.0),
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pkg", "layers", "testdata", "torch_weighted.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(out), len(cases), "cases, torch", torch.__version__)
