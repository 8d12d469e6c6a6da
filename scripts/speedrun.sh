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
# OpenMP wait policy: both sides run under each policy of WAIT_POLICIES
# (passive: OMP_WAIT_POLICY=passive, threads sleep at once; default: unset,
# libgomp's own spin-a-while-then-sleep; active: spin), all seeds of one
# policy before the next. The summary gives the ratio per policy and the
# ratio of each side's fastest policy (neither side runs under a setting
# chosen for the other). On this shared 2-vCPU machine spinning threads cost
# both sides 10-16x (load average ~18, seed 1: nnfc 43.4 s to 98% against
# 2.7 s passive; PyTorch 323 s against 27 s), so each run has at most
# RUN_TIMEOUT seconds: a run that takes longer is stopped and the rest of its
# policy skipped (it counts as not reached), and the passive figures stand.
#
# Environment: SEEDS ("1 2 3 4 5"), TARGET (0.98), THREADS (2), BIN (bin/nnfc,
# built by make speedrun), PY (/usr/bin/python3, Debian's python3-torch),
# MNIST_DIR (data/mnist), OUT (runs/speedrun; replaced), NNFC_ONLY=1 (skip
# PyTorch), WAIT_POLICIES (OMP_WAIT_POLICY or "passive default"; a list of
# passive, default and active), RUN_TIMEOUT (120 s per run). Prints one line
# per run and a summary per policy; writes OUT/speedrun.json.
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
WAIT_POLICIES=${WAIT_POLICIES:-$(echo "${OMP_WAIT_POLICY:-passive default}" | tr A-Z a-z)}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}

# policy_env POLICY: the environment of a run under POLICY.
policy_env() {
	case $1 in
	passive | active) echo "OMP_WAIT_POLICY=$1" ;;
	default) echo "-u OMP_WAIT_POLICY" ;;
	*) echo "speedrun: WAIT_POLICIES: passive, default or active, got $1" >&2; exit 2 ;;
	esac
}

