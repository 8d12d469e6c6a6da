#!/usr/bin/env bash
# bench-compare: nnfc against the shared peers (PyTorch, NumPy) on the same
# 784-512-10 / batch 128 / plain SGD benchmark, against the machine's own
# FMA peak, in one run; prints medians, ratios, fractions of peak and every
# target of issue 9 as MET / NOT MET with its figures.
#
#   scripts/bench-compare.sh            (make bench-compare)
#   REPS=5 EPOCHS=3 ACT=relu scripts/bench-compare.sh
#
# What runs, REPS rounds, every implementation alternating inside a round,
# for float32 and float64 at 1 and 2 threads:
#   nnfc --blas onednn and nnfc --blas openblas, as installed (no
#     OPENBLAS_CORETYPE: nnfc's guard picks the core itself), and nnfc
#     --blas gonum (pure Go) at 1 thread for one epoch;
#   torch_mlp.py and numpy_mlp.py (../shared/bench) as installed (no
#     OPENBLAS_CORETYPE) and with the best OPENBLAS_CORETYPE for this CPU
#     (the core nnfc's guard picks, e.g. SkylakeX).
# Every run gets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS set to its thread
# count (nnfc also --threads). Each nnfc run also reports the five GEMMs of
# a step alone, timed in the same process (the GEMM-only bound of its
# backend). The FMA peak comes from scripts/fma_peak.c (register-only
# AVX-512 / AVX2 FMA streams), measured before and after the runs. The
# load average is printed with the figures: the machine may be shared; and
# after every run the CPU 0 <-> CPU 1 cache-line round trip
# (scripts/cpu_roundtrip.c), which says whether the host has put the two
# vCPUs on one CCX or on two CCDs, which 2-thread figures depend on.
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=${REPS:-3}
# precision:threads cells, and the thread counts at which the peers run too
# (a shorter run on a busy machine: CELLS="float32:1 float32:2 float64:1"
# PEER_THREADS=1).
CELLS=${CELLS:-float32:1 float32:2 float64:1 float64:2}
# BF16=0 leaves out the bfloat16 runs (nnfc onednn --precision bfloat16 in each float32 cell).
BF16=${BF16:-1}
PEER_THREADS=${PEER_THREADS:-1 2}
EPOCHS=${EPOCHS:-3}
ACT=${ACT:-relu}
PY=${PY:-/usr/bin/python3}
# The peers live in ../shared/bench beside the clone (for a git worktree,
# beside the main checkout).
if [ -z "${PEERS:-}" ]; then
	PEERS=../shared/bench
	common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
	[ -f "$PEERS/torch_mlp.py" ] || [ -z "$common" ] || PEERS=$(dirname "$(dirname "$common")")/shared/bench
fi
OUT=${OUT:-$(mktemp -d /tmp/nnfc-bench-compare.XXXXXX)}
BIN=$OUT/nnfc

if [ -n "${REPORT_ONLY:-}" ]; then
	# Print the report of an earlier run's raw results again.
	OUT=$REPORT_ONLY
	BEST=$(cat "$OUT/best.txt")
else
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
	echo "note: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE in the environment is removed: this script sets it per run" >&2
	unset OPENBLAS_CORETYPE
fi
unset NNFC_OPENBLAS_GUARD OMP_NUM_THREADS OPENBLAS_NUM_THREADS
if ! "$PY" -c 'import torch, numpy' 2>/dev/null; then
	echo "installing python3-torch python3-numpy (the peers' dependencies)" >&2
	scripts/apt-ensure.sh python3-torch python3-numpy >&2
fi
[ -f "$PEERS/torch_mlp.py" ] || { echo "bench-compare: $PEERS/torch_mlp.py missing (set PEERS=dir of the shared peer scripts)" >&2; exit 1; }
go build -o "$BIN" ./cmd/nnfc
gcc -O2 -fopenmp scripts/fma_peak.c -o "$OUT/fma_peak"
gcc -O2 -pthread scripts/cpu_roundtrip.c -o "$OUT/cpu_roundtrip"

