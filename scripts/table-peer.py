#!/usr/bin/python3
"""table-peer.py CONFIG [--nnfc BIN] [--seeds 1,2,3]: nnfc beside scikit-learn
on the same table.

Reads an nnfc table config (data.source: table, e.g. configs/penguins.yaml):
its train and test files are the shared split (make data writes a fixed
stratified 20% test split), its target column and hidden sizes are the
peer's. For each seed it

  - runs `nnfc train --config CONFIG --seed S` and reads the test accuracy
    and the times from the run's results.json (train_seconds: the epoch
    loop; wall_seconds: the whole run, reading the CSV and fitting the
    schema included) and the process's wall time;
  - fits scikit-learn's MLPClassifier (Debian python3-sklearn) with the
    same hidden sizes, random_state S and otherwise its defaults (adam,
    lr 1e-3, batch min(200, n), L2 alpha 1e-4, up to max_iter=2000 epochs
    until the loss stops improving), behind the same preprocessing:
    numeric columns mean-imputed and standardized, string columns one-hot
    with missing cells as their own category and unseen values ignored,
    every statistic fitted on the training file; times the fit (the
    preprocessing included) and scores the test file.

and prints both test accuracies and training times side by side, then the
medians. Timings on a shared machine are noisy: compare them as ratios.

A config with model.task: regression (e.g. configs/diabetes.yaml) is
compared with MLPRegressor instead (same hidden sizes, random_state S,
otherwise its defaults, on the target in its own units as scikit-learn
takes it), and the figure is the test R² (sklearn's r2_score; nnfc's
results.json test metrics r2).

A config with model.task: multilabel (e.g. configs/digits-multilabel.yaml)
is compared with MLPClassifier on the label indicator matrix (sklearn's
multi-label mode: one logistic output per label, the same hidden sizes,
random_state S, otherwise its defaults): the labels are data.target's 0/1
columns, or one column of labels separated by ";" (sklearn's
MultiLabelBinarizer over the training rows' labels). The figures are the
test micro F1 (the first column), subset accuracy and Hamming loss
(sklearn's f1_score(average="micro"), accuracy_score, hamming_loss; nnfc's
results.json test metrics f1_micro, subset_accuracy, hamming_loss).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import yaml
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer, OneHotEncoder, StandardScaler

NA = ["", "NA", "NaN", "null", "?"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("--nnfc", default="bin/nnfc")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    a = ap.parse_args()
    cfg = yaml.safe_load(open(a.config))
    d = cfg["data"]
    if d.get("source") != "table" or not d.get("test"):
        sys.exit(f"{a.config}: expected data.source: table with data.train and data.test")
    hidden = tuple(cfg.get("model", {}).get("hidden", [100]))
    target = d["target"]
    train = pd.read_csv(d["train"], na_values=NA, keep_default_na=False)
    test = pd.read_csv(d["test"], na_values=NA, keep_default_na=False)
    regression = cfg.get("model", {}).get("task") == "regression"
    multilabel = cfg.get("model", {}).get("task") == "multilabel"
    if multilabel and isinstance(target, list):
        ytr, yte = train[target].to_numpy(int), test[target].to_numpy(int)
        for c in target:
            train.pop(c)
            test.pop(c)
    elif multilabel:
        sets = lambda col: [[l.strip() for l in str(v).split(";") if l.strip()] if pd.notna(v) else [] for v in col]
        mlb = MultiLabelBinarizer()
        ytr = mlb.fit_transform(sets(train.pop(target)))
        yte = mlb.transform(sets(test.pop(target)))
    else:
        train = train[train[target].notna()]
        test = test[test[target].notna()]
    if multilabel:
        pass
    elif regression:
        ytr, yte = train.pop(target).astype(float), test.pop(target).astype(float)
    else:
        ytr, yte = train.pop(target).astype(str), test.pop(target).astype(str)
    drop = [c for c, t in (d.get("types") or {}).items() if t == "ignore"]
    for c in drop + list(d.get("exclude") or []):
        train.pop(c)
        test.pop(c)
    cat = [c for c in train.columns if train[c].dtype == object]
    num = [c for c in train.columns if c not in cat]
    print(f"{a.config}: {len(train)} train, {len(test)} test rows; {len(num)} numeric, {len(cat)} string columns; hidden {list(hidden)}")
    if multilabel:
        print(f"test figure: micro F1 ({ytr.shape[1]} labels; then subset accuracy and Hamming loss, nnfc / sklearn)")
    elif regression:
        print("test figure: R² (sklearn's r2_score on the test file, in the target's units)")
    else:
        print("test figure: accuracy, %")
    print(f"{'seed':>4}  {'nnfc test':>9}  {'sklearn test':>12}  {'nnfc train s':>12}  {'nnfc run s':>10}  {'sklearn fit s':>13}  {'fit/train':>9}  {'fit/run':>7}")
    rows = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            r = subprocess.run([a.nnfc, "train", "--config", a.config, "--seed", str(seed), "--out", out, "--progress", "none"],
                               capture_output=True, text=True)
            proc = time.perf_counter() - t0
            if r.returncode != 0:
                sys.exit(f"nnfc train failed ({r.returncode}):\n{r.stderr}")
            res = json.load(open(os.path.join(out, "results.json")))
        pre = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), num),
            ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="<missing>"), OneHotEncoder(handle_unknown="ignore")), cat),
        ])
        mlp = MLPRegressor if regression else MLPClassifier
        clf = make_pipeline(pre, mlp(hidden_layer_sizes=hidden, max_iter=2000, random_state=seed))
        t0 = time.perf_counter()
        clf.fit(train, ytr)
        fit = time.perf_counter() - t0
        extra = ""
        if multilabel:
            pred = clf.predict(test)
            sk, nn = f1_score(yte, pred, average="micro"), res["test"]["metrics"]["f1_micro"]
            m = res["test"]["metrics"]
            extra = (f"; subset accuracy {m['subset_accuracy']:.4f} / {accuracy_score(yte, pred):.4f},"
                     f" Hamming loss {m['hamming_loss']:.4f} / {hamming_loss(yte, pred):.4f}")
        elif regression:
            sk, nn = r2_score(yte, clf.predict(test)), res["test"]["metrics"]["r2"]
        else:
            sk, nn = float(np.mean(clf.predict(test) == yte)), res["test"]["accuracy"]
        rows.append((nn, sk, res["train_seconds"], res["wall_seconds"], fit))
        pct = 1 if regression or multilabel else 100
        print(f"{seed:>4}  {pct*nn:>9.4g}  {pct*sk:>12.4g}  {res['train_seconds']:>12.4f}  {res['wall_seconds']:>10.4f}  {fit:>13.4f}  {fit/res['train_seconds']:>8.0f}x  {fit/res['wall_seconds']:>6.1f}x"
              f"   (nnfc process {proc:.3f} s; sklearn {clf[-1].n_iter_} epochs{extra})")
    med = [statistics.median(c) for c in zip(*rows)]
    pct = 1 if regression or multilabel else 100
    print(f"{'med':>4}  {pct*med[0]:>9.4g}  {pct*med[1]:>12.4g}  {med[2]:>12.4f}  {med[3]:>10.4f}  {med[4]:>13.4f}  {med[4]/med[2]:>8.0f}x  {med[4]/med[3]:>6.1f}x")
    print("fit/train: scikit-learn's fit (preprocessing included) over nnfc's training loop (train_seconds);")
    print("fit/run: over nnfc's whole run (wall_seconds: reading the CSV, fitting the schema, training, test evaluation, writing the run)")


if __name__ == "__main__":
    main()
