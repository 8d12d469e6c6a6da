#!/bin/bash
# lrfind-check: is nnfc lrfind's suggestion, used as is as one-cycle's peak
# rate, within 0.3 points of the best rate of a 7-point grid? (issue 26)
#
#   scripts/lrfind-check.sh              (make lrfind-check)
#
# For MNIST and Fashion-MNIST, a short affordable recipe (EPOCHS epochs of
# 784-HIDDEN-10 ReLU, Nesterov momentum 0.9 with one-cycle, batch 256, 5,000
# validation images; smaller and shorter than the shipped recipes, so that
# the 14 runs fit in minutes): nnfc lrfind suggests a rate (valley, its
# default rule); the grid is that rate times 2^k, k = -3..3 (so the
# suggestion itself is the middle point), run as one nnfc sweep (local
# executor, PARALLEL trials of 1 BLAS thread each); one more run at the
# rate of lrfind's other rule (steepest) is printed beside the grid, as a
# hint, not part of it. The figure compared is
# the best validation accuracy of each run (the model the run keeps); the
# test accuracy of the same model is printed beside it. This is a check to
# read, not a test: it exits 0 whatever the gap.
#
# Environment: EPOCHS (3), HIDDEN (256), PARALLEL (2), BIN (bin/nnfc),
# OUT (runs/lrfind-check; replaced), DATASETS ("mnist fashion-mnist").
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-3}
HIDDEN=${HIDDEN:-256}
PARALLEL=${PARALLEL:-2}
BIN=${BIN:-bin/nnfc}
OUT=${OUT:-runs/lrfind-check}
DATASETS=${DATASETS:-mnist fashion-mnist}
PY=${PY:-/usr/bin/python3}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} # see scripts/speedrun.sh
[ -x "$BIN" ] || { echo "lrfind-check: $BIN: not built (make build)" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
echo "lrfind-check: $EPOCHS epochs of 784-$HIDDEN-10 ReLU, nesterov + onecycle, batch 256; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

for ds in $DATASETS; do
	dir=$(cd "$OUT" && pwd)/$ds
	mkdir -p "$dir"
	cat >"$dir/run.yaml" <<EOF
seed: 1
data:
  source: $ds
  dir: data/$ds
  val_count: 5000
  normalize: scale
model:
  hidden: [$HIDDEN]
  activation: relu
  init: he
optimizer:
  rule: nesterov
  lr: 0.1
  momentum: 0.9
schedule:
  kind: onecycle
train:
  epochs: $EPOCHS
  batch_size: 256
  out_dir: $dir/run
EOF
	"$BIN" --threads 1 lrfind --config "$dir/run.yaml" --out "$dir/lrfind" >"$dir/lrfind.log" 2>&1 || { cat "$dir/lrfind.log" >&2; exit 1; }
	lr=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["suggested_lr"])' "$dir/lrfind/lrfind.json")
	steep=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["steepest_lr"])' "$dir/lrfind/lrfind.json")
	grid=$("$PY" -c 'import sys; s=float(sys.argv[1]); print(", ".join("%.4g" % (s * 2**k) for k in range(-3, 4)))' "$lr")
	cat >"$dir/grid.yaml" <<EOF
name: lrfind-check-$ds
base: run.yaml
space:
  optimizer.lr: [$grid]
EOF
	echo "$ds: lrfind suggests $lr (valley); grid [$grid]; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	"$BIN" --threads 1 sweep --config "$dir/grid.yaml" --out "$dir/grid" --parallel "$PARALLEL" >"$dir/grid.log" 2>&1 || { tail -5 "$dir/grid.log" >&2; exit 1; }
	"$BIN" sweep results "$dir/grid" --json >"$dir/grid.json"
	"$BIN" --threads 1 train --config "$dir/run.yaml" --lr "$steep" --out "$dir/steepest" --progress none >"$dir/steepest.log" 2>&1 || { tail -5 "$dir/steepest.log" >&2; exit 1; }
	"$PY" - "$dir" "$lr" "$steep" <<'PY'
import json, os, sys
d, sug, steep = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
tab = json.load(open(os.path.join(d, "grid.json")))
rows = []
for t in tab["trials"]:
    lr = [p["value"] for p in t["params"] if p["key"] == "optimizer.lr"][0]
    res = json.load(open(os.path.join(t["dir"], "results.json")))
    test = (res.get("test") or {}).get("accuracy")
    rows.append((lr, t["best_val_acc"], test))
rows.sort()
best = max(rows, key=lambda r: r[1])
mid = min(rows, key=lambda r: abs(r[0] / sug - 1))
print(f"| lr | best val acc | test acc |")
print(f"|---|---|---|")
for lr, v, te in rows:
    mark = " (lrfind)" if (lr, v, te) == mid else (" (grid best)" if (lr, v, te) == best else "")
    print(f"| {lr:.4g}{mark} | {100*v:.2f}% | {100*te:.2f}% |")
gap = 100 * (best[1] - mid[1])
print(f"lrfind's rate {mid[0]:.4g}: {100*mid[1]:.2f}% val; grid best {best[0]:.4g}: {100*best[1]:.2f}% val; gap {gap:.2f} points: "
      + ("WITHIN 0.3" if gap <= 0.3 else "NOT within 0.3"))
res = json.load(open(os.path.join(d, "steepest", "results.json")))
sv = max(m["val_acc"] for m in map(json.loads, open(os.path.join(d, "steepest", "metrics.jsonl"))))
st = (res.get("test") or {}).get("accuracy")
print(f"steepest rule's rate {steep:.4g} (not in the grid): {100*sv:.2f}% val, {100*st:.2f}% test; {100*(sv-best[1]):+.2f} points against the grid best")
json.dump({"suggestion": sug, "rows": rows, "gap_points": gap, "steepest": [steep, sv, st]}, open(os.path.join(d, "check.json"), "w"))
PY
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
