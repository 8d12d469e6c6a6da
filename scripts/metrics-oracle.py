#!/usr/bin/python3
"""metrics-oracle.py [OUT]: the expected values of pkg/metrics' tests, from
scikit-learn (Debian python3-sklearn) and, for the expected calibration
error that sklearn lacks, numpy.

Writes OUT (default pkg/metrics/testdata/oracle.json): fixed inputs (score
vectors with ties, sample weights with a zero among them, degenerate cases:
one class present, all scores equal, a class absent) and sklearn's figures
for them. The Go tests read both and agree to 1e-12. Run it once; the
output is committed, so the tests need neither Python nor sklearn. NaN is
written as null (sklearn raises or returns nan there).
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics as skm

warnings.simplefilter("ignore")
rng = np.random.default_rng(24)


def nan_none(x):
    if isinstance(x, (list, tuple, np.ndarray)):
        return [nan_none(v) for v in x]
    x = float(x)
    return None if np.isnan(x) else x


def try_(f):
    try:
        return f()
    except ValueError:
        return float("nan")


def binary_case(name, y, s, w=None):
    y, s = np.asarray(y, dtype=bool), np.asarray(s, dtype=float)
    c = {"name": name, "pos": y.tolist(), "score": s.tolist(), "weight": None if w is None else list(map(float, w))}
    c["roc_auc"] = nan_none(try_(lambda: skm.roc_auc_score(y, s, sample_weight=w)))
    c["average_precision"] = nan_none(skm.average_precision_score(y, s, sample_weight=w))
    if 0 < y.sum() < len(y):
        fpr, tpr, thr = skm.roc_curve(y, s, sample_weight=w)
        c["roc"] = {"fpr": nan_none(fpr), "tpr": nan_none(tpr), "threshold": nan_none(thr[1:])}  # thr[0] is max+1 in sklearn 1.2; nnfc: +Inf
    p, r, thr = skm.precision_recall_curve(y, s, sample_weight=w)
    c["pr"] = {"precision": nan_none(p), "recall": nan_none(r), "threshold": nan_none(thr)}
    if ((s >= 0) & (s <= 1)).all():
        c["log_loss"] = nan_none(skm.log_loss(y, s, sample_weight=w, labels=[False, True]))
    return c


def ece(conf, correct, w, bins):
    """Equal-width bins over (lo, hi], bin 0 also holding 0; numpy only."""
    w = np.ones_like(conf) if w is None else np.asarray(w, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    out, total = [], w.sum()
    e = 0.0
    for b in range(bins):
        lo, hi = edges[b], edges[b + 1]
        m = (conf > lo) & (conf <= hi)
        if b == 0:
            m |= conf == lo
        wb = w[m].sum()
        acc = np.sum(w[m] * correct[m]) / wb if wb > 0 else 0.0
        cf = np.sum(w[m] * conf[m]) / wb if wb > 0 else 0.0
        out.append({"lo": lo, "hi": hi, "weight": wb, "confidence": cf, "accuracy": acc})
        e += wb / total * abs(acc - cf)
    return out, e


def classes_case(name, k, y, p, w=None):
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    pred = p.argmax(axis=1)
    c = {"name": name, "k": k, "y": y.tolist(), "p": p.ravel().tolist(), "weight": None if w is None else list(map(float, w))}
    c["accuracy"] = skm.accuracy_score(y, pred, sample_weight=w)
    P, R, F, S = skm.precision_recall_fscore_support(y, pred, labels=list(range(k)), sample_weight=w, zero_division=0)
    c["per_class"] = {"precision": P.tolist(), "recall": R.tolist(), "f1": F.tolist(), "support": S.astype(float).tolist()}
    for avg in ("macro", "weighted"):
        P, R, F, _ = skm.precision_recall_fscore_support(y, pred, average=avg, sample_weight=w, zero_division=0)
        c[avg] = {"precision": P, "recall": R, "f1": F}
    c["log_loss"] = skm.log_loss(y, p, sample_weight=w, labels=list(range(k)))
    present = [j for j in range(k) if (y == j).any() and (y != j).any()]
    if k == 2:  # sklearn's binary case: the positive class's column; the one-vs-rest mean equals it
        c["roc_auc_ovr"] = skm.roc_auc_score(y, p[:, 1], sample_weight=w)
    elif len(present) == k:
        c["roc_auc_ovr"] = skm.roc_auc_score(y, p, multi_class="ovr", average="macro", sample_weight=w, labels=list(range(k)))
    else:  # sklearn raises for a class without positives: the mean over the others
        c["roc_auc_ovr"] = float(np.mean([skm.roc_auc_score(y == j, p[:, j], sample_weight=w) for j in present]))
    # average_precision_score has no multi-class mode in sklearn 1.2: the
    # one-vs-rest macro mean, over the classes with a positive row.
    c["pr_auc_ovr"] = float(np.mean([skm.average_precision_score(y == j, p[:, j], sample_weight=w) for j in range(k) if (y == j).any()]))
    conf = p.max(axis=1)
    for bins in (15, 10):
        bs, e = ece(conf, pred == y, w, bins)
        c[f"ece{bins}"] = e
        c[f"bins{bins}"] = bs
    return c


def regression_case(name, k, y, p, w=None):
    y, p = np.asarray(y, dtype=float).reshape(-1, k), np.asarray(p, dtype=float).reshape(-1, k)
    c = {"name": name, "k": k, "y": y.ravel().tolist(), "pred": p.ravel().tolist(), "weight": None if w is None else list(map(float, w))}
    c["rmse"] = nan_none(skm.mean_squared_error(y, p, sample_weight=w, multioutput="raw_values", squared=False))
    c["mae"] = nan_none(skm.mean_absolute_error(y, p, sample_weight=w, multioutput="raw_values"))
    c["r2"] = nan_none(np.atleast_1d(skm.r2_score(y, p, sample_weight=w, multioutput="raw_values")))  # nan, not an array, below two rows
    return c


def multilabel_case(name, y, p, t, w=None):
    """An indicator matrix y (n×k), probabilities p, thresholds t per label."""
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    k = y.shape[1]
    pred = (p >= np.asarray(t)).astype(int)
    c = {"name": name, "k": k, "y": y.ravel().tolist(), "p": p.ravel().tolist(), "threshold": list(map(float, t)),
         "weight": None if w is None else list(map(float, w))}
    P, R, F, S = skm.precision_recall_fscore_support(y, pred, sample_weight=w, zero_division=0)
    c["per_label"] = {"precision": P.tolist(), "recall": R.tolist(), "f1": F.tolist(), "support": S.astype(float).tolist()}
    for avg in ("micro", "macro", "weighted"):
        P, R, F, _ = skm.precision_recall_fscore_support(y, pred, average=avg, sample_weight=w, zero_division=0)
        c[avg] = {"precision": P, "recall": R, "f1": F}
    c["subset_accuracy"] = skm.accuracy_score(y, pred, sample_weight=w)
    c["hamming_loss"] = skm.hamming_loss(y, pred, sample_weight=w)
    # Per label, where defined: roc_auc_score raises for a label with one
    # class only; average precision needs a positive row.
    c["roc_auc"] = [nan_none(try_(lambda: skm.roc_auc_score(y[:, j], p[:, j], sample_weight=w))) for j in range(k)]
    c["pr_auc"] = [nan_none(skm.average_precision_score(y[:, j], p[:, j], sample_weight=w)) if y[:, j].any() else None for j in range(k)]
    both = [j for j in range(k) if 0 < y[:, j].sum() < len(y)]
    if len(both) == k:  # sklearn's own macro means, on labels where every one is defined
        c["roc_auc_macro"] = skm.roc_auc_score(y, p, average="macro", sample_weight=w)
        c["pr_auc_macro"] = skm.average_precision_score(y, p, average="macro", sample_weight=w)
    # The mean of the labels' binary log losses (the BCE the model trains on).
    c["log_loss"] = float(np.mean([skm.log_loss(y[:, j], p[:, j], sample_weight=w, labels=[0, 1]) for j in range(k)]))
    return c


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "pkg/metrics/testdata/oracle.json"
    binary = []
    # Scores on a coarse grid: many ties, across both classes.
    n = 40
    y = rng.random(n) < 0.4
    s = np.round(np.clip(0.5 + 0.35 * (y - 0.5) + 0.25 * rng.standard_normal(n), 0, 1), 1)
    w = np.round(rng.uniform(0.1, 3, n), 3)
    w[5] = 0  # a zero weight: sklearn drops the row from the curves
    binary.append(binary_case("ties", y, s))
    binary.append(binary_case("ties weighted", y, s, w))
    binary.append(binary_case("distinct", y, s + 1e-3 * rng.random(n)))
    binary.append(binary_case("all scores equal", y, np.full(n, 0.3)))
    binary.append(binary_case("all scores equal weighted", y, np.full(n, 0.3), w))
    binary.append(binary_case("only positives", np.ones(8, bool), np.linspace(0.1, 0.8, 8)))
    binary.append(binary_case("only negatives", np.zeros(8, bool), np.linspace(0.1, 0.8, 8)))
    binary.append(binary_case("perfect with a tie across classes", [0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.5, 0.5, 0.8, 0.9]))
    binary.append(binary_case("probabilities 0 and 1 (log loss clips)", [0, 1, 1, 0, 1], [0.0, 1.0, 0.0, 0.25, 0.75]))

    classes = []
    k, n = 4, 60
    y = rng.integers(0, k, n)
    # Logits from a small integer set: identical rows, so tied scores.
    z = rng.integers(-2, 3, (n, k)).astype(float)
    z[np.arange(n), y] += rng.integers(0, 3, n)
    p = softmax(z)
    cw = np.round(rng.uniform(0.2, 2, n), 3)
    classes.append(classes_case("4 classes, tied scores", k, y, p))
    classes.append(classes_case("4 classes, tied scores, weighted", k, y, p, cw))
    y3 = np.where(y == 3, 0, y)  # class 3 never occurs among the labels
    classes.append(classes_case("class 3 absent from the labels", k, y3, p))
    p2 = p.copy()
    p2[:5] = np.eye(k)[y[:5]]  # probability exactly 1 (and 0): log loss clips
    p2[5] = np.eye(k)[(y[5] + 1) % k]  # sure and wrong
    classes.append(classes_case("certain rows, right and wrong", k, y, p2))
    yb = rng.integers(0, 2, 30)
    pb = softmax(rng.integers(-1, 2, (30, 2)).astype(float))
    classes.append(classes_case("2 classes", 2, yb, pb))

    regression = []
    n, k = 25, 2
    y = rng.normal(size=(n, k)) * [3, 0.5] + [10, -1]
    p = y + rng.normal(size=(n, k)) * [1, 0.4]
    rw = np.round(rng.uniform(0, 2, n), 3)
    regression.append(regression_case("2 targets", k, y, p))
    regression.append(regression_case("2 targets weighted", k, y, p, rw))
    yc = np.full((6, 1), 2.5)
    regression.append(regression_case("constant target predicted exactly", 1, yc, yc))
    regression.append(regression_case("constant target predicted wrong", 1, yc, yc + np.arange(6).reshape(-1, 1)))
    regression.append(regression_case("one row", 1, [[1.0]], [[2.0]]))

    multilabel = []
    n, k = 50, 4
    z = rng.normal(size=(n, k))
    y = (z + rng.normal(size=(n, k)) > 0.3).astype(int)
    p = np.round(1 / (1 + np.exp(-1.5 * z)), 1)  # rounded: ties within labels
    mw = np.round(rng.uniform(0, 2, n), 3)
    mw[3] = 0
    multilabel.append(multilabel_case("4 labels, tied probabilities", y, p, [0.5] * k))
    multilabel.append(multilabel_case("4 labels, weighted, per-label thresholds", y, p, [0.5, 0.3, 0.7, 0.2], mw))
    y2 = y.copy()
    y2[:, 2] = 0  # a label no row has: its precision, recall, F1 are 0, its AUCs undefined
    y2[:, 3] = 1  # a label every row has: its ROC-AUC is undefined
    multilabel.append(multilabel_case("a label never set, a label always set", y2, p, [0.5] * k))
    multilabel.append(multilabel_case("probabilities 0 and 1", [[1, 0], [0, 1], [1, 1], [0, 0]], [[1.0, 0.0], [0.0, 0.9], [0.6, 1.0], [0.4, 0.1]], [0.5, 0.5]))

    doc = {"generator": "scripts/metrics-oracle.py", "sklearn": sklearn.__version__, "numpy": np.__version__,
           "binary": binary, "classes": classes, "regression": regression, "multilabel": multilabel}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