# The best core: what nnfc's guard chose, or OpenBLAS's own choice when it
# knew the CPU.
BEST=$("$BIN" --blas openblas version | sed -n 's/.*, core \([A-Za-z0-9_]*\).*/\1/p')
echo "best OPENBLAS_CORETYPE for this CPU: $BEST" >&2
echo "$BEST" >"$OUT/best.txt"
"$BIN" version >"$OUT/version.txt"
cat "$OUT/version.txt" >&2

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "{\"when\":\"start\",\"load\":\"$(load)\"}" >"$OUT/load.jsonl"
"$OUT/fma_peak" >"$OUT/fma-1.txt"
cat "$OUT/fma-1.txt" >&2

peer_act=$ACT
[ "$ACT" = swish ] && peer_act=silu
res=$OUT/results.jsonl
: >"$res"
row() { # who core prec threads summary-json
	[ -n "$5" ] || { echo "bench-compare: $1 ($3, $4 threads) printed no SUMMARY" >&2; exit 1; }
	# the CPU 0 <-> CPU 1 cache-line round trip right after the run: where
	# the host put the two vCPUs (one CCX or two CCDs), which 2-thread
	# figures depend on (scripts/cpu_roundtrip.c)
	rt=$("$OUT/cpu_roundtrip" | awk '{print $2}')
	case $rt in '' | *[!0-9]*) rt=null ;; esac
	echo "{\"who\":\"$1\",\"core\":\"$2\",\"prec\":\"$3\",\"threads\":$4,\"load\":\"$(load)\",\"rt_ns\":$rt,\"s\":$5}" >>"$res"
}
summary() { sed -n 's/^SUMMARY //p'; }
for rep in $(seq 1 "$REPS"); do
	for cell in $CELLS; do
		prec=${cell%:*} th=${cell#*:}
		dt=f32; [ $prec = float64 ] && dt=f64
		{
			echo "round $rep/$REPS: $prec, $th thread(s); load $(load)" >&2
			export OPENBLAS_NUM_THREADS=$th OMP_NUM_THREADS=$th
			for blas in onednn openblas; do
				row "nnfc-$blas" installed $prec $th "$("$BIN" --blas $blas --threads "$th" bench --precision $prec --act "$ACT" --epochs "$EPOCHS" | summary)"
			done
			if [ $prec = float32 ] && [ "$BF16" = 1 ]; then # the bfloat16 mode beside float32 (nnfc only: the peers have none)
				row nnfc-onednn installed bfloat16 $th "$("$BIN" --blas onednn --threads "$th" bench --precision bfloat16 --act "$ACT" --epochs "$EPOCHS" | summary)"
			fi
			case " $PEER_THREADS " in *" $th "*)
				for peer in torch numpy; do
					row "$peer" installed $prec $th "$("$PY" "$PEERS/${peer}_mlp.py" --threads "$th" --dtype $dt --act $peer_act --epochs "$EPOCHS" | summary)"
					row "$peer" best $prec $th "$(OPENBLAS_CORETYPE=$BEST "$PY" "$PEERS/${peer}_mlp.py" --threads "$th" --dtype $dt --act $peer_act --epochs "$EPOCHS" | summary)"
				done
				;;
			esac
			if [ $th = 1 ] && [ $prec = float32 ]; then # the pure-Go kernels, one epoch (they are slow)
				row nnfc-gonum installed $prec $th "$(GOMAXPROCS=1 "$BIN" --blas gonum bench --precision $prec --act "$ACT" --epochs 1 | summary)"
			fi
			unset OPENBLAS_NUM_THREADS OMP_NUM_THREADS
		}
	done
done
# 1 -> 2 threads in one process, interleaved blocks (nnfc bench --scaling),
# training and the five GEMMs alone, float32, each backend.
: >"$OUT/scaling.jsonl"
for blas in onednn openblas; do
	echo "scaling, $blas, float32; load $(load)" >&2
	"$BIN" --blas $blas bench --scaling --precision float32 --act "$ACT" --rounds 30 --steps 20 | sed -n 's/^SCALING //p' >>"$OUT/scaling.jsonl"
done
"$OUT/fma_peak" >"$OUT/fma-2.txt"
echo "{\"when\":\"end\",\"load\":\"$(load)\"}" >>"$OUT/load.jsonl"
fi