for p in $WAIT_POLICIES; do policy_env "$p" >/dev/null; done
[ -f "$CONFIG" ] || { echo "speedrun: $CONFIG: no such config" >&2; exit 2; }
[ -x "$BIN" ] || { echo "speedrun: $BIN: not built (make build)" >&2; exit 2; }
[ -f "$MNIST_DIR/train-images-idx3-ubyte.gz" ] || { echo "speedrun: $MNIST_DIR: no MNIST (make data)" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
# The resolved config (nnfc's defaults filled in) is what PyTorch runs.
NNFC_DATA_DIR="$MNIST_DIR" "$BIN" train --config "$CONFIG" --print-config >"$OUT/resolved.yaml"

echo "speedrun: $CONFIG, target test accuracy $TARGET, seeds $SEEDS, $THREADS threads; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs"
echo "OMP_WAIT_POLICY: $WAIT_POLICIES (each for both); $("$BIN" version 2>/dev/null | head -1)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME POLICY SEED OUT ERR CMD...: one run under POLICY (stdout to OUT,
# stderr to ERR), at most RUN_TIMEOUT seconds; a run that takes longer is
# stopped (nnfc checkpoints on SIGTERM) and the rest of POLICY's runs are
# skipped (the stopped run's finished epochs are read: not reached).
run() {
	local name=$1 pol=$2 seed=$3 out=$4 log=$5 rc=0
	shift 5
	[ -e "$OUT/$pol/timed-out" ] && return 0
	cut -d' ' -f1 /proc/loadavg >"$OUT/$pol/$name-$seed.load"
	if [ "$out" = "$log" ]; then
		# shellcheck disable=SC2046
		env $(policy_env "$pol") timeout "$RUN_TIMEOUT" "$@" >"$out" 2>&1 || rc=$?
	else
		# shellcheck disable=SC2046
		env $(policy_env "$pol") timeout "$RUN_TIMEOUT" "$@" >"$out" 2>"$log" || rc=$?
	fi
	if [ "$rc" = 124 ]; then
		echo "speedrun: $name seed $seed ($pol) took over $RUN_TIMEOUT s: stopped; the rest of $pol is skipped" >&2
		echo "$name seed $seed" >"$OUT/$pol/timed-out"
	elif [ "$rc" != 0 ]; then
		echo "speedrun: $name seed $seed ($pol) failed:" >&2; tail -3 "$log" >&2; exit 1
	fi
}

run_nnfc() { # policy seed
	local dir="$OUT/$1/nnfc-$2"
	run nnfc "$1" "$2" "$dir.log" "$dir.log" env NNFC_DATA_DIR="$MNIST_DIR" NNFC_TRAIN_TEST_EACH_EPOCH=true "$BIN" train \
		--config "$CONFIG" --seed "$2" --threads "$THREADS" --out "$dir" --progress none
}

run_torch() { # policy seed
	local f="$OUT/$1/torch-$2"
	run torch "$1" "$2" "$f.jsonl" "$f.err" "$PY" scripts/torch_speedrun.py --config "$OUT/resolved.yaml" \
		--mnist-dir "$MNIST_DIR" --seed "$2" --threads "$THREADS" --wait-policy "$1"
}

for p in $WAIT_POLICIES; do
	mkdir -p "$OUT/$p"
	i=0
	for s in $SEEDS; do
		if [ -n "${NNFC_ONLY:-}" ]; then
			run_nnfc "$p" "$s"
		elif [ $((i % 2)) -eq 0 ]; then
			run_nnfc "$p" "$s"; run_torch "$p" "$s"
		else
			run_torch "$p" "$s"; run_nnfc "$p" "$s"
		fi
		i=$((i + 1))
	done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$OUT" "$TARGET" "$SEEDS" "$WAIT_POLICIES" <<'PY'
import json, os, statistics, sys
out, target, seeds, policies = sys.argv[1], float(sys.argv[2]), sys.argv[3].split(), sys.argv[4].split()

def epochs_of(d, impl, seed):
    # A run that started (its .load written) but was stopped before its
    # first epoch has no records: [] (not reached).
    if not os.path.exists(os.path.join(d, f"{impl}-{seed}.load")):
        return None
    if impl == "nnfc":
        p = os.path.join(d, f"nnfc-{seed}", "metrics.jsonl")
        if not os.path.exists(p):
            return []
        with open(p) as f:
            return [(r["seconds"], r.get("cpu_s", float("nan")), r["test_acc"]) for r in map(json.loads, f)]
    p = os.path.join(d, f"torch-{seed}.jsonl")
    if not os.path.exists(p):
        return []
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

def mean(xs):
    # A seed that never reaches the target has no time: the mean is then
    # undefined (nan), not the mean of the lucky seeds.
    return statistics.mean(xs) if xs and None not in xs else float("nan")

res = {"target": target, "policies": policies, "runs": [], "summary": {}}
best = {}
for pol in policies:
    d = os.path.join(out, pol)
    summ = {}
    print(f"-- OMP_WAIT_POLICY {pol}")
    if os.path.exists(os.path.join(d, "timed-out")):
        with open(os.path.join(d, "timed-out")) as f:
            print(f"{f.read().strip()} took over the run time limit: stopped, the rest of {pol} skipped")
    for impl in ("nnfc", "torch"):
        rows = []
        for s in seeds:
            eps = epochs_of(d, impl, s)
            if eps is None:
                continue
            with open(os.path.join(d, f"{impl}-{s}.load")) as f:
                load = float(f.read())
            n, wall, cpu = reach(eps)
            r = {"impl": impl, "wait_policy": pol, "seed": int(s), "epochs_to_target": n, "seconds_to_target": wall if n else None,
                 "cpu_s_to_target": cpu if n else None, "final_test_acc": eps[-1][2] if eps else None, "epochs": len(eps),
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
        print(f"{impl} ({pol}): reached {target} in {reached}/{len(s['epochs_to_target'])} seeds; seconds to target {stats(s['seconds_to_target'])}; "
              f"CPU s {stats(s['cpu_s_to_target'])}; final test acc mean {statistics.mean([a for a in s['final_test_acc'] if a is not None] or [float('nan')]):.4f}")
        m = {"wall": mean(s["seconds_to_target"]), "cpu": mean(s["cpu_s_to_target"])}
        res["summary"].setdefault(pol, {})[impl] = m
        if m["wall"] == m["wall"] and (impl not in best or m["wall"] < best[impl][1]["wall"]):
            best[impl] = (pol, m)
    if "nnfc" in summ and "torch" in summ:
        n, t = res["summary"][pol]["nnfc"], res["summary"][pol]["torch"]
        w, c = t["wall"] / n["wall"], t["cpu"] / n["cpu"]
        res["summary"][pol]["torch_over_nnfc_wall"], res["summary"][pol]["torch_over_nnfc_cpu"] = w, c
        print(f"PyTorch / nnfc ({pol} both), mean time to target: {w:.2f}x wall, {c:.2f}x CPU seconds")
if "nnfc" in best and "torch" in best:
    (pn, n), (pt, t) = best["nnfc"], best["torch"]
    res["best"] = {"nnfc": pn, "torch": pt, "nnfc_seconds": n["wall"], "torch_seconds": t["wall"],
                   "torch_over_nnfc_wall": t["wall"] / n["wall"], "torch_over_nnfc_cpu": t["cpu"] / n["cpu"]}
    print(f"each at its fastest policy: nnfc {n['wall']:.3f} s ({pn}), PyTorch {t['wall']:.3f} s ({pt}): "
          f"PyTorch / nnfc {t['wall'] / n['wall']:.2f}x wall, {t['cpu'] / n['cpu']:.2f}x CPU seconds")
with open(os.path.join(out, "speedrun.json"), "w") as f:
    json.dump(res, f, indent=1)
PY
