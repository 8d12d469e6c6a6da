#!/usr/bin/env bash
# Every update rule beside plain SGD (issue 26 item 3): nnfc bench --rule
# LIST and its PyTorch peer scripts/torch_rules.py, each timing one network
# per rule in interleaved blocks in one process, alternating nnfc and
# PyTorch for REPS rounds at each thread count; prints each rule's ratio to
# SGD (wall clock and per CPU second) with the load average beside it.
#   REPS=2 THREADS="1 2" BATCH=64 ROUNDS=10 STEPS=30 scripts/bench-rules.sh
# TORCH=0 leaves PyTorch out (make bench-deps installs it). BIN=path times
# that binary instead of building bin/nnfc.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-2} THREADS=${THREADS:-"1 2"} BATCH=${BATCH:-64} ROUNDS=${ROUNDS:-10} STEPS=${STEPS:-30}
RULES=${RULES:-sgd,momentum,nesterov,rmsprop,adam,adamw} TORCH=${TORCH:-1}
PY=${PY:-/usr/bin/python3}
# Without BIN, bin/nnfc is (re)built from this checkout first, so that a
# stale binary left in bin/ is never the one measured.
if [ -z "${BIN:-}" ]; then
	BIN=bin/nnfc
	go build -o "$BIN" ./cmd/nnfc
fi
out=$(mktemp -d /tmp/nnfc-bench-rules.XXXX)
echo "CPU: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) vCPUs; results in $out"
echo "nnfc: $BIN ($(git rev-parse --short HEAD 2>/dev/null || echo '?') checkout), load $(cut -d' ' -f1-3 /proc/loadavg)"
show() { # file label
	python3 - "$1" "$2" <<'PY'
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("RULES ")][0]
d = json.loads(line[6:])
print("%-14s t=%s batch %s load %s:" % (sys.argv[2], d["threads"], d["batch"], open("/proc/loadavg").read().split()[0]))
for r in d["rules"]:
    print("   %-9s lr %-6g %9.0f samples/s %9.0f per CPU s   x SGD %.3f (CPU %.3f)" % (
        r["rule"], r["lr"], r["train_samples_per_s"], r["train_samples_per_cpu_s"], r["over_first"], r["over_first_cpu"]))
PY
}
for rep in $(seq "$REPS"); do
	for t in $THREADS; do
		f="$out/nnfc-t$t-$rep.txt"
		"$BIN" bench --threads "$t" --batch "$BATCH" --rule "$RULES" --rounds "$ROUNDS" --steps "$STEPS" > "$f"
		show "$f" "nnfc #$rep"
		if [ "$TORCH" = 1 ]; then
			f="$out/torch-t$t-$rep.txt"
			OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t "$PY" scripts/torch_rules.py --threads "$t" --batch "$BATCH" \
				--rules "$RULES" --rounds "$ROUNDS" --steps "$STEPS" > "$f"
			show "$f" "torch #$rep"
		fi
	done
done
