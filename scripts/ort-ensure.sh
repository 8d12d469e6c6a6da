#!/usr/bin/env bash
# ort-ensure.sh: install ONNX Runtime for Node (onnxruntime-node, the CPU
# library inside the package) into tools/ort, when the version
# tools/ort/package.json pins is not there yet. nnfc's export tests
# (internal/onnx) and scripts/onnx-bench.sh run it under Debian's nodejs.
# --ignore-scripts: the package's install script only fetches optional GPU
# parts from outside the npm registry (and fails without that network).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../tools/ort"
want=$(node -p "require('./package.json').dependencies['onnxruntime-node']")
have=$(node -p "try { require('./node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")
[ "$have" = "$want" ] && exit 0
command -v npm >/dev/null 2>&1 || "$here/apt-ensure.sh" npm
echo "installing onnxruntime-node@$want into tools/ort" >&2
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
