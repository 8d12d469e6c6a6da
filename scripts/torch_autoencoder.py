#!/usr/bin/python3
"""Load an nnfc tied-weight autoencoder (model.kind autoencoder) into PyTorch
and measure its reconstruction MSE on the MNIST test set, to show that W is a
plain tensor a PyTorch user can load:

    /usr/bin/python3 scripts/torch_autoencoder.py runs/mnist-autoencoder/model.safetensors data/mnist

encoder = nn.Linear(d, m, bias=False) with weight encoder.weight (m×d); the
decoder is its transpose. Prints the MSE per pixel, which nnfc eval reports too.
"""
import json
import os
import sys

import numpy as np
import torch

from torch_load import ACTS, load_idx, read_safetensors


def main():
    model_path, mnist_dir = sys.argv[1], sys.argv[2]
    state, meta = read_safetensors(model_path)
    spec = json.loads(meta["nnfc.spec"])
    if spec.get("kind") != "autoencoder":
        sys.exit(f"{model_path}: not an autoencoder (kind {spec.get('kind')!r})")
    w = state["encoder.weight"]  # m × d
    m, d = w.shape
    enc = torch.nn.Linear(d, m, bias=False)
    enc.load_state_dict({"weight": w})
    f = spec["activations"][0]
    act = torch.nn.Identity() if f == "identity" else ACTS[f]()
    x = load_idx(os.path.join(mnist_dir, "t10k-images-idx3-ubyte.gz")).reshape(-1, d).astype(np.float32)
    norm = json.loads(meta["nnfc.normalizer"])
    x = (x - np.array(norm["shift"], dtype=np.float32)) * np.array(norm["scale"], dtype=np.float32)
    x = torch.from_numpy(x)
    with torch.no_grad():
        r = act(act(enc(x)) @ enc.weight)  # f(Wᵀ f(Wx)) for each row x
    print(f"{model_path}: {d}-{m}({f}) tied autoencoder, PyTorch {torch.__version__}: "
          f"test reconstruction MSE {((r - x) ** 2).mean().item():.6f} per pixel ({x.shape[0]} images)")


if __name__ == "__main__":
    main()
