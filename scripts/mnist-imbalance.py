#!/usr/bin/env python3
"""Writes an imbalanced binary MNIST for nnfc's class-weight target (issue
24): every image of the digits other than POSITIVE, labelled 0, and a fixed
random subset of the POSITIVE images, labelled 1, so that they are SHARE of
the rows (5%: 95/5), for the training and the test split alike, as NumPy
.npz files (train.npz and test.npz, each with x: N×784 uint8 pixels and y:
N uint8 labels): data.source npz (and nnfc eval --data) reads them as two
classes, and model.task binary trains "9 against the rest" on them (class
1 is the digit).

    python3 scripts/mnist-imbalance.py [--src data/mnist] [--out data/mnist-9v-rest]
                                       [--positive 9] [--share 0.05] [--seed 24]

Only the standard library: the rows kept are drawn with random.Random(seed),
so the same arguments give the same files. Prints the counts it wrote.
"""
import argparse
import gzip
import os
import random
import struct
import zipfile


def read_idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        b = f.read()
    magic, n = struct.unpack(">II", b[:8])
    dims = (magic & 0xFF) - 1
    shape = struct.unpack(">" + "I" * dims, b[8 : 8 + 4 * dims])
    head = 8 + 4 * dims
    size = 1
    for d in shape:
        size *= d
    return b[:head], n, size, b[head:]


def find(src, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(src, name)
        if os.path.exists(p):
            return p
    raise SystemExit(f"{src}: no {stem}[.gz] (run make data)")


def npy(shape, rows, size, body):
    """A NumPy format 1.0 array of uint8 values, C order."""
    h = "{'descr': '|u1', 'fortran_order': False, 'shape': (%s), }" % (", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else ""))
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    out = [b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin1")]
    out += [body[i * size : (i + 1) * size] for i in rows]
    return b"".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default="data/mnist")
    ap.add_argument("--out", default="data/mnist-9v-rest")
    ap.add_argument("--positive", type=int, default=9)
    ap.add_argument("--share", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=24)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    for split in ("train", "t10k"):
        ih, n, isize, ibody = read_idx(find(a.src, f"{split}-images-idx3-ubyte"))
        lh, nl, _, lbody = read_idx(find(a.src, f"{split}-labels-idx1-ubyte"))
        assert n == nl, (n, nl)
        pos = [i for i in range(n) if lbody[i] == a.positive]
        rest = [i for i in range(n) if lbody[i] != a.positive]
        k = round(a.share / (1 - a.share) * len(rest))
        keep = sorted(rest + rng.sample(pos, k))
        name = "train" if split == "train" else "test"
        binary = bytes(1 if v == a.positive else 0 for v in lbody)
        with zipfile.ZipFile(os.path.join(a.out, f"{name}.npz"), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("x.npy", npy((len(keep), isize), keep, isize, ibody))
            z.writestr("y.npy", npy((len(keep),), keep, 1, binary))
        print(f"{a.out}/{split}: {len(keep)} rows, {k} of digit {a.positive} ({100 * k / len(keep):.2f}%), {len(rest)} others")


if __name__ == "__main__":
    main()
