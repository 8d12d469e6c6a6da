#!/bin/bash
# lrfind-check: is nnfc lrfind's suggestion, used as is as one-cycle's peak
# rate, within 0.3 points of the best rate of a 7-point grid? (issue 26)
#
#   scripts/lrfind-check.sh              (make lrfind-check)
#
# For MNIST and Fashion-MNIST, a short affordable recipe (EPOCHS epochs of
# 784-HIDDEN-10 ReLU, Nesterov momentum 0.9 with one-cycle, batch 256, 5,000
# validation images; smaller and shorter than the shipped recipes, so that
# the runs fit in minutes):
#   - the grid: 7 rates fixed in advance, 10^-3 to 10^0 in half decades
#     (0.001, 0.00316, 0.01, 0.0316, 0.1, 0.316, 1: each 3.16x the last),
#     the same for both data sets and independent of lrfind; run as one
#     nnfc sweep (local executor, PARALLEL trials of 1 BLAS thread each);
#   - nnfc lrfind with its defaults (rule auto: edge for nesterov) suggests
#     a rate, and one run trains at it; one run more at each other rule's
#     rate (edge, valley, steepest, minimum; not the suggestion's own),
#     printed as hints.
# The figure compared is each run's best validation accuracy (the model the
# run keeps); the test accuracy of the same model is printed beside it. The
# compare rule: gap = the grid best's val acc - the suggestion's val acc, in
# points; the suggestion passes when gap <= 0.3 (a suggestion between grid
# points can beat the grid: the gap is then negative). This is a check to
# read, not a test: it exits 0 whatever the gap. One seed per run: a gap
# within a few tenths of 0.3 is within run-to-run noise.
#
# Environment: EPOCHS (3), HIDDEN (256), PARALLEL (2), BIN (bin/nnfc),
# OUT (runs/lrfind-check; replaced), DATASETS ("mnist fashion-mnist"),
# GRID (the 7 rates, comma-separated), SEED (1), OPT (nesterov: the update
# rule, with momentum 0.9 for momentum and nesterov; lrfind's rule auto
# follows it: edge for the SGD family, steepest for adaptive rules).
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-3}
HIDDEN=${HIDDEN:-256}
PARALLEL=${PARALLEL:-2}
BIN=${BIN:-bin/nnfc}
OUT=${OUT:-runs/lrfind-check}
DATASETS=${DATASETS:-mnist fashion-mnist}
GRID=${GRID:-0.001, 0.003162, 0.01, 0.03162, 0.1, 0.3162, 1}
SEED=${SEED:-1}
OPT=${OPT:-nesterov}
case $OPT in momentum | nesterov) mom="
  momentum: 0.9" ;; *) mom= ;; esac