"$PY" - "$OUT" "$BEST" <<'PYEOF'
import json, re, statistics, sys
out, best = sys.argv[1], sys.argv[2]
FLOP = 1636352  # per training sample, 784-512-10
rows = [json.loads(l) for l in open(f"{out}/results.jsonl") if l.strip()]
loads = [json.loads(l)["load"] for l in open(f"{out}/load.jsonl")]
loads = [loads[0], loads[-1]] + [r["load"] for r in rows]
def peak(kind, th):
    v = []
    for f in ("fma-1.txt", "fma-2.txt"):
        try:
            lines = open(f"{out}/{f}").readlines()
        except FileNotFoundError:
            continue
        for line in lines:
            m = re.match(rf"{re.escape(kind)}\s+threads={th}\s+([\d.]+) GFLOP/s", line)
            if m:
                v.append(float(m.group(1)))
    return max(v) if v else float("nan")  # the less disturbed of the two
def peak_cpu(kind, th):
    v = []
    for f in ("fma-1.txt", "fma-2.txt"):
        try:
            lines = open(f"{out}/{f}").readlines()
        except FileNotFoundError:
            continue
        for line in lines:
            m = re.match(rf"{re.escape(kind)}\s+threads={th}\s+[\d.]+ GFLOP/s\s+\(([\d.]+) GFLOP per CPU-second\)", line)
            if m:
                v.append(float(m.group(1)))
    return max(v) if v else float("nan")
def med(who, core, prec, th, key="train_samples_per_s_median"):
    v = [r["s"][key] for r in rows if r["who"] == who and r["core"] == core and r["prec"] == prec and r["threads"] == th]
    return statistics.median(v) if v else float("nan")
print(open(f"{out}/version.txt").read().strip())
print(f"load average (1/5/15 min) at start, per run, at end: {loads[0]} ... {loads[1]}; "
      f"1-min range over the runs {min(float(x.split()[0]) for x in loads):.2f}-{max(float(x.split()[0]) for x in loads):.2f}")
pk = {(p, th): peak(f"avx512-fma {p}", th) for p in ("f32", "f64") for th in (1, 2)}
if any(v != v for v in pk.values()):
    pk = {(p, th): peak(f"avx2-fma {p}", th) for p in ("f32", "f64") for th in (1, 2)}
print("FMA peak (scripts/fma_peak.c, best of the runs before and after): " + ", ".join(
    f"{p} {th} thread(s) {pk[p, th]:.1f} GFLOP/s = {pk[p, th] * 1e9 / FLOP:.0f} samples/s" for p in ("f32", "f64") for th in (1, 2)))
n_runs = len([r for r in rows if r["who"] == "nnfc-onednn" and r["prec"] == "float32" and r["threads"] == 1])
print(f"\nmedian train samples/s (eval samples/s) over {n_runs} alternating runs x {rows[0]['s'].get('epochs', '?')} epochs; "
      f"'best' = OPENBLAS_CORETYPE={best}; GEMM bound = the five GEMMs of a step alone, in the nnfc process")
cols = [("nnfc-onednn", "installed"), ("nnfc-openblas", "installed"), ("torch", "installed"), ("torch", "best"),
        ("numpy", "installed"), ("numpy", "best")]
label = {"installed": "inst", "best": "best"}
hdr = f"{'prec':7} {'thr':>3} | " + " | ".join(f"{(w.replace('nnfc-', 'nnfc ') if w.startswith('nnfc') else w + ' ' + label[c]):>17}" for w, c in cols)
print(hdr + " | bound onednn | bound openblas | onednn of peak")
R = {}
for prec in ("float32", "float64"):
    p = "f32" if prec == "float32" else "f64"
    for th in (1, 2):
        cells = []
        for w, c in cols:
            tr, ev = med(w, c, prec, th), med(w, c, prec, th, "eval_samples_per_s_median")
            R[w, c, prec, th] = tr
            R[w, c, prec, th, "eval"] = ev
            cells.append(f"{tr:>8.0f} ({ev:>6.0f})")
        bo, bb = med("nnfc-onednn", "installed", prec, th, "gemm_bound_samples_per_s_median"), med("nnfc-openblas", "installed", prec, th, "gemm_bound_samples_per_s_median")
        R["bound", "onednn", prec, th], R["bound", "openblas", prec, th] = bo, bb
        frac = R["nnfc-onednn", "installed", prec, th] * FLOP / 1e9 / pk[p, th]
        print(f"{prec:7} {th:>3} | " + " | ".join(cells) + f" | {bo:>12.0f} | {bb:>14.0f} | {frac:>14.2f}")
