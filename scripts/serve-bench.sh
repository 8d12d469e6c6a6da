#!/usr/bin/env bash
# serve-bench.sh: nnfc serve under load (issue 27), on the loopback
# interface, bounded in requests and time. Prints one line per scenario:
#
#   eval      nnfc eval's forward pass (train.Evaluator, batch 1000) on the
#             MNIST test set, rows/s: the reference for the 1,000-row cases
#             (eval-1-thread: the same on one BLAS thread, as nnfc serve runs)
#   single    1-row OIP V2 JSON requests from 32 concurrent clients
#   bin1000   1,000-row OIP V2 requests, binary tensor data in and out
#   json1000  the same rows as OIP V2 JSON text
#
# each with rows/s, p50/p99 latency, the load average, the server's and
# the load generator's CPU time per request (/proc and getrusage: under
# load these vary less than rows/s), and for nnfc serve where the time went (the server's per-phase means from /metrics: read,
# decode, wait = queue + forward pass, write; and the forward pass alone).
# With ONNX Runtime for Node installed (make deps: tools/ort) the same
# scenarios run against the model exported by nnfc export, served by
# scripts/ort_serve.js (Node's http + onnxruntime-node), paired scenario
# by scenario, and a "ratio" line per scenario and round compares the two
# (and bin1000 with nnfc eval); a summary repeats the ratio lines at the end.
#
#   scripts/serve-bench.sh MODEL.safetensors [MNIST_DIR]
#   ROUNDS=3 REQUESTS=20000 DURATION=20s scripts/serve-bench.sh runs/mnist-swish/model.safetensors
#
# The load generator (scripts/serveload) runs on the same machine: on 2
# vCPUs it takes CPU from the server, and so it does from the peer.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
model=${1:?usage: scripts/serve-bench.sh MODEL.safetensors [MNIST_DIR]}
mnist=${2:-data/mnist}
ROUNDS=${ROUNDS:-1}
REQUESTS=${REQUESTS:-20000}
DURATION=${DURATION:-15s}
SERVE_FLAGS=${SERVE_FLAGS:-}
ORT_THREADS=${ORT_THREADS:-2}
go build -o bin/nnfc ./cmd/nnfc
go build -o bin/serveload ./scripts/serveload
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start LOG CMD...: runs CMD in the background, waits for its "listening
# on URL" line on stderr, and sets url.
start() {
  local log=$1; shift
  "$@" 2>"$log" &
  pids+=($!)
  for _ in $(seq 1 600); do
    url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log")
    [ -n "$url" ] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "no listening line in $log" >&2; exit 1
}

stop() { kill -TERM "${pids[-1]}"; wait "${pids[-1]}" || true; unset 'pids[-1]'; }

metrics() { curl -s "$1/metrics" > "$2"; }

# phases BEFORE AFTER ENDPOINT: mean seconds per request of each phase
# between two /metrics snapshots, and of the forward pass per batch.
phases() {
  python3 - "$1" "$2" "$3" <<'EOF'
import re, sys
def read(p):
    d = {}
    for line in open(p):
        m = re.match(r'(nnfc_serve_(?:phase|forward)_seconds_(?:sum|count))\{([^}]*)\} (\S+)', line)
        if m:
            d[(m.group(1), m.group(2))] = float(m.group(3))
    return d
a, b, ep = read(sys.argv[1]), read(sys.argv[2]), sys.argv[3]
out = []
for ph in ["read", "decode", "wait", "write"]:
    lab = f'endpoint="{ep}",phase="{ph}"'
    n = b.get(("nnfc_serve_phase_seconds_count", lab), 0) - a.get(("nnfc_serve_phase_seconds_count", lab), 0)
    s = b.get(("nnfc_serve_phase_seconds_sum", lab), 0) - a.get(("nnfc_serve_phase_seconds_sum", lab), 0)
    out.append(f"{ph} {1e3*s/max(n,1):.3f} ms")
lab = 'model="mnist"'
n = b.get(("nnfc_serve_forward_seconds_count", lab), 0) - a.get(("nnfc_serve_forward_seconds_count", lab), 0)
s = b.get(("nnfc_serve_forward_seconds_sum", lab), 0) - a.get(("nnfc_serve_forward_seconds_sum", lab), 0)
out.append(f"forward {1e3*s/max(n,1):.3f} ms per pass x {int(n)} passes")
print("  where the time goes (server means per request): " + ", ".join(out))
EOF
}

load() { # URL PID ARGS...
  local u=$1 p=$2; shift 2
  bin/serveload --url "$u" --server-pid "$p" --model mnist --data "$mnist" --duration "$DURATION" "$@"
}

