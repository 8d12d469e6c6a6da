#!/bin/bash
# speedrun: time to a test accuracy, nnfc against PyTorch on the same recipe.
#
#   scripts/speedrun.sh [CONFIG]        (make speedrun; CONFIG defaults to configs/mnist-speedrun.yaml)
#
# For each seed, nnfc trains CONFIG with train.test_each_epoch (the test split
# evaluated after every epoch, a record only: nothing selects or stops on it),
# and scripts/torch_speedrun.py trains the same resolved config in PyTorch (same
# network, init, loss, optimizer, one-cycle schedule, batch size, data order
# policy and thread count), the two alternating which goes first. The time to
# target of a run is the training wall time (evaluation excluded) summed over
# the epochs up to the first whose test accuracy reaches TARGET; CPU seconds
# likewise (process CPU time, all threads, over the training steps). Under load,
# read the epochs and the CPU seconds; the wall times are only a quiet
# machine's figures. This is a benchmark, not a test: it asserts nothing.
#
# Environment: SEEDS ("1 2 3 4 5"), TARGET (0.98), THREADS (2), BIN (bin/nnfc,
# built by make speedrun), PY (/usr/bin/python3, Debian's python3-torch),
# MNIST_DIR (data/mnist), OUT (runs/speedrun; replaced), NNFC_ONLY=1 (skip
# PyTorch), OMP_WAIT_POLICY (passive, for both: ../shared/bench/torch_mlp.py's
# setting for PyTorch; under load, OpenMP threads that spin-wait for each
# other cost nnfc 5-10x: 25-52 s and ~5.4 CPU s per epoch against 2.1-3.3 s
# and ~1.4 CPU s passive, at load average ~30; OMP_WAIT_POLICY=active to
# compare on a quiet machine). Prints one line per run and a summary; writes
# OUT/speedrun.json.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-configs/mnist-speedrun.yaml}
SEEDS=${SEEDS:-1 2 3 4 5}
TARGET=${TARGET:-0.98}
THREADS=${THREADS:-2}
BIN=${BIN:-bin/nnfc}
PY=${PY:-/usr/bin/python3}
MNIST_DIR=${MNIST_DIR:-data/mnist}
OUT=${OUT:-runs/speedrun}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

[ -f "$CONFIG" ] || { echo "speedrun: $CONFIG: no such config" >&2; exit 2; }
[ -x "$BIN" ] || { echo "speedrun: $BIN: not built (make build)" >&2; exit 2; }
[ -f "$MNIST_DIR/train-images-idx3-ubyte.gz" ] || { echo "speedrun: $MNIST_DIR: no MNIST (make data)" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
# The resolved config (nnfc's defaults filled in) is what PyTorch runs.
NNFC_DATA_DIR="$MNIST_DIR" "$BIN" train --config "$CONFIG" --print-config >"$OUT/resolved.yaml"

echo "speedrun: $CONFIG, target test accuracy $TARGET, seeds $SEEDS, $THREADS threads; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs"
echo "OMP_WAIT_POLICY=$OMP_WAIT_POLICY (both); $("$BIN" version 2>/dev/null | head -1)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

run_nnfc() { # seed
	local dir="$OUT/nnfc-$1" load
	load=$(cut -d' ' -f1 /proc/loadavg)
	NNFC_DATA_DIR="$MNIST_DIR" NNFC_TRAIN_TEST_EACH_EPOCH=true "$BIN" train --config "$CONFIG" --seed "$1" \
		--threads "$THREADS" --out "$dir" --progress none >"$dir.log" 2>&1 || { echo "speedrun: nnfc seed $1 failed:" >&2; tail -3 "$dir.log" >&2; exit 1; }
	echo "$load" >"$dir.load"
}

run_torch() { # seed
	local f="$OUT/torch-$1" load
	load=$(cut -d' ' -f1 /proc/loadavg)
	"$PY" scripts/torch_speedrun.py --config "$OUT/resolved.yaml" --mnist-dir "$MNIST_DIR" --seed "$1" \
		--threads "$THREADS" >"$f.jsonl" 2>"$f.err" || { echo "speedrun: PyTorch seed $1 failed:" >&2; tail -3 "$f.err" >&2; exit 1; }
	echo "$load" >"$f.load"
}

i=0
for s in $SEEDS; do
	if [ -n "${NNFC_ONLY:-}" ]; then
		run_nnfc "$s"
	elif [ $((i % 2)) -eq 0 ]; then
		run_nnfc "$s"; run_torch "$s"
	else
		run_torch "$s"; run_nnfc "$s"
	fi
	i=$((i + 1))
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$OUT" "$TARGET" "$SEEDS" <<'PY'
import json, os, statistics, sys
out, target, seeds = sys.argv[1], float(sys.argv[2]), sys.argv[3].split()

def epochs_of(impl, seed):
    if impl == "nnfc":
        with open(os.path.join(out, f"nnfc-{seed}", "metrics.jsonl")) as f:
            return [(r["seconds"], r.get("cpu_s", float("nan")), r["test_acc"]) for r in map(json.loads, f)]
    p = os.path.join(out, f"torch-{seed}.jsonl")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return [(r["train_s"], r["cpu_s"], r["test_acc"]) for r in map(json.loads, (l for l in f if l.startswith("{")))]

def reach(eps):
    wall = cpu = 0.0
    for i, (w, c, acc) in enumerate(eps):
        wall, cpu = wall + w, cpu + c
        if acc >= target:
            return i + 1, wall, cpu
    return None, wall, cpu

def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.3f} ± {sd:.3f} (min {min(xs):.3f}, max {max(xs):.3f})"