PY=${PY:-/usr/bin/python3}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} # see scripts/speedrun.sh
[ -x "$BIN" ] || { echo "lrfind-check: $BIN: not built (make build)" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
echo "lrfind-check: $EPOCHS epochs of 784-$HIDDEN-10 ReLU, $OPT + onecycle, batch 256, seed $SEED; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

for ds in $DATASETS; do
	dir=$(cd "$OUT" && pwd)/$ds
	mkdir -p "$dir"
	cat >"$dir/run.yaml" <<EOF
seed: $SEED
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
  rule: $OPT
  lr: 0.1$mom
schedule:
  kind: onecycle
train:
  epochs: $EPOCHS
  batch_size: 256
  out_dir: $dir/run
EOF
	"$BIN" --threads 1 lrfind --config "$dir/run.yaml" --out "$dir/lrfind" >"$dir/lrfind.log" 2>&1 || { cat "$dir/lrfind.log" >&2; exit 1; }
	read -r lr edge valley steep minimum < <("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["suggested_lr"], r["edge_lr"], r["valley_lr"], r["steepest_lr"], r["minimum_lr_div10"])' "$dir/lrfind/lrfind.json")
	cat >"$dir/grid.yaml" <<EOF
name: lrfind-check-$ds
base: run.yaml
space:
  optimizer.lr: [$GRID]
EOF
	echo
	echo "$ds: lrfind suggests $lr ($(sed -n 's/^suggested lr [^ ]* (\(rule [^;]*\);.*/\1/p' "$dir/lrfind.log"); edge $(sed -n 's/^edge *//p' "$dir/lrfind.log")); grid [$GRID]; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	"$BIN" --threads 1 sweep --config "$dir/grid.yaml" --out "$dir/grid" --parallel "$PARALLEL" >"$dir/grid.log" 2>&1 || { tail -5 "$dir/grid.log" >&2; exit 1; }
	"$BIN" sweep results "$dir/grid" --json >"$dir/grid.json"
	# the suggestion and the other rules' rates, PARALLEL runs at a time
	rules="suggested:$lr edge:$edge valley:$valley steepest:$steep minimum:$minimum"
	pids=()
	for rv in $rules; do
		# no run for a rule without a rate (edge, no divergence) or with the suggestion's
		case ${rv%%:*} in suggested) ;; *) [ "${rv#*:}" = 0 ] || [ "${rv#*:}" = "$lr" ] && continue ;; esac
		"$BIN" --threads 1 train --config "$dir/run.yaml" --lr "${rv#*:}" --out "$dir/${rv%%:*}" --progress none >"$dir/${rv%%:*}.log" 2>&1 &
		pids+=($!)
		if [ "${#pids[@]}" -ge "$PARALLEL" ]; then
			wait "${pids[0]}" || { tail -5 "$dir"/*.log >&2; exit 1; }
			pids=("${pids[@]:1}")
		fi
	done
	for p in "${pids[@]}"; do wait "$p" || { tail -5 "$dir"/*.log >&2; exit 1; }; done
	"$PY" - "$dir" $rules <<'PY'
import json, os, sys
d, rules = sys.argv[1], [a.split(":") for a in sys.argv[2:]]
def run(path):
    res = json.load(open(os.path.join(path, "results.json")))
    val = max(m["val_acc"] for m in map(json.loads, open(os.path.join(path, "metrics.jsonl"))))
    return val, (res.get("test") or {}).get("accuracy")
tab = json.load(open(os.path.join(d, "grid.json")))
rows = []
for t in tab["trials"]:
    lr = [p["value"] for p in t["params"] if p["key"] == "optimizer.lr"][0]
    rows.append((lr,) + run(t["dir"]))
rows.sort()
best = max(rows, key=lambda r: r[1])
print("| lr | best val acc | test acc |")
print("|---|---|---|")
for lr, v, te in rows:
    print(f"| {lr:.4g}{' (grid best)' if lr == best[0] else ''} | {100*v:.2f}% | {100*te:.2f}% |")
out = {"grid": rows, "grid_best": best, "rules": {}}
for name, lr in rules:
    if name != "suggested" and (float(lr) == 0 or lr == rules[0][1]):
        print(f"rule {name:8s} " + ("no rate (the test did not diverge)" if float(lr) == 0 else "is the suggestion"))
        continue
    v, te = run(os.path.join(d, name))
    gap = 100 * (best[1] - v)
    out["rules"][name] = {"lr": float(lr), "val": v, "test": te, "gap_points": gap}
    verdict = ("WITHIN 0.3" if gap <= 0.3 else "NOT within 0.3") if name == "suggested" else "(a hint)"
    print(f"{'suggestion' if name == 'suggested' else 'rule ' + name:13s} lr {float(lr):.4g}: {100*v:.2f}% val, {100*te:.2f}% test; gap {gap:+.2f} points to the grid best ({best[0]:.4g}: {100*best[1]:.2f}% val) {verdict}")
json.dump(out, open(os.path.join(d, "check.json"), "w"), indent=1)
PY
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