for prec in ("float32", "float64"):
    if med('nnfc-gonum', 'installed', prec, 1) != med('nnfc-gonum', 'installed', prec, 1):
        continue
    print(f"nnfc --blas gonum (pure Go, GOMAXPROCS=1) {prec} 1 thread: {med('nnfc-gonum', 'installed', prec, 1):.0f} samples/s, "
          f"its five GEMMs alone {med('nnfc-gonum', 'installed', prec, 1, 'gemm_bound_samples_per_s_median'):.0f}")
for th in (1, 2):
    b = med("nnfc-onednn", "installed", "bfloat16", th)
    if b == b:
        f32 = R["nnfc-onednn", "installed", "float32", th]
        print(f"nnfc onednn --precision bfloat16 (bf16 inputs to the large GEMMs, float32 weights) {th} thread(s): {b:.0f} "
              f"({med('nnfc-onednn', 'installed', 'bfloat16', th, 'eval_samples_per_s_median'):.0f}) samples/s, "
              f"{b / f32:.2f}x its float32, {b * FLOP / 1e9 / pk['f32', th]:.2f} of the float32 FMA peak; "
              f"its GEMMs alone {med('nnfc-onednn', 'installed', 'bfloat16', th, 'gemm_bound_samples_per_s_median'):.0f}")
rts = [r.get("rt_ns") for r in rows if r.get("rt_ns") is not None]
if rts:
    print(f"\nCPU 0 <-> CPU 1 cache-line round trip after each run (scripts/cpu_roundtrip.c): {min(rts)}-{max(rts)} ns, median {statistics.median(rts):.0f} "
          "(about 100-200 ns: the two vCPUs on one CCX; about 450: on two CCDs). nnfc onednn 2-thread runs, train samples/s (round trip):")
    for prec in ("float32", "bfloat16", "float64"):
        v = [f"{r['s']['train_samples_per_s_median']:.0f} ({r.get('rt_ns')} ns)" for r in rows
             if r["who"] == "nnfc-onednn" and r["prec"] == prec and r["threads"] == 2]
        if v:
            print(f"  {prec}: " + ", ".join(v))
print("\nfractions of the FMA peak (train samples/s x 1.636 MFLOP / peak):")
for prec in ("float32", "float64"):
    p = "f32" if prec == "float32" else "f64"
    for th in (1, 2):
        f = lambda v: v * FLOP / 1e9 / pk[p, th]
        print(f"  {prec} {th} thread(s): nnfc onednn {f(R['nnfc-onednn','installed',prec,th]):.2f}, nnfc openblas {f(R['nnfc-openblas','installed',prec,th]):.2f}, "
              f"torch {f(R['torch','installed',prec,th]):.2f} / {f(R['torch','best',prec,th]):.2f} (installed / best), "
              f"numpy {f(R['numpy','installed',prec,th]):.2f} / {f(R['numpy','best',prec,th]):.2f}; "
              f"GEMM bound onednn {f(R['bound','onednn',prec,th]):.2f}, openblas {f(R['bound','openblas',prec,th]):.2f}")
targets = []
def tgt(name, ok, fig):
    targets.append((name, ok, fig))
def ratio(a, b):
    return f"{a:.0f} / {b:.0f} = {a / b:.2f}x"
n1 = R["nnfc-onednn", "installed", "float32", 1]
for th in (1, 2):
    n = R["nnfc-onednn", "installed", "float32", th]
    tgt(f"as installed, float32 {th} thread(s): nnfc >= 1.8x PyTorch as installed", n >= 1.8 * R["torch", "installed", "float32", th], ratio(n, R["torch", "installed", "float32", th]))
    tgt(f"as installed, float32 {th} thread(s): nnfc >= 1.5x NumPy as installed", n >= 1.5 * R["numpy", "installed", "float32", th], ratio(n, R["numpy", "installed", "float32", th]))
    tgt(f"float32 {th} thread(s): nnfc >= 1.3x PyTorch with OPENBLAS_CORETYPE={best}", n >= 1.3 * R["torch", "best", "float32", th], ratio(n, R["torch", "best", "float32", th]))