res = {"target": target, "runs": []}
summ = {}
for impl in ("nnfc", "torch"):
    rows = []
    for s in seeds:
        eps = epochs_of(impl, s)
        if eps is None:
            continue
        with open(os.path.join(out, f"{impl}-{s}.load")) as f:
            load = float(f.read())
        n, wall, cpu = reach(eps)
        r = {"impl": impl, "seed": int(s), "epochs_to_target": n, "seconds_to_target": wall if n else None,
             "cpu_s_to_target": cpu if n else None, "final_test_acc": eps[-1][2], "epochs": len(eps),
             "train_seconds_total": sum(e[0] for e in eps), "load_at_start": load,
             "test_acc_per_epoch": [e[2] for e in eps]}
        rows.append(r)
        res["runs"].append(r)
        got = f"epoch {n}: {wall:.3f} s, {cpu:.3f} CPU s" if n else f"not reached in {len(eps)} epochs"
        print(f"{impl:5s} seed {s}: {got}; test acc per epoch {' '.join(f'{e[2]:.4f}' for e in eps)}; load {load}")
    if rows:
        summ[impl] = {k: [r[k] for r in rows] for k in ("seconds_to_target", "cpu_s_to_target", "final_test_acc", "epochs_to_target")}
for impl, s in summ.items():
    reached = sum(x is not None for x in s["epochs_to_target"])
    print(f"{impl}: reached {target} in {reached}/{len(s['epochs_to_target'])} seeds; seconds to target {stats(s['seconds_to_target'])}; "
          f"CPU s {stats(s['cpu_s_to_target'])}; final test acc mean {statistics.mean(s['final_test_acc']):.4f}")
if "nnfc" in summ and "torch" in summ:
    def mean(xs):
        xs = [x for x in xs if x is not None]
        return statistics.mean(xs) if xs else float("nan")
    w = mean(summ["torch"]["seconds_to_target"]) / mean(summ["nnfc"]["seconds_to_target"])
    c = mean(summ["torch"]["cpu_s_to_target"]) / mean(summ["nnfc"]["cpu_s_to_target"])
    res["torch_over_nnfc_wall"], res["torch_over_nnfc_cpu"] = w, c
    print(f"PyTorch / nnfc, mean time to target: {w:.2f}x wall, {c:.2f}x CPU seconds")
with open(os.path.join(out, "speedrun.json"), "w") as f:
    json.dump(res, f, indent=1)
PY
