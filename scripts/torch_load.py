#!/usr/bin/python3
"""Load an nnfc model file into a PyTorch nn.Sequential with load_state_dict
and evaluate it on the MNIST test set, to show the file is a plain state_dict.

    /usr/bin/python3 scripts/torch_load.py runs/mnist-swish/model.safetensors data/mnist

Reads the safetensors container with the standard library and numpy (Debian's
python3-torch 1.13 has no safetensors package): 8-byte little-endian header
length, a JSON header, then the raw little-endian tensors.
"""
import gzip
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64}
ACTS = {"relu": torch.nn.ReLU, "swish": torch.nn.SiLU, "sigmoid": torch.nn.Sigmoid,
        "tanh": torch.nn.Tanh, "leaky_relu": torch.nn.LeakyReLU}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        lo, hi = info["data_offsets"]
        arr = np.frombuffer(raw[base + lo:base + hi], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    model_path, mnist_dir = sys.argv[1], sys.argv[2]
    state, meta = read_safetensors(model_path)
    spec = json.loads(meta["nnfc.spec"])
    norm = json.loads(meta["nnfc.normalizer"]) if "nnfc.normalizer" in meta else None
    dims = [spec["input_dim"]] + spec["hidden"] + [spec["classes"]]
    layers = []
    for i in range(len(dims) - 1):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1]))
        if i < len(spec["hidden"]):
            if spec.get("batchnorm"):
                layers.append(torch.nn.BatchNorm1d(dims[i + 1]))
            act = spec["activations"][i]
            layers.append(ACTS[act](spec.get("leaky_alpha", 0.01)) if act == "leaky_relu" else ACTS[act]())
            if spec.get("dropout", 0) > 0:
                layers.append(torch.nn.Dropout(spec["dropout"]))
    net = torch.nn.Sequential(*layers)
    net.eval()  # dropout off, batchnorm on its running statistics
    dtype = next(iter(state.values())).dtype
    net = net.to(dtype)
    # strict: every key and shape must match. BatchNorm1d's num_batches_tracked
    # is not in the file (safetensors F32/F64 only); PyTorch fills it in for
    # a state_dict without version metadata.
    net.load_state_dict(state)
    x = load_idx(f"{mnist_dir}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float64)
    y = load_idx(f"{mnist_dir}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    if norm is not None:
        x = (x - np.array(norm["shift"])) * np.array(norm["scale"])
    with torch.no_grad():
        pred = net(torch.from_numpy(x).to(dtype)).argmax(1).numpy()
    print(f"PyTorch {torch.__version__}: load_state_dict({model_path}) ok: {net}")
    print(f"test accuracy {100 * (pred == y).mean():.2f}% ({len(y)} samples)")


if __name__ == "__main__":
    main()