# ratio SCENARIO: one line comparing nnfc serve with the peer (and, for
# bin1000, with nnfc eval) in this round, from $tmp/results.
ratio() {
  python3 - "$tmp/results" "$1" "$r" <<'EOF2'
import json, sys
res, scen, rnd = {}, sys.argv[2], sys.argv[3]
for line in open(sys.argv[1]):
    k, who, s, j = line.split(" ", 3)
    if k == rnd:
        res[(who, s)] = json.loads(j)
n = res.get(("nnfc", scen))
o = res.get(("ort-node", scen))
if n is None:
    sys.exit(0)
parts = []
if o:
    worse = "no worse" if n["p99_ms"] <= o["p99_ms"] else "WORSE"
    parts.append(f'nnfc/ort-node {n["rows_per_s"] / o["rows_per_s"]:.2f}x rows/s ({n["rows_per_s"]:,.0f} vs {o["rows_per_s"]:,.0f}), '
                 f'p99 {n["p99_ms"]} vs {o["p99_ms"]} ms ({worse})')
    if "server_cpu_ms_per_request" in n and "server_cpu_ms_per_request" in o:
        parts.append(f'server CPU per request {n["server_cpu_ms_per_request"]} vs {o["server_cpu_ms_per_request"]} ms, '
                     f'client {n["client_cpu_ms_per_request"]} vs {o["client_cpu_ms_per_request"]} ms')
if scen == "bin1000":
    for who, lab in (("eval", "eval 2 threads"), ("eval-1-thread", "eval 1 thread")):
        e = res.get((who, "eval"))
        if e:
            parts.append(f'{100 * n["rows_per_s"] / e["eval_rows_per_s"]:.0f}% of {lab} ({e["eval_rows_per_s"]:,.0f})')
print(f"ratio {scen} round {rnd}: " + "; ".join(parts))
EOF2
}

run_one() { # WHO SCENARIO
  local who=$1 s=$2 u p
  if [ "$who" = nnfc ]; then u=$nurl p=$npid; else u=$ourl p=$opid; fi
  case $s in
    single)   args=(--mode v2-json --rows 1 --clients 32 --requests "$REQUESTS" --warmup 200) ;;
    bin1000)  args=(--mode v2-binary --rows 1000 --clients 2 --requests $((REQUESTS / 50)) --warmup 4) ;;
    json1000) args=(--mode v2-json --rows 1000 --clients 2 --requests $((REQUESTS / 100)) --warmup 2) ;;
  esac
  [ "$who" = nnfc ] && metrics "$u" "$tmp/m0"
  line=$(load "$u" "$p" "${args[@]}")
  echo "$who $s ${line#SERVELOAD }"
  echo "$r $who $s ${line#SERVELOAD }" >> "$tmp/results"
  if [ "$who" = nnfc ]; then metrics "$u" "$tmp/m1"; phases "$tmp/m0" "$tmp/m1" v2_infer; fi
}

ort=""
if [ -d tools/ort/node_modules/onnxruntime-node ] && command -v node >/dev/null; then
  bin/nnfc export --model "$model" --output "$tmp/model.onnx" >&2 && ort=1
else
  echo "ONNX Runtime for Node not installed (make deps installs it into tools/ort): the peer is left out" >&2
fi

# Both servers are up for the whole round (an idle one takes no CPU); each
# scenario runs on one then the other, nnfc first in odd rounds and the
# peer first in even ones, so that a pair is measured close in time.
echo "# serve-bench $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null) model $model; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$tmp/results"
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r"
  line=$(bin/serveload --eval "$model" --data "$mnist" --eval-seconds 3)
  echo "eval ${line#EVAL }"
  echo "$r eval eval ${line#EVAL }" >> "$tmp/results"
  line=$(bin/serveload --eval "$model" --data "$mnist" --eval-seconds 3 --eval-threads 1)
  echo "eval-1-thread ${line#EVAL }"
  echo "$r eval-1-thread eval ${line#EVAL }" >> "$tmp/results"
  start "$tmp/serve.log" bin/nnfc serve --model "mnist=$model" --addr 127.0.0.1:0 $SERVE_FLAGS
  nurl=$url npid=${pids[-1]}
  if [ -n "$ort" ]; then
    start "$tmp/ort.log" node scripts/ort_serve.js "$tmp/model.onnx" mnist "$ORT_THREADS"
    ourl=$url opid=${pids[-1]}
  fi
  for s in single bin1000 json1000; do
    order=(nnfc)
    if [ -n "$ort" ]; then
      if [ $((r % 2)) = 1 ]; then order=(nnfc ort-node); else order=(ort-node nnfc); fi
    fi
    for who in "${order[@]}"; do run_one "$who" "$s"; done
    ratio "$s"
  done
  [ -n "$ort" ] && stop
  stop
done

# The ratio lines of every round again, together, for the record.
echo "# summary (target: bin1000 nnfc/ort-node >= 1.5x at p99 no worse, >= 80% of eval 2 threads; single >= 10,000 rows/s at p99 <= 10 ms)"
for r in $(seq 1 "$ROUNDS"); do for s in single bin1000 json1000; do ratio "$s"; done; done
