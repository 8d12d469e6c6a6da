#!/usr/bin/env bash
# onnx-bench.sh [MODEL.safetensors]: ONNX Runtime's inference throughput on
# an exported MNIST classifier beside nnfc eval's on the same model, in the
# same run: batch 1 and 1,000, 1 and 2 threads, ROUNDS (default 3) rounds
# alternating the two sides, medians printed at the end.
#
# Without MODEL it trains configs/mnist-swish.yaml (784-512(swish)-10,
# float32) for one epoch into a temporary directory. nnfc's side is
# BenchmarkEval (internal/onnx: internal/infer's Evaluate, what nnfc eval
# runs, on the MNIST test set: forward pass, loss and every metric) and
# BenchmarkInfer (inference alone: normalization, infer.Model.Classify's
# forward pass on packed weights, softmax and arg-max, what the exported
# graph computes); ONNX Runtime's is tools/ort/bench.js
# (onnxruntime-node 1.30, CPU provider, from Node) on the .onnx file that
# nnfc export writes. Needs make deps and make data. Timings on a shared
# machine are noisy: compare within a round.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-2}
MNIST=${NNFC_MNIST_DIR:-$PWD/data/mnist}
scripts/ort-ensure.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/nnfc" ./cmd/nnfc
go test -c -o "$tmp/onnx.test" ./internal/onnx
model=${1:-}
if [ -z "$model" ]; then
	"$tmp/nnfc" train --config configs/mnist-swish.yaml --epochs 1 --out "$tmp/run" --progress none >/dev/null
	model="$tmp/run/model.safetensors"
fi
model=$(realpath "$model")
"$tmp/nnfc" export --model "$model" --output "$tmp/model.onnx"
echo "model: $model, $("$tmp/nnfc" eval --model "$model" --data "$MNIST" --split test | grep -m1 '^accuracy' | tr -s ' ') on the MNIST test set"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $("$tmp/nnfc" version | sed -n 2p)"
images="$MNIST/t10k-images-idx3-ubyte.gz"
[ -f "$images" ] || images="$MNIST/t10k-images-idx3-ubyte"
for r in $(seq "$ROUNDS"); do
	for t in 1 2; do
		node tools/ort/bench.js "$tmp/model.onnx" "$images" "$SECONDS_EACH" "$t" 1,1000 | sed "s/^RESULT /RESULT round=$r /"
		(cd internal/onnx && NNFC_ONNX_BENCH_MODEL="$model" NNFC_BENCH_THREADS=$t NNFC_MNIST_DIR="$MNIST" \
			"$tmp/onnx.test" -test.run '^$' -test.bench 'BenchmarkEval|BenchmarkInfer' -test.benchtime "${SECONDS_EACH}s") |
			sed -n -e "s|^BenchmarkEval/threads=\([0-9]*\)/batch=\([0-9]*\)[-0-9]* .* \([0-9.e+]*\) samples/s.*|RESULT round=$r nnfc threads=\1 batch=\2 samples_per_s=\3|p" \
				-e "s|^BenchmarkInfer/threads=\([0-9]*\)/batch=\([0-9]*\)[-0-9]* .* \([0-9.e+]*\) samples/s.*|RESULT round=$r infer threads=\1 batch=\2 samples_per_s=\3|p"
	done
done | tee "$tmp/results"
/usr/bin/python3 - "$tmp/results" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"RESULT round=\d+ (\w+) threads=(\d+) batch=(\d+) samples_per_s=([\d.e+]+)", line)
    if m:
        rows.setdefault((int(m[3]), int(m[2]), m[1]), []).append(float(m[4]))
print("\nmedian samples/s over %d rounds" % max(len(v) for v in rows.values()))
print("%-7s %-8s %12s %12s %12s %9s %10s" % ("batch", "threads", "nnfc eval", "nnfc infer", "ORT", "eval/ORT", "infer/ORT"))
for b in sorted({k[0] for k in rows}):
    for t in sorted({k[1] for k in rows}):
        n, i, o = rows.get((b, t, "nnfc")), rows.get((b, t, "infer")), rows.get((b, t, "ort"))
        if n and o:
            mi = statistics.median(i) if i else float("nan")
            print("%-7d %-8d %12.0f %12.0f %12.0f %9.2f %10.2f" % (b, t, statistics.median(n), mi, statistics.median(o),
                  statistics.median(n) / statistics.median(o), mi / statistics.median(o)))
PY
