#!/usr/bin/python3
"""diabetes-select.py [--nnfc BIN] [--out DIR]: pick configs/diabetes.yaml's
settings by 5-fold cross-validation on the training file only.

The fixed 20% test split (data/tables/diabetes-test.csv, make data) is never
read here. The training file's rows (data/tables/diabetes-train.csv, 354
rows) are dealt into 5 folds by a fixed permutation (numpy seed 0); for each
setting of the grid below and each fold, `nnfc train` trains on the other 4
folds (no validation split, a fixed number of epochs, as the config does)
and scores the held-out fold (results.json test.metrics.r2, the fold given
as data.test). A setting's score is its mean R² over the 5 folds and seeds
1 and 2. The hidden sizes stay [32], the peer's (MLPRegressor((32,))).

Prints the ten best settings with their mean and spread, and writes every
score to DIR/scores.jsonl. Then set configs/diabetes.yaml to the best and
measure the test split once: scripts/table-peer.py configs/diabetes.yaml.
"""
import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys

import numpy as np

GRID = {
    "activation": ["relu", "tanh"],
    "reg": [0.0, 0.01, 0.03, 0.1, 0.3, 1.0],
    "lr": [0.001, 0.003, 0.01],
    "batch_size": [16, 32, 64],
    "epochs": [20, 40, 60, 100, 150, 250],
}
SEEDS = [1, 2]
FOLDS = 5

CONFIG = """seed: {seed}
precision: float64
data:
  source: table
  train: {train}
  test: {test}
  target: progression
  val_fraction: 0
model:
  task: regression
  hidden: [32]
  activation: {activation}
  loss: mse
  reg: {reg}
optimizer:
  rule: adam
  lr: {lr}
train:
  epochs: {epochs}
  batch_size: {batch_size}
  out_dir: {out}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nnfc", default="bin/nnfc")
    ap.add_argument("--train", default="data/tables/diabetes-train.csv")
    ap.add_argument("--out", default="/tmp/diabetes-select")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    lines = open(a.train).read().splitlines()
    head, rows = lines[0], lines[1:]
    perm = np.random.default_rng(0).permutation(len(rows))
    folds = [sorted(perm[f::FOLDS]) for f in range(FOLDS)]
    files = []
    for f, held in enumerate(folds):
        held = set(held)
        tr = os.path.join(a.out, f"fold{f}-train.csv")
        va = os.path.join(a.out, f"fold{f}-val.csv")
        with open(tr, "w") as t, open(va, "w") as v:
            t.write(head + "\n")
            v.write(head + "\n")
            for i, r in enumerate(rows):
                (v if i in held else t).write(r + "\n")
        files.append((tr, va))
    keys = list(GRID)
    scores = []
    out = open(os.path.join(a.out, "scores.jsonl"), "w")
    cfg = os.path.join(a.out, "run.yaml")
    run = os.path.join(a.out, "run")
    for values in itertools.product(*GRID.values()):
        s = dict(zip(keys, values))
        r2 = []
        for seed in SEEDS:
            for tr, va in files:
                open(cfg, "w").write(CONFIG.format(seed=seed, train=tr, test=va, out=run, **s))
                subprocess.run([a.nnfc, "train", "--config", cfg, "--force", "--progress", "none"],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                res = json.load(open(os.path.join(run, "results.json")))
                r2.append(res["test"]["metrics"]["r2"])
        rec = dict(s, cv_r2=statistics.mean(r2), cv_sd=statistics.stdev(r2), n=len(r2))
        scores.append(rec)
        out.write(json.dumps(rec) + "\n")
        out.flush()
    scores.sort(key=lambda r: -r["cv_r2"])
    print(f"{len(scores)} settings × {FOLDS} folds × seeds {SEEDS}; best by mean cross-validated R²:")
    for r in scores[:10]:
        print(f"  R² {r['cv_r2']:.4f} (sd {r['cv_sd']:.4f})  " + ", ".join(f"{k} {r[k]}" for k in keys))
    base = next(r for r in scores if r["activation"] == "relu" and r["reg"] == 0.1 and r["lr"] == 0.001
                and r["batch_size"] == 16 and r["epochs"] == 60)
    print(f"the previous settings (relu, reg 0.1, lr 0.001, batch 16, 60 epochs): R² {base['cv_r2']:.4f}, rank {scores.index(base) + 1}")


if __name__ == "__main__":
    sys.exit(main())
