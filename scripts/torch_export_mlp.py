"""Write the PyTorch-exported MLPs that nnfc import's tests read.

    /usr/bin/python3 scripts/torch_export_mlp.py testdata/onnx

For each activation, nn.Sequential(Linear(6, 8), act, Linear(8, 5), act,
Linear(5, 3)) with seeded weights, exported by torch.onnx.export (opset 13,
dynamic batch), as NAME.onnx, and NAME.json with 16 input rows and PyTorch's
outputs on them. Also gelu.onnx (GELU exports as Div/Erf/...: nnfc import
must refuse it naming the node) and relu64.onnx (float64 weights).
Needs Debian's python3-torch (1.13).
"""
import json
import os
import sys

import torch
import torch.nn as nn

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
acts = {
    "relu": lambda: nn.ReLU(),
    "silu": lambda: nn.SiLU(),
    "tanh": lambda: nn.Tanh(),
    "sigmoid": lambda: nn.Sigmoid(),
    "leaky": lambda: nn.LeakyReLU(0.1),
    "gelu": lambda: nn.GELU(),
    "relu64": lambda: nn.ReLU(),
}
for i, (name, act) in enumerate(acts.items()):
    torch.manual_seed(i)
    net = nn.Sequential(nn.Linear(6, 8), act(), nn.Linear(8, 5), act(), nn.Linear(5, 3)).eval()
    x = torch.randn(16, 6)
    if name.endswith("64"):
        net, x = net.double(), x.double()
    with torch.no_grad():
        y = net(x)
    path = os.path.join(out, name + ".onnx")
    torch.onnx.export(net, x, path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=13)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump({"torch": torch.__version__, "rows": 16, "x": x.flatten().tolist(),
                   "logits": y.flatten().tolist()}, f)
    print(path)