pk1 = pk["f32", 1] * 1e9 / FLOP
tgt("float32 1 thread: >= 70% of the measured FMA peak (wall clock)", n1 >= 0.7 * pk1, f"{n1:.0f} / {pk1:.0f} samples/s = {n1 / pk1:.2f}")
pc1 = peak_cpu("avx512-fma f32", 1)
if pc1 != pc1:
    pc1 = peak_cpu("avx2-fma f32", 1)
c1 = med("nnfc-onednn", "installed", "float32", 1, "train_samples_per_cpu_s_median") if rows and "train_samples_per_cpu_s_median" in rows[0]["s"] else float("nan")
pcs = pc1 * 1e9 / FLOP
print(f"per CPU-second (what a core of our own does; the load-independent view): FMA peak f32 1 thread {pc1:.1f} GFLOP = {pcs:.0f} samples; "
      f"nnfc onednn float32 1 thread {c1:.0f} samples per CPU-second = {c1 / pcs:.2f} of it")
tgt("float32 1 thread: >= 70% of the FMA peak, both per CPU-second", c1 >= 0.7 * pcs, f"{c1:.0f} / {pcs:.0f} samples per CPU-second = {c1 / pcs:.2f}")
e1 = R["nnfc-onednn", "installed", "float32", 1, "eval"]
tgt("float32 1 thread: eval >= 2x training", e1 >= 2 * n1, ratio(e1, n1))
for prec in ("float32", "float64"):
    a, b = R["nnfc-onednn", "installed", prec, 2], R["nnfc-onednn", "installed", prec, 1]
    tgt(f"{prec}: 2 threads >= 1.7x own 1 thread (separate runs)", a >= 1.7 * b, ratio(a, b))
for th in (1, 2):
    for c in ("installed", "best"):
        d, t = R["nnfc-onednn", "installed", "float64", th], R["torch", c, "float64", th]
        tgt(f"float64 {th} thread(s): nnfc >= 1.3x PyTorch float64 ({c})", d >= 1.3 * t, ratio(d, t))
print()
for name, ok, fig in targets:
    if "nan" in fig:
        print(f"n/a      {name}: not measured in this run (CELLS / PEER_THREADS)")
        continue
    print(f"{'MET    ' if ok else 'NOT MET'}  {name}: {fig}")
try:
    sc = [json.loads(l) for l in open(f"{out}/scaling.jsonl") if l.strip()]
except FileNotFoundError:
    sc = []
if sc:
    print("\n1 -> 2 threads in one process, interleaved 20-step blocks (nnfc bench --scaling; medians of within-round ratios):")
    for x in sc:
        print(f"  {x['impl']} {x['dtype']}: training {x['train_speedup_2t_over_1t']:.2f}x ({x['train_1t_samples_per_s']:.0f} -> {x['train_2t_samples_per_s']:.0f} samples/s), "
              f"the five GEMMs alone {x['gemm_speedup_2t_over_1t']:.2f}x ({x['gemm_1t_samples_per_s']:.0f} -> {x['gemm_2t_samples_per_s']:.0f}); "
              f"training at {x['fraction_of_gemm_bound_1t']:.2f} / {x['fraction_of_gemm_bound_2t']:.2f} of the GEMM-only rate")
        if "train_1t_best_block_samples_per_s" in x:
            t1, t2 = x["train_1t_best_block_samples_per_s"], x["train_2t_best_block_samples_per_s"]
            g1, g2 = x["gemm_1t_best_block_samples_per_s"], x["gemm_2t_best_block_samples_per_s"]
            print(f"    fastest 20-step block: training {t1:.0f} (1 thread, {t1 * FLOP / 1e9 / pk['f32', 1]:.2f} of the FMA peak) and {t2:.0f} (2 threads, {t2 / t1:.2f}x); "
                  f"GEMMs alone {g1:.0f} ({g1 * FLOP / 1e9 / pk['f32', 1]:.2f} of peak) and {g2:.0f} ({g2 / g1:.2f}x)")
PYEOF
echo "raw results: $OUT" >&2
